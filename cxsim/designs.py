"""Composing the designs of a comparison, and saying which command-line values do not apply.

:func:`design_configs` composes the baseline and every candidate named by ``compare.*``: each
is the same config with ``scenario=<name>``. Command-line overrides apply to every design,
**except where a design patches the same key itself: then the design's value wins**, and a note
says so (a design that silently took the command line's value could become the AS-IS in
disguise). :func:`ignored_keys` lists the overrides a command does not read, with the key that
does apply.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from cxsim.config.loading import compose_config, group_options
from cxsim.config.validation import ConfigError, validate

__all__ = ["design_configs", "ignored_keys", "override_keys", "patched_keys"]


def override_keys(overrides: list[str]) -> list[tuple[str, str]]:
    """``(key, original text)`` of every config override (Hydra's own ``hydra.*`` left out)."""
    out = []
    for o in OverridesParser.create().parse_overrides(overrides):
        key = o.get_key_element().lstrip("+~")
        if key.startswith(("hydra.", "hydra/")) or key == "hydra":
            continue
        out.append((key, o.input_line or key))
    return out


def _leaves(node: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted paths of the leaves of a YAML mapping (lists are leaves)."""
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            if k == "defaults" and not prefix:
                continue
            out.update(_leaves(v, f"{prefix}{k}."))
        return out
    return {prefix.rstrip("."): node}


def patched_keys(scenario_file: Path) -> dict[str, Any]:
    """The keys a scenario file sets (dotted paths) and their values."""
    data = OmegaConf.to_container(OmegaConf.load(scenario_file), resolve=False)
    return _leaves(data if isinstance(data, dict) else {})


def _overlaps(key: str, path: str) -> bool:
    return key == path or path.startswith(key + ".") or key.startswith(path + ".")


def _design_wins(cfg: DictConfig, name: str, file: Path, keys: list[tuple[str, str]], notes: list[str]) -> DictConfig:
    patch = patched_keys(file)
    clashes = [(k, text, p) for k, text in keys for p in patch if _overlaps(k, p)]
    if not clashes:
        return cfg
    for _key, text, path in clashes:
        OmegaConf.update(cfg, path, patch[path], merge=False)
        notes.append(
            f"warning: {text} does not apply to design {name!r}, which sets {path} = {patch[path]!r} itself "
            f"(a design's own values win; to change them, edit or copy {file})"
        )
    validate(cfg)
    return cfg


def design_configs(overrides: list[str], notes: list[str] | None = None) -> tuple[DictConfig, list[DictConfig]]:
    """Compose the baseline and candidate designs named by ``compare.*`` under ``overrides``.

    Args:
        overrides: command-line overrides; they apply to every design except where a design
            sets the same key itself.
        notes: if given, warnings are appended here (overrides a design overrides in turn).

    Raises:
        ConfigError: a design's config is invalid or names an unknown scenario.
    """
    notes = notes if notes is not None else []
    common = [o for o in overrides if not o.lstrip("+~").startswith("scenario=")]
    first = compose_config(common, validate_it=True)
    names = [str(first.compare.baseline), *[str(c) for c in first.compare.candidates]]
    if len(names) < 2:
        raise ConfigError([("compare.candidates", "name at least one TO-BE scenario to compare with the baseline")])
    options = group_options("scenario", overrides)
    keys = [(k, t) for k, t in override_keys(common) if not k.startswith("compare.")]
    cfgs = []
    for i, name in enumerate(names):
        where = "compare.baseline" if i == 0 else "compare.candidates"
        if name not in options:
            listed = ", ".join(options)
            raise ConfigError([(where, f"unknown scenario {name!r}; available: {listed}")])
        cfg = compose_config([*common, f"scenario={name}"], validate_it=True)
        cfgs.append(_design_wins(cfg, name, options[name], keys, notes))
    seen: dict[str, str] = {}
    for option, cfg in zip(names, cfgs, strict=True):
        design = str(cfg.scenario.name)
        if design in seen:
            raise ConfigError(
                [
                    (
                        f"scenario={option}",
                        f"has the design name {design!r} of scenario={seen[design]}; "
                        "every design of a comparison needs its own scenario.name",
                    )
                ]
            )
        seen[design] = option
    return cfgs[0], cfgs[1:]


def ignored_keys(command: str, overrides: list[str], cfg: DictConfig) -> list[str]:
    """Warnings for overrides that ``command`` does not read, naming the key that applies."""
    notes = []
    for key, text in override_keys(overrides):
        parts = key.split(".")
        if len(parts) == 4 and parts[0:2] == ["journey", "touchpoints"] and parts[3] == "servers":
            tp = cfg.journey.touchpoints.get(parts[2])
            if (
                tp is not None
                and tp.staffed
                and str(getattr(tp.staffing.policy, "name", tp.staffing.policy)) == "service_level"
            ):
                notes.append(
                    f"warning: {text} is not used: {parts[2]} is planned to a service level "
                    f"(journey.touchpoints.{parts[2]}.staffing.policy: service_level); add "
                    f"journey.touchpoints.{parts[2]}.staffing.policy=fixed for a fixed team, or change its "
                    "staffing.target_share"
                )
        if command == "compare":
            if key == "simulation.days" and int(cfg.compare.horizon_days) > 0:
                notes.append(
                    f"warning: {text} is not used by compare: the business case lasts compare.horizon_days "
                    f"({int(cfg.compare.horizon_days)} days) after simulation.warmup_days "
                    f"({int(cfg.simulation.warmup_days)}); set compare.horizon_days instead"
                )
            elif key == "simulation.seed":
                notes.append(
                    f"warning: {text} is not used by compare: replication r runs on compare.seed + r "
                    f"(compare.seed = {int(cfg.compare.seed)}); set compare.seed instead"
                )
            elif key == "simulation.trace":
                notes.append(
                    f"warning: {text} is not used by compare: a comparison writes no traces; trace one design "
                    "with `cxsim run scenario=NAME simulation.trace=...`"
                )
            elif key == "scenario":
                notes.append(
                    f"warning: {text} is not used by compare: the designs are compare.baseline and "
                    'compare.candidates; e.g. "compare.candidates=[better_app]"'
                )
        elif command == "run" and key.startswith("compare"):
            notes.append(f"warning: {text} is read only by `cxsim compare`; `cxsim run` simulates one design")
    return notes
