"""The jobs of a sweep, numbered the way Hydra's basic sweeper numbers them.

Every launcher (basic, joblib, Ray, submitit) runs the job list of Hydra's ``BasicSweeper``:
the experiment's ``hydra.sweeper.params`` first, then the command-line task overrides, one
product over the values of every swept key, job ``n`` being the ``n``-th combination. A
:class:`SweepPlan` is that list plus the keys that are swept (the columns of ``sweep.parquet``).
It is computed from a command line before anything runs (validation, resume checks) and from
a finished sweep folder's ``multirun.yaml`` (``cxsim collect``), and both give the same plan.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

__all__ = [
    "SEED_KEYS",
    "SweepPlan",
    "compose_with_hydra",
    "is_hydra_override",
    "plan_from_dir",
    "plan_from_overrides",
    "plan_jobs",
    "sweeper_params",
]

# Keys whose sweep means "replications of the same point" (cxsim collect --by averages over them).
SEED_KEYS = ("simulation.seed", "compare.seed")


def is_hydra_override(override: str) -> bool:
    """``hydra.*`` and ``hydra/...`` overrides configure Hydra itself, not the job."""
    return override.lstrip("+~").startswith(("hydra.", "hydra/"))


@dataclass(frozen=True)
class SweepPlan:
    """The jobs of a sweep: ``jobs[n]`` are job ``n``'s overrides; ``swept`` the swept keys."""

    jobs: tuple[tuple[str, ...], ...]
    swept: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.jobs)

    def values(self, job: int) -> dict[str, Any]:
        """The typed value of every swept key in job ``job`` (as Hydra's parser reads it)."""
        parsed = OverridesParser.create().parse_overrides(list(self.jobs[job]))
        by_key = {o.key_or_group: o.value() for o in parsed}
        return {k: by_key.get(k) for k in self.swept}

    @property
    def seed_key(self) -> str | None:
        """The swept seed key, if the seed is one of the swept dimensions."""
        return next((k for k in self.swept if k in SEED_KEYS), None)


def _params_overrides(params: Mapping[str, Any] | None) -> list[str]:
    return [f"{k}={v}" for k, v in (params or {}).items()]


def plan_from_overrides(task_overrides: Sequence[str], sweeper_params: Mapping[str, Any] | None = None) -> SweepPlan:
    """The plan Hydra's basic sweeper makes of ``sweeper_params`` followed by ``task_overrides``."""
    args = _params_overrides(sweeper_params) + [o for o in task_overrides if not is_hydra_override(o)]
    parsed = OverridesParser.create().parse_overrides(args)
    swept: list[str] = []
    for o in parsed:
        key = o.key_or_group
        if o.is_sweep_override():
            if key not in swept:
                swept.append(key)
        elif key in swept:  # a later plain value replaces an earlier sweep of the same key
            swept.remove(key)
    batches = BasicSweeper.split_arguments(parsed, None)
    jobs = tuple(tuple(j) for batch in batches for j in batch)
    return SweepPlan(jobs=jobs, swept=tuple(swept))


_COMPOSED: dict[tuple[str, ...], DictConfig] = {}


def compose_with_hydra(overrides: Iterable[str]) -> DictConfig:
    """The project's config under ``overrides`` with its ``hydra`` node (sweep folder, launcher, ...).

    Composed once per command line (validation and sweep preparation both read it); treat it
    as read-only.

    Raises:
        ConfigError: the overrides do not compose.
    """
    key = tuple(overrides)
    if key not in _COMPOSED:
        _COMPOSED[key] = _compose_with_hydra(list(key))
    return _COMPOSED[key]


def _compose_with_hydra(overrides: list[str]) -> DictConfig:
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.utils import setup_globals

    from cxsim.config.loading import composition_error, config_dir, register_schema

    setup_globals()  # the ${now:...} resolver of the default sweep folder
    register_schema()
    try:
        # A single composition cannot hold a sweep: each swept key takes its first value here
        # (what is read from this config, the hydra node and sweeper params, does not depend on it).
        overrides = [
            f"{o.get_key_element()}={next(iter(o.sweep_string_iterator()))}"
            if o.is_sweep_override()
            else str(o.input_line)
            for o in OverridesParser.create().parse_overrides(list(overrides))
        ]
        if GlobalHydra.instance().is_initialized():
            return compose(config_name="config", overrides=overrides, return_hydra_config=True)
        with initialize_config_dir(version_base="1.3", config_dir=str(config_dir()), job_name="cxsim"):
            return compose(config_name="config", overrides=overrides, return_hydra_config=True)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise composition_error(exc) from exc


def sweeper_params(cfg: DictConfig) -> dict[str, Any]:
    """``hydra.sweeper.params`` of a composed config (e.g. set by an experiment)."""
    params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
    if not isinstance(params, DictConfig):
        return {}
    return {str(k): str(v) for k, v in params.items()}


def plan_jobs(overrides: Sequence[str]) -> SweepPlan:
    """The jobs ``cxsim run -m <overrides>`` would run (experiment sweeper params included).

    Raises:
        ConfigError: the overrides do not compose.
    """
    return plan_from_overrides(list(overrides), sweeper_params(compose_with_hydra(overrides)))


def plan_from_dir(sweep_dir: Path) -> SweepPlan:
    """The plan of the sweep that ran in ``sweep_dir`` (from its ``multirun.yaml``).

    Raises:
        FileNotFoundError: ``sweep_dir`` holds no ``multirun.yaml``.
    """
    cfg = OmegaConf.load(Path(sweep_dir) / "multirun.yaml")
    task = OmegaConf.select(cfg, "hydra.overrides.task", default=[]) or []
    params = OmegaConf.select(cfg, "hydra.sweeper.params", default=None)
    plain = OmegaConf.to_container(params) if isinstance(params, DictConfig) else {}
    assert isinstance(plain, dict)
    return plan_from_overrides([str(o) for o in task], {str(k): str(v) for k, v in plain.items()})
