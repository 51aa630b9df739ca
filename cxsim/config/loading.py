"""Composing configs with Hydra: find ``configs/``, register the schema, apply overrides.

:func:`load_config` is the Python entry point (no Hydra app, no output directory); the CLI
uses the same config directory and schema through ``@hydra.main``. Any composition failure
(unknown key, bad type, unknown group option, malformed override) and any validation failure
becomes a :class:`~cxsim.config.validation.ConfigError`.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf, open_dict
from omegaconf._utils import get_yaml_loader
from omegaconf.errors import OmegaConfBaseException

from cxsim.config.keys import find_key, suggest, suggest_key
from cxsim.config.schema import CxConfig
from cxsim.config.validation import ConfigError, validate

__all__ = [
    "check_yaml_file",
    "compose_config",
    "composition_error",
    "config_dir",
    "gate",
    "group_options",
    "load_config",
    "new_entries",
    "register_schema",
    "search_dirs",
    "searchpath_override",
]

SCHEMA_NAME = "cxsim_schema"


def config_dir() -> Path:
    """The configs directory: packaged inside a wheel, or ``configs/`` of a source checkout."""
    here = Path(__file__).resolve().parent.parent  # the cxsim package
    for candidate in (here / "configs", here.parent / "configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    raise FileNotFoundError(f"cxsim configs not found next to {here}")


def searchpath_override(dirs: list[Path]) -> str:
    """The Hydra override that adds user config folders to the search path."""
    return "hydra.searchpath=[" + ",".join(f"file://{Path(d).resolve()}" for d in dirs) + "]"


def search_dirs(overrides: list[str] | None) -> list[Path]:
    """User config folders named by a ``hydra.searchpath=[...]`` override (``file://`` or plain paths).

    Raises:
        ConfigError: a named folder does not exist.
    """
    dirs: list[Path] = []
    for o in overrides or []:
        if not o.startswith("hydra.searchpath="):
            continue
        body = o.split("=", 1)[1].strip().strip("[]")
        for item in (x.strip().strip("'\"") for x in body.split(",")):
            if not item:
                continue
            if item.startswith("pkg://"):
                continue
            path = Path(item.removeprefix("file://")).expanduser()
            if not path.is_dir():
                raise ConfigError([("hydra.searchpath", f"config folder {str(path)!r} does not exist")])
            dirs.append(path.resolve())
    return dirs


def group_options(group: str, overrides: list[str] | None = None) -> dict[str, Path]:
    """Every option of a config group (``scenario``, ``journey``...) with its file: built-in first,
    then the user folders of ``hydra.searchpath`` (Hydra's order: the first found wins)."""
    found: dict[str, Path] = {}
    for root in (config_dir(), *search_dirs(overrides)):
        folder = root / group
        if folder.is_dir():
            for f in sorted(folder.glob("*.yaml")):
                found.setdefault(f.stem, f)
    return found


def _check_clashes(overrides: list[str]) -> None:
    """A user file that has the name of a built-in option would be silently shadowed: refuse it."""
    builtin = config_dir()
    for root in search_dirs(overrides):
        for f in sorted(root.glob("*/*.yaml")):
            twin = builtin / f.parent.name / f.name
            if twin.is_file():
                raise ConfigError(
                    [
                        (
                            f"{f.parent.name}={f.stem}",
                            f"{f} has the name of the built-in {f.parent.name} {f.stem!r}, which would win over "
                            "yours; rename your file (e.g. my_" + f.name + ")",
                        )
                    ]
                )


def _unknown_option(msg: str, overrides: list[str]) -> ConfigError | None:
    """A complete "unknown option" message, listing built-in and user options alike."""
    m = re.search(r"Could not find '([\w-]+)/([^']+)'", msg)
    if not m:
        return None
    group, name = m.group(1), m.group(2)
    options = group_options(group, overrides)
    where = ", ".join(str(d) for d in search_dirs(overrides))
    listed = ", ".join(options) if options else "none"
    extra = f" (built-in and {where})" if where else " (built-in; add your own with --config-dir DIR)"
    near = suggest(name, options)
    mean = f"did you mean {' or '.join(f'{group}={n}' for n in near)}? " if near else ""
    return ConfigError(
        [(group, f"unknown {group} {name!r} (no {group}/{name}.yaml); {mean}available: {listed}{extra}")]
    )


def _unknown_key(exc: BaseException, given: list[str]) -> ConfigError | None:
    """Hydra's "Could not override 'population.sizee'. To append to your config use +..." as a
    did-you-mean: the tip would add a key the schema does not have, which the gate refuses anyway."""
    msg, link = "", exc
    for _ in range(5):  # the message and its causes
        msg += f" {link}"
        nxt = link.__cause__ or link.__context__
        if nxt is None:
            break
        link = nxt
    if "Could not override" not in msg and not re.search(r"Key '[\w-]+' not in '\w+Config'", msg):
        return None
    full = re.search(r"full_key: ([\w.-]+)", msg)  # +journey.touchpoints={kiosk:{channl:...}}: the new key
    keys = [full.group(1)] if full else []
    for o in [*keys, *given]:
        key = o.split("=", 1)[0].lstrip("+~")
        if "." in key and not key.startswith("hydra") and find_key(key) is None and not _inside_free_dict(key):
            return _unknown_key_error(key)
    return None


def _inside_free_dict(key: str) -> bool:
    """A key below a ``dict[str, float]`` field (channel preferences, journey rates) takes any name."""
    parts = key.split(".")
    return any(
        (d := find_key(".".join(parts[:i]))) is not None and d.type.startswith("dict[") for i in range(1, len(parts))
    )


def _unknown_key_error(key: str, known: list[str] | None = None) -> ConfigError:
    near = suggest_key(key)
    text = f"unknown key {key.rsplit('.', 1)[-1]!r}"
    if near:
        text += f"; did you mean {' or '.join(near)}?"
    if known:
        text += f" (known here: {', '.join(known)})"
    return ConfigError([(key, text + "; `cxsim help KEY` explains a key")])


_yaml_ok: dict[tuple[Path, int, int], None] = {}


def check_yaml_file(path: Path) -> None:
    """Parse one YAML config file as OmegaConf does.

    Raises:
        ConfigError: a syntax error (unclosed bracket, tab, duplicate key, unsafe tag), reported as
            ``FILE:LINE: <yaml's message>``.
    """
    st = path.stat()
    stamp = (path, st.st_mtime_ns, st.st_size)
    if stamp in _yaml_ok:
        return
    try:
        with open(path, encoding="utf-8") as fh:
            yaml.load(fh, Loader=get_yaml_loader())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context = getattr(exc, "context", None)
        text = f"{context}: {problem}" if context and problem else str(problem)
        start = getattr(exc, "context_mark", None)
        if mark is not None and start is not None and start.line != mark.line:
            text += f" (it started at line {start.line + 1})"
        raise ConfigError([(f"{path}{line}", f"YAML syntax error: {text}")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([(str(path), f"cannot read the config file: {exc}")]) from exc
    _yaml_ok[stamp] = None


def _check_yaml_files(overrides: list[str]) -> None:
    for root in (config_dir(), *search_dirs(overrides)):
        for f in sorted(root.rglob("*.yaml")):
            check_yaml_file(f)


_ADD_TO_DICT = re.compile(
    r"^\+(population\.segments|journey\.touchpoints|journey\.journeys\.[\w-]+\.steps|journey\.journeys)"
    r"\.([\w-]+)((?:\.[\w-]+)*)=(.*)$",
    re.DOTALL,
)


def new_entries(overrides: list[str]) -> list[str]:
    """Rewrite ``+journey.touchpoints.kiosk={...}`` as ``+journey.touchpoints={kiosk:{...}}``.

    Hydra cannot add an entry to a dict of structured configs (a touchpoint, segment, journey or
    step) by its dotted key ("dict is not a subclass of TouchpointConfig"), but it merges a dict
    into the container, which fills the new entry's defaults from the schema.
    """
    out = []
    for o in overrides:
        m = _ADD_TO_DICT.match(o)
        if m:
            container, name, rest, value = m.groups()
            for part in reversed(rest.split(".")[1:]):
                value = f"{{{part}:{value}}}"
            o = f"+{container}={{{name}:{value}}}"
        out.append(o)
    return out


_EMPTY_GROUPS = {
    "population.segments": "segment",
    "journey.touchpoints": "touchpoint",
    "journey.journeys": "journey",
}


def _check_overrides(overrides: list[str]) -> None:
    """Overrides Hydra accepts but that would not do what they say."""
    for o in overrides:
        key, _, value = o.partition("=")
        bare = key.lstrip("+~")
        what = _EMPTY_GROUPS.get(bare) or ("step" if re.fullmatch(r"journey\.journeys\.[\w-]+\.steps", bare) else None)
        if what and value.strip() in ("{}", "[]", "null"):
            raise ConfigError(
                [
                    (
                        bare,
                        f"{value.strip()} would leave no {what} (a run needs at least one); remove one entry with "
                        f"~{bare}.NAME, or choose another option of the group",
                    )
                ]
            )
        if key.startswith("~") and "/" not in bare:
            parent, _, leaf = bare.rpartition(".")
            node: Any = CxConfig
            for part in parent.split(".") if parent else []:
                fields = {f.name: f for f in dataclasses.fields(node)} if dataclasses.is_dataclass(node) else {}
                node = _field_type(fields[part]) if part in fields else None
            if dataclasses.is_dataclass(node) and leaf in {f.name for f in dataclasses.fields(node)}:
                where = "group" if not parent else "key"
                raise ConfigError(
                    [
                        (
                            bare,
                            f"cannot delete the {where} {bare!r}: a deleted {where} falls back to schema defaults "
                            "that differ from the shipped YAML; choose an option or set its keys instead",
                        )
                    ]
                )


def _field_type(f: dataclasses.Field[Any]) -> Any:
    factory = f.default_factory
    return factory if isinstance(factory, type) else None


def _unknown_keys(node: Any, schema: Any, prefix: str) -> list[tuple[str, list[str]]]:
    """Keys of ``node`` (a plain container) that the dataclass ``schema`` does not have."""
    if not isinstance(node, dict):
        return []
    hints = typing.get_type_hints(schema)
    out: list[tuple[str, list[str]]] = []
    for k, v in node.items():
        if k not in hints:
            out.append((f"{prefix}{k}", list(hints)))
            continue
        t = hints[k]
        if dataclasses.is_dataclass(t):
            out += _unknown_keys(v, t, f"{prefix}{k}.")
        elif typing.get_origin(t) is dict and isinstance(v, dict):
            element = typing.get_args(t)[1]
            if dataclasses.is_dataclass(element):
                for name, entry in v.items():
                    out += _unknown_keys(entry, element, f"{prefix}{k}.{name}.")
    return out


def _resolve(cfg: DictConfig) -> None:
    """Resolve every interpolation and find every mandatory value left unset (``???``)."""
    try:
        OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or "overrides"
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "Missing mandatory value" in msg:
            msg = "missing mandatory value (???): set it"
        raise ConfigError([(str(key), f"cannot resolve: {msg}")]) from exc


def register_schema() -> None:
    """Store the structured-config schema under the name the root config's defaults use."""
    ConfigStore.instance().store(name=SCHEMA_NAME, node=CxConfig)


_OVERRIDE_KEY = re.compile(
    r"(?:Error merging override|Could not override|Could not append to config\. An item is already at)"
    r" '?\+?~?([\w./\[\]-]+)"
)
_MISSING_GROUP = re.compile(r"Could not find '([\w-]+)/")


def composition_error(exc: BaseException) -> ConfigError:
    """Turn a Hydra/OmegaConf composition failure into a ConfigError naming the key."""
    msg = str(exc).strip()
    key = getattr(exc, "full_key", None)
    cause = exc.__cause__ or exc.__context__
    if not key and cause is not None:
        key = getattr(cause, "full_key", None)
        if str(cause).strip() and str(cause).strip() not in msg:
            msg = f"{msg}: {str(cause).strip()}"
    # The override's own key is the most useful location; OmegaConf sometimes reports a key
    # relative to the node it failed in (e.g. "orphan" for "journey.journeys.x.steps.orphan").
    m = _OVERRIDE_KEY.search(msg)
    if m:
        override_key = m.group(1).split("=")[0]
        if not key or not str(override_key).endswith(str(key)) or len(str(key)) < len(override_key):
            key = override_key
    g = _MISSING_GROUP.search(msg)
    if g and not key:
        key = g.group(1)
    if "is not a subclass of" in msg:
        return ConfigError(
            [
                (
                    str(key),
                    f"{msg.split(':')[0]}: add a new touchpoint, segment, journey or step as a whole, e.g. "
                    "+journey.touchpoints.kiosk={channel:digital} or +journey.touchpoints={kiosk:{channel:digital}}, "
                    "or put it in a YAML file of your own folder (--config-dir DIR)",
                )
            ]
        )
    lines = []
    for ln in msg.splitlines():
        ln = ln.strip()
        if not ln or ln.startswith(("full_key:", "object_type=", "Config search path", "provider=", "path=")):
            continue
        if ln.startswith("In '") and "Could not find" not in ln:
            continue
        lines.append(re.sub(r"\s*reference_type=\S+", "", ln))
    text = " ".join(lines) if lines else type(exc).__name__
    return ConfigError([(str(key) if key else "overrides", text)])


def compose_config(overrides: list[str] | None = None, *, validate_it: bool = True) -> DictConfig:
    """Compose the project's config with Hydra overrides (``hydra.*`` ones included).

    Raises:
        ConfigError: composition failed (unknown key or option, bad type, malformed override)
            or, with ``validate_it``, the config breaks a validation rule.
    """
    register_schema()
    given = list(overrides or [])
    overrides = new_entries(given)
    _check_clashes(overrides)
    _check_yaml_files(overrides)
    _check_overrides(overrides)
    with_hydra = any(o.lstrip("+~").startswith(("hydra.", "hydra/")) for o in overrides)
    try:
        if GlobalHydra.instance().is_initialized():
            # inside a running Hydra app (cxsim run / compare): its search path is ours
            cfg = compose(config_name="config", overrides=overrides, return_hydra_config=with_hydra)
        else:
            with initialize_config_dir(version_base="1.3", config_dir=str(config_dir()), job_name="cxsim"):
                cfg = compose(config_name="config", overrides=overrides, return_hydra_config=with_hydra)
    except ConfigError:
        raise
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        err = _unknown_option(str(exc), overrides) or _unknown_key(exc, given) or composition_error(exc)
        for mine, theirs in zip(overrides, given, strict=True):
            if mine != theirs and mine in str(err):  # say it in the user's words
                key = theirs.split("=", 1)[0].lstrip("+")
                err = ConfigError([(key, m.replace(mine, theirs)) for _, m in err.problems])
        raise err from exc
    if with_hydra:
        with open_dict(cfg):
            del cfg["hydra"]
    gate(cfg, validate_it=validate_it)
    return cfg


def gate(cfg: DictConfig, *, validate_it: bool = True) -> None:
    """Everything a run will read, checked before anything runs.

    Resolves every interpolation and mandatory value, rejects keys the schema does not have and,
    with ``validate_it``, applies every validation rule and the memory estimate.

    Raises:
        ConfigError: naming the key (and the value) of the first kind of problem found.
    """
    _resolve(cfg)
    # "+key=value" may add keys anywhere; keys the schema does not have (a typo such as
    # +population.sise=5000) are refused, while dict-valued fields (segments, touchpoints,
    # steps, preferences) still accept new entries.
    unknown = _unknown_keys(OmegaConf.to_container(cfg, resolve=False), CxConfig, "")
    if unknown:
        key, known = unknown[0]
        raise _unknown_key_error(key, known)
    if not validate_it:
        return
    try:
        validate(cfg)
    except OmegaConfBaseException as exc:  # a key the overrides removed, a value of the wrong kind
        raise composition_error(exc) from exc
    from cxsim.memory import check_memory

    check_memory(cfg)


def load_config(overrides: list[str] | None = None) -> DictConfig:
    """Compose the project's config with Hydra-style overrides and validate it.

    Args:
        overrides: e.g. ``["population.size=5000", "wom=mean_field"]``.

    Raises:
        ConfigError: the overrides or the resulting config are invalid.
    """
    cfg = compose_config(overrides, validate_it=True)
    OmegaConf.set_readonly(cfg, False)
    return cfg
