"""A run's folder appears whole or not at all: staged next to its target, moved into place at the end.

``cxsim run`` and ``cxsim compare`` (outside a sweep) do not write into their output folder
(``hydra.run.dir``) while they work. :func:`plan` resolves that folder before anything runs and
picks a staging folder beside it, ``.<name>.partial-<pid>``; Hydra is pointed there (its
``.hydra/`` and the job log included), the job writes its files and, last, the completion
marker (:data:`cxsim.sweeps.marker.MARKER`, the one sweeps and resume use). :meth:`RunFolder.settle`
then renames the staging folder to the target in one step:

- a finished run arrives whole, marker included;
- a failed or interrupted run arrives with its result files removed: only ``.hydra/``, the log
  and ``error.json`` (:data:`cxsim.sweeps.marker.FAILURE`) saying what happened;
- a run killed outright (SIGKILL, power loss) leaves only the hidden staging folder, which the
  next run aimed at the same target removes.

A target that already holds a run's results is refused (:class:`ConfigError`, exit 2) unless
``overwrite`` is given, which removes the old folder first. A folder left by a failed or
interrupted run holds no results and is replaced without asking. A folder with files cxsim did
not write is never removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from omegaconf import OmegaConf

from cxsim.config.validation import ConfigError
from cxsim.interrupts import Interrupted
from cxsim.sweeps.marker import FAILURE, MARKER, read_failure, write_failure

__all__ = ["RunFolder", "plan", "run_dir_of", "shown_dir"]

_PARTIAL = ".partial-"
_KEPT_ON_FAILURE = (".hydra", FAILURE)  # and *.log


def shown_dir(out_dir: Path) -> Path:
    """The folder a staged run will land in (``out_dir`` itself if it is not a staging folder)."""
    out_dir = Path(out_dir)
    name = out_dir.name
    if name.startswith(".") and _PARTIAL in name:
        return out_dir.parent / name[1 : name.rindex(_PARTIAL)]
    return out_dir


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_run_folder(d: Path) -> bool:
    return (d / ".hydra").is_dir() or (d / MARKER).exists() or (d / FAILURE).exists()


def _holds_results(d: Path) -> bool:
    """True if ``d`` holds files other than a failed run's ``.hydra/``, log and ``error.json``."""
    if (d / MARKER).exists():
        return True
    return any(p.name not in _KEPT_ON_FAILURE and p.suffix != ".log" for p in d.iterdir())


@dataclass(frozen=True)
class RunFolder:
    """Where a single run lands (``target``) and where it is staged meanwhile (``staging``)."""

    target: Path
    staging: Path

    def override(self) -> str:
        """The Hydra override that points the job at the staging folder."""
        return f"hydra.run.dir={_quote(str(self.staging))}"

    def complete(self) -> bool:
        """True once the job wrote its completion marker."""
        return (self.staging / MARKER).exists()

    def settle(self, stop: Interrupted | None = None) -> Path | None:
        """Move the staging folder to the target (see the module docstring); returns the target.

        Args:
            stop: the interrupt that ended the run, if one did; it is recorded in ``error.json``.

        Returns:
            The target, or None if the job never created its folder (nothing to move).
        """
        if not self.staging.is_dir():
            return None
        if stop is not None or not self.complete():
            (self.staging / MARKER).unlink(missing_ok=True)
            for p in self.staging.iterdir():
                if p.name in _KEPT_ON_FAILURE or p.suffix == ".log":
                    continue
                if p.is_dir() and not p.is_symlink():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            if stop is not None:
                message = f"interrupted by {stop.name}" + (f"; {stop.detail}" if stop.detail else "")
                write_failure(self.staging, None, stop, message=message, interrupted=True)
            elif read_failure(self.staging) is None:
                write_failure(self.staging, None, RuntimeError("the run stopped before it finished"))
        self._fix_hydra_paths()
        if self.target.exists():  # an empty folder, or what a failed run left (checked by plan)
            shutil.rmtree(self.target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(self.staging, self.target)
        return self.target

    def _fix_hydra_paths(self) -> None:
        """Hydra recorded the staging folder as the run's folder: record the target instead."""
        hydra_yaml = self.staging / ".hydra" / "hydra.yaml"
        with contextlib.suppress(OSError, UnicodeDecodeError):
            text = hydra_yaml.read_text(encoding="utf-8")
            hydra_yaml.write_text(text.replace(str(self.staging), str(self.target)), encoding="utf-8")


def _quote(value: str) -> str:
    if all(c.isalnum() or c in "/._-~+:@" for c in value):
        return value
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def plan(run_dir: str, *, overwrite: bool = False, key: str = "hydra.run.dir") -> RunFolder:
    """Check the target folder and choose its staging folder; with ``overwrite``, remove old results.

    Args:
        run_dir: the resolved ``hydra.run.dir``.
        overwrite: replace a folder that holds a previous run's results.
        key: the setting named in messages.

    Raises:
        ConfigError: the target holds results (and not ``overwrite``), holds files cxsim did not
            write, is not a folder, or is the current folder or one of its parents.
    """
    target = Path(run_dir).expanduser().absolute()
    here = Path.cwd().absolute()
    if target == here or target in here.parents:
        raise ConfigError([(key, f"{run_dir!r} is the current folder or one of its parents; choose a new folder")])
    if target.exists() and not target.is_dir():
        raise ConfigError([(key, f"{run_dir!r} exists and is not a folder")])
    if target.is_dir() and any(target.iterdir()):
        if not _is_run_folder(target):
            raise ConfigError([(key, f"{run_dir!r} holds files cxsim did not write; choose an empty or a new folder")])
        if _holds_results(target) and not overwrite:
            raise ConfigError(
                [
                    (
                        key,
                        f"{run_dir!r} already holds a run's results; choose another folder, or add --overwrite "
                        "to replace them",
                    )
                ]
            )
        shutil.rmtree(target)  # old results (asked for) or what a failed run left
    _remove_stale(target)
    staging = target.parent / f".{target.name}{_PARTIAL}{os.getpid()}"
    return RunFolder(target=target, staging=staging)


def _remove_stale(target: Path) -> None:
    """Remove staging folders for ``target`` whose process is gone (it was killed outright)."""
    if not target.parent.is_dir():
        return
    for p in target.parent.glob(f".{target.name}{_PARTIAL}*"):
        pid = p.name.rsplit(_PARTIAL, 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(p, ignore_errors=True)


def run_dir_of(overrides: list[str]) -> str:
    """The ``hydra.run.dir`` a single run with ``overrides`` would write (``${now:...}`` resolved now).

    The overrides must already have passed the config gate.
    """
    from hydra import compose, initialize_config_dir

    from cxsim.config.loading import config_dir, register_schema

    register_schema()
    with initialize_config_dir(version_base="1.3", config_dir=str(config_dir()), job_name="cxsim"):
        cfg = compose(config_name="config", overrides=overrides, return_hydra_config=True)
    return str(OmegaConf.select(cfg, "hydra.run.dir"))
