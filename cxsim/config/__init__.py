"""Configuration: schema (dataclasses), Hydra composition and validation."""

from __future__ import annotations

from cxsim.config.loading import config_dir, load_config, register_schema
from cxsim.config.schema import CxConfig
from cxsim.config.validation import ConfigError, validate

__all__ = ["ConfigError", "CxConfig", "config_dir", "load_config", "register_schema", "validate"]
