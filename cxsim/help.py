"""Help on the command line: each command's keys, one key or group (``cxsim help KEY``).

Everything printed about a key comes from :func:`cxsim.config.keys.key_docs` (the schema's field
comments and the limits validation enforces) and from the config the command would compose
(its values, the options of each config group, user folders included).
"""

from __future__ import annotations

import textwrap
from typing import Any

from omegaconf import DictConfig, OmegaConf

from cxsim.config.keys import GROUPS, NUMBER_NOTE, KeyDoc, find_key, key_docs, suggest
from cxsim.config.loading import compose_config, config_dir, group_options, search_dirs
from cxsim.config.validation import ConfigError

__all__ = ["COMMAND_GROUPS", "explain", "group_list", "keys_help"]

# The config groups each command reads (run ignores compare.*; compare replaces simulation.seed
# by compare.seed and chooses its designs with compare.baseline / compare.candidates).
COMMAND_GROUPS: dict[str, tuple[str, ...]] = {
    "run": tuple(g for g in GROUPS if g != "compare"),
    "compare": GROUPS,
    "validate": GROUPS,
}
_NOT_READ = {"compare": {"simulation.seed": "compare.seed"}}
_WIDTH = 100


def _value(cfg: DictConfig | None, path: str) -> Any:
    if cfg is None or "*" in path:
        return None
    return OmegaConf.select(cfg, path, default=None, throw_on_missing=False)


def _show(value: Any) -> str:
    if isinstance(value, DictConfig) or OmegaConf.is_config(value):
        value = OmegaConf.to_container(value, resolve=True)
    text = str(getattr(value, "value", value))
    return text if len(text) <= 60 else text[:57] + "..."


def _entries(cfg: DictConfig | None, doc: KeyDoc) -> str:
    """``value per entry`` of a ``*`` key in the composed config, e.g. ``branch=2, contact_centre=3``."""
    if cfg is None:
        return ""
    head, _, tail = doc.path.partition(".*.")
    container = _value(cfg, head)
    if container is None or "*" in tail:
        return ""
    vals = [f"{name}={_show(OmegaConf.select(entry, tail, default=None))}" for name, entry in container.items()]
    return ", ".join(vals)


def _key_lines(doc: KeyDoc, cfg: DictConfig | None, command: str = "") -> list[str]:
    if doc.type == "group":
        return []
    if "*" in doc.path:
        now = _entries(cfg, doc)
        default = f"now: {now}" if now else ""
        if doc.schema_default not in (None, ""):
            default += ("; " if default else "") + f"a new entry: {_show(doc.schema_default)}"
    elif doc.type.startswith("dict of"):
        v = _value(cfg, doc.path)
        default = f"entries now: {', '.join(v)}" if v is not None else ""
    else:
        v = _value(cfg, doc.path)
        default = f"default {_show(v)}" if v is not None else ""
    head = f"  {doc.path}  ({doc.type}{', ' + default if default else ''})"
    text = doc.line()
    if len(head) > _WIDTH:
        head = f"  {doc.path}  ({doc.type})"
        text = f"{default}. {text}" if text else default
    instead = _NOT_READ.get(command, {}).get(doc.path)
    if instead:
        text += f"; not read by {command} (it uses {instead})"
    body = textwrap.wrap(text, _WIDTH - 6, initial_indent="      ", subsequent_indent="      ") if text else []
    return [head, *body]


def _default_config(overrides: list[str]) -> DictConfig | None:
    try:
        return compose_config([o for o in overrides if o.startswith("hydra.searchpath=")], validate_it=False)
    except ConfigError:
        return None


def group_list(overrides: list[str]) -> str:
    """``  group: option, option`` for every config group, user folders included."""
    lines = []
    roots = (config_dir(), *search_dirs(overrides))
    names = sorted({p.name for r in roots for p in r.iterdir() if p.is_dir() and p.name != "hydra"})
    for g in names:
        opts = group_options(g, overrides)
        if opts:
            lines.append(f"  {g}: {', '.join(opts)}")
    return "\n".join(lines)


def keys_help(command: str, overrides: list[str]) -> str:
    """The epilog of ``cxsim COMMAND --help``: every key the command reads, grouped."""
    cfg = _default_config(overrides)
    docs = key_docs()
    out = [
        f"config keys {command} reads (KEY=VALUE to set one; `cxsim help KEY` for one key or group, with the",
        "file that sets it; defaults are those of configs/config.yaml):",
    ]
    for group in COMMAND_GROUPS[command]:
        out.append("")
        out.append(f"{group}: {docs[group].meaning}" if docs[group].meaning else f"{group}:")
        for path, doc in docs.items():
            if path.startswith(f"{group}."):
                out += _key_lines(doc, cfg, command)
    out += ["", f"({NUMBER_NOTE})", "", "config groups (GROUP=OPTION; --config-dir DIR adds your own options):"]
    out.append(group_list(overrides))
    return "\n".join(out)


def explain(topic: str, overrides: list[str]) -> str:
    """``cxsim help TOPIC``: one key (its meaning, range, value and where it was set) or one group.

    Raises:
        ConfigError: ``topic`` is no key or group; the message names the closest ones.
    """
    from cxsim.config.provenance import where

    docs = key_docs()
    cfg = compose_config(overrides, validate_it=False)
    roots = (config_dir(), *search_dirs(overrides))
    file_groups = sorted({p.name for r in roots for p in r.iterdir() if p.is_dir() and p.name != "hydra"})
    doc = find_key(topic)
    out: list[str] = []
    if doc is None and topic not in file_groups:
        concrete = _concrete_keys(cfg)
        near = suggest(topic, [*docs, *concrete, *file_groups])
        hint = f"; did you mean {' or '.join(near)}?" if near else "; `cxsim run --help` lists every key"
        raise ConfigError([(topic, f"no such config key or group{hint}")])
    if doc is not None and doc.type != "group":
        out += _key_lines(doc, cfg)
        if "*" in topic:
            return "\n".join(out)
        value = _value(cfg, topic)
        if value is not None:
            out.append(f"  value: {_show(value)}, set by {where(topic, overrides)}")
        if doc.type.startswith("dict of"):
            out.append(f"  entries: {', '.join(value) if value is not None else 'none'}; keys of each entry:")
            for path, d in docs.items():
                if path.startswith(f"{doc.path}.*.") and path.count("*") == doc.path.count("*") + 1:
                    out += _key_lines(d, cfg)
        return "\n".join(out)
    if doc is not None:  # a group of keys: population, behaviour.churn, ...
        out.append(f"{topic}: {doc.meaning}" if doc.meaning else f"{topic}:")
        for path, d in docs.items():
            if path.startswith(f"{doc.path}."):
                out += _key_lines(d, cfg)
    if topic in file_groups:
        opts = group_options(topic, overrides)
        chosen = _value(cfg, f"{topic}.name") if topic == "scenario" else None
        out.append("")
        out.append(f"options of the config group {topic!r} (choose one with {topic}=OPTION):")
        for name, file in opts.items():
            mark = " (chosen)" if chosen == name else ""
            out.append(f"  {name}{mark}: {file}")
        if not search_dirs(overrides):
            out.append("  (add your own: --config-dir DIR with DIR/" + topic + "/NAME.yaml)")
    return "\n".join(out)


def _concrete_keys(cfg: DictConfig) -> list[str]:
    out: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                out.append(f"{prefix}{k}")
                walk(v, f"{prefix}{k}.")

    walk(OmegaConf.to_container(cfg, resolve=False), "")
    return out
