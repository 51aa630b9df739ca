"""Where a config value came from: the last config file or command-line override that set it.

Hydra composes a run's config from its defaults list (``configs/config.yaml`` and the option of
every group, user folders included) and then applies the overrides; :func:`where` walks the
same list and reports the last source that sets a key (or one of its parents).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.types import RunMode
from omegaconf import OmegaConf

from cxsim.config.loading import config_dir, new_entries, register_schema, search_dirs

__all__ = ["where"]


def _covers(set_key: str, key: str) -> bool:
    """Whether setting ``set_key`` sets ``key`` (the same key or one of its parents)."""
    return key == set_key or key.startswith(f"{set_key}.")


def where(key: str, overrides: list[str] | None = None) -> str:
    """The source of ``key`` in the config composed with ``overrides``, in words.

    Either ``the override 'population.size=5'``, ``FILE (group option population=retail_bank)``
    or ``the schema default (no config file sets it)``.
    """
    overrides = new_entries(list(overrides or []))
    groups = {p.name for root in (config_dir(), *search_dirs(overrides)) for p in root.iterdir() if p.is_dir()}
    for o in reversed(OverridesParser.create().parse_overrides(overrides)):
        k = o.get_key_element().lstrip("+~")
        if "/" in k or k.startswith("hydra") or (k in groups and "." not in k and not o.is_delete()):
            continue  # a group option (scenario=better_app) is a file, found below
        if _covers(k, key) or (o.is_delete() and _covers(key, k)):
            return f"the override {o.input_line!r}"
    register_schema()
    found = "the schema default (no config file sets it)"
    fresh = not GlobalHydra.instance().is_initialized()
    ctx = initialize_config_dir(version_base="1.3", config_dir=str(config_dir()), job_name="cxsim") if fresh else None
    try:
        if ctx is not None:
            ctx.__enter__()
        loader: Any = GlobalHydra.instance().config_loader()  # ConfigLoaderImpl (its repository is not in the ABC)
        defaults = loader.compute_defaults_list(config_name="config", overrides=overrides, run_mode=RunMode.RUN)
        for d in defaults.defaults:
            path = d.config_path or ""
            if not path or path.startswith("hydra/") or path == "cxsim_schema":
                continue
            res = loader.repository.load_config(path)
            if res is None or not str(res.path).startswith("file://"):
                continue
            package = d.package or ""
            if package and not _covers(package, key) and not _covers(key, package):
                continue
            inner = key[len(package) + 1 :] if package and key != package else ("" if package else key)
            node = OmegaConf.masked_copy(res.config, [k for k in res.config if k != "defaults"])
            if (inner == "" and len(node)) or (inner and OmegaConf.select(node, inner, default=None) is not None):
                file = Path(str(res.path).removeprefix("file://")) / f"{path}.yaml"
                group, _, option = path.rpartition("/")
                found = f"{file}" + (f" (group option {group}={option})" if group else "")
    finally:
        if ctx is not None:
            ctx.__exit__(None, None, None)
    return found
