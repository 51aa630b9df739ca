"""The ``sensitivity`` and ``optimise`` config files, read and checked before anything runs.

A sensitivity file (``configs/sensitivity/*.yaml``) names the outputs, the method and the
parameters with their ranges; an optimise file (``configs/optimise/*.yaml``) names the design
levers, what each costs, the budget and the objective. Both are checked against the composed
model config: every parameter path must be a number in it, every range must have
``low < high``, every lever a cost, the budget must be positive. Problems are raised as one
:class:`~cxsim.config.validation.ConfigError` naming the key (exit code 2 in the CLI).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, ListConfig, OmegaConf

from cxsim.config.loading import group_options
from cxsim.config.validation import ConfigError

__all__ = [
    "DESIGN_METRICS",
    "Lever",
    "OptimiseSpec",
    "Parameter",
    "SensitivitySpec",
    "load_spec_file",
    "parameter_value",
]

# What a design's output can be: ``<design>.<metric>`` (against the AS-IS, paired replications).
DESIGN_METRICS = ("npv", "roi", "investment", "benefit", "dnps")
METHODS = ("morris", "sobol")
LEVER_TYPES = ("int", "float", "switch")


def load_spec_file(group: str, name: str, overrides: list[str]) -> tuple[dict[str, Any], Path]:
    """The mapping in ``configs/<group>/<name>.yaml`` (or the YAML file ``name``) and its path."""
    path = Path(name).expanduser()
    if not (path.suffix in (".yaml", ".yml") and path.is_file()):
        options = group_options(group, overrides)
        if name not in options:
            listed = ", ".join(options) or "(none)"
            raise ConfigError([(f"--spec {name}", f"no {group} config of that name or file; available: {listed}")])
        path = options[name]
    try:
        data = OmegaConf.to_container(OmegaConf.load(path), resolve=True)
    except Exception as exc:  # YAML syntax or interpolation errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ConfigError([(str(path), f"cannot be read as YAML: {first}")]) from None
    if not isinstance(data, dict):
        raise ConfigError([(str(path), "must be a mapping of keys to values")])
    return {str(k): v for k, v in data.items()}, path


def parameter_value(cfg: DictConfig, path: str, where: str) -> Any:
    """The value at ``path`` in the model config; ConfigError naming ``where`` if there is none."""
    value = OmegaConf.select(cfg, path, default=_MISSING)
    if value is _MISSING:
        raise ConfigError([(where, f"unknown parameter path {path!r} (not a key of the model config)")])
    if isinstance(value, ListConfig):
        return OmegaConf.to_container(value)
    return value


_MISSING = object()


def _number(data: dict[str, Any], key: str, where: str) -> float:
    name = f"{where}.{key}" if where else key
    if key not in data:
        raise ConfigError([(name, "is missing")])
    v = data[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(float(v)):
        raise ConfigError([(name, f"must be a finite number, got {v!r}")])
    return float(v)


def _unknown(data: dict[str, Any], known: set[str], where: str) -> None:
    extra = sorted(set(data) - known)
    if extra:
        prefix = f"{where}." if where else ""
        raise ConfigError([(f"{prefix}{extra[0]}", f"unknown key (known: {', '.join(sorted(known))})")])


@dataclass(frozen=True)
class Parameter:
    """An uncertain model parameter: its config path and range (uniform, or log-uniform)."""

    path: str
    low: float
    high: float
    integer: bool = False
    log: bool = False

    def value(self, u: float) -> float | int:
        """The parameter value for the sample value ``u`` (in ``[low, high]``, SALib's scale)."""
        x = math.exp(u) if self.log else u
        return round(x) if self.integer else float(x)

    @property
    def bounds(self) -> list[float]:
        """Bounds on SALib's scale (log of the value for log-uniform parameters)."""
        return [math.log(self.low), math.log(self.high)] if self.log else [self.low, self.high]


def _parameters(raw: Any, cfg: DictConfig) -> tuple[Parameter, ...]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError([("parameters", "name at least one parameter: {path: {low: .., high: ..}}")])
    out = []
    for path, body in raw.items():
        where = f"parameters.{path}"
        if not isinstance(body, dict):
            raise ConfigError([(where, "must be a mapping with low and high")])
        _unknown(body, {"low", "high", "log"}, where)
        low, high = _number(body, "low", where), _number(body, "high", where)
        if not low < high:
            raise ConfigError([(where, f"low must be < high, got low={low:g}, high={high:g}")])
        log = bool(body.get("log", False))
        if log and low <= 0:
            raise ConfigError([(f"{where}.low", f"must be > 0 for a log-uniform range, got {low:g}")])
        current = parameter_value(cfg, str(path), where)
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise ConfigError([(where, f"is not a number in the model config (it is {current!r})")])
        out.append(Parameter(str(path), low, high, integer=isinstance(current, int), log=log))
    return tuple(out)


@dataclass(frozen=True)
class SensitivitySpec:
    """What ``cxsim sensitivity`` computes (``configs/sensitivity/*.yaml``)."""

    name: str
    method: str
    outputs: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    samples: int
    levels: int
    seed: int
    conf_level: float
    bootstrap: int

    @property
    def design_outputs(self) -> bool:
        """True when the outputs are designs' money or ΔNPS (a comparison at every point)."""
        return any("." in o for o in self.outputs)

    @classmethod
    def from_dict(cls, data: dict[str, Any], cfg: DictConfig, candidates: list[str], kpis: tuple[str, ...]) -> Any:
        """Checked spec; ``candidates`` are the designs compared, ``kpis`` the run KPIs known."""
        known = {"name", "method", "outputs", "parameters", "samples", "levels", "seed", "conf_level", "bootstrap"}
        _unknown(data, known, "")
        method = str(data.get("method", "morris"))
        if method not in METHODS:
            raise ConfigError([("method", f"must be one of {', '.join(METHODS)}, got {method!r}")])
        outputs = data.get("outputs")
        if isinstance(outputs, str):
            outputs = [outputs]
        if not isinstance(outputs, list) or not outputs:
            raise ConfigError([("outputs", "name at least one output, e.g. [better_app.npv] or [nps_end]")])
        for o in outputs:
            design, _, metric = str(o).rpartition(".")
            if design:
                if design not in candidates:
                    raise ConfigError(
                        [("outputs", f"{o!r}: design {design!r} is not compared (compare.candidates: {candidates})")]
                    )
                if metric not in DESIGN_METRICS:
                    raise ConfigError([("outputs", f"{o!r}: metric must be one of {', '.join(DESIGN_METRICS)}")])
            elif metric not in kpis:
                raise ConfigError([("outputs", f"unknown KPI {o!r} (known: {', '.join(kpis)})")])
        if len({("." in str(o)) for o in outputs}) > 1:
            raise ConfigError([("outputs", "mix of design outputs (<design>.npv) and run KPIs; use one kind")])
        ints = {}
        for key, default, low in (("samples", 10, 2), ("levels", 4, 2), ("seed", 0, 0), ("bootstrap", 200, 10)):
            v = data.get(key, default)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ConfigError([(key, f"must be an integer >= {low}, got {v!r}")])
            ints[key] = v
        if method == "sobol" and ints["samples"] & (ints["samples"] - 1):
            raise ConfigError(
                [("samples", f"must be a power of 2 for Sobol (Saltelli) sampling, got {ints['samples']}")]
            )
        conf = data.get("conf_level", 0.95)
        if isinstance(conf, bool) or not isinstance(conf, (int, float)) or not 0.0 < float(conf) < 1.0:
            raise ConfigError([("conf_level", f"must be in (0, 1), got {conf!r}")])
        params = _parameters(data.get("parameters"), cfg)
        if method == "sobol" and len(params) < 2:
            raise ConfigError([("parameters", "Sobol indices need at least two parameters")])
        return cls(
            name=str(data.get("name", "sensitivity")),
            method=method,
            outputs=tuple(str(o) for o in outputs),
            parameters=params,
            samples=ints["samples"],
            levels=ints["levels"],
            seed=ints["seed"],
            conf_level=float(conf),
            bootstrap=ints["bootstrap"],
        )


@dataclass(frozen=True)
class Lever:
    """A design lever: integer, continuous or a switch, and what moving it costs.

    Cost of a value ``x`` against the AS-IS value ``x0`` (a switch: 1 when on, 0 off), counting
    only increases ``d = max(x - x0, 0)``: ``capex = capex_per_unit * d**exponent`` and
    ``opex_per_day = opex_per_day_per_unit * d``. Staff cost of servers is counted by the model.
    """

    name: str
    kind: str
    path: str
    low: float
    high: float
    current: Any
    capex_per_unit: float
    opex_per_day_per_unit: float
    exponent: float
    on: dict[str, Any] = field(default_factory=dict)  # a switch: the keys it sets when on

    def cost(self, value: Any) -> tuple[float, float]:
        """``(capex, opex_per_day)`` of choosing ``value``."""
        d = (1.0 if value else 0.0) if self.kind == "switch" else max(float(value) - float(self.current), 0.0)
        return self.capex_per_unit * d**self.exponent, self.opex_per_day_per_unit * d

    def settings(self, value: Any) -> dict[str, Any]:
        """The config keys this lever sets for ``value``."""
        if self.kind == "switch":
            return dict(self.on) if value else {}
        return {self.path: int(value) if self.kind == "int" else float(value)}


def _lever(name: str, body: Any, cfg: DictConfig) -> Lever:
    where = f"levers.{name}"
    if not isinstance(body, dict):
        raise ConfigError([(where, "must be a mapping (type, path, low, high, cost)")])
    _unknown(body, {"type", "path", "low", "high", "cost", "sets"}, where)
    kind = str(body.get("type", ""))
    if kind not in LEVER_TYPES:
        raise ConfigError([(f"{where}.type", f"must be one of {', '.join(LEVER_TYPES)}, got {kind or None!r}")])
    cost = body.get("cost")
    if not isinstance(cost, dict) or not cost:
        raise ConfigError(
            [(f"{where}.cost", "every lever needs a cost: {capex_per_unit: .., opex_per_day_per_unit: ..}")]
        )
    _unknown(cost, {"capex_per_unit", "opex_per_day_per_unit", "exponent"}, f"{where}.cost")
    capex = _number(cost, "capex_per_unit", f"{where}.cost") if "capex_per_unit" in cost else 0.0
    opex = _number(cost, "opex_per_day_per_unit", f"{where}.cost") if "opex_per_day_per_unit" in cost else 0.0
    exponent = _number(cost, "exponent", f"{where}.cost") if "exponent" in cost else 1.0
    if capex < 0 or opex < 0:
        raise ConfigError([(f"{where}.cost", "capex_per_unit and opex_per_day_per_unit must be >= 0")])
    if exponent <= 0:
        raise ConfigError([(f"{where}.cost.exponent", f"must be > 0, got {exponent:g}")])
    if kind == "switch":
        on = body.get("sets")
        if not isinstance(on, dict) or not on:
            raise ConfigError([(f"{where}.sets", "a switch needs the keys it sets when on: {path: value}")])
        for path in on:
            parameter_value(cfg, str(path), f"{where}.sets.{path}")
        return Lever(name, kind, "", 0.0, 1.0, False, capex, opex, exponent, {str(k): v for k, v in on.items()})
    path = str(body.get("path", ""))
    if not path:
        raise ConfigError([(f"{where}.path", "is missing (the config key the lever moves)")])
    current = parameter_value(cfg, path, f"{where}.path")
    if isinstance(current, bool) or not isinstance(current, (int, float)):
        raise ConfigError([(f"{where}.path", f"{path} is not a number in the model config (it is {current!r})")])
    low, high = _number(body, "low", where), _number(body, "high", where)
    if not low < high:
        raise ConfigError([(where, f"low must be < high, got low={low:g}, high={high:g}")])
    if kind == "int" and (low != int(low) or high != int(high)):
        raise ConfigError([(where, "an int lever needs whole-number low and high")])
    return Lever(name, kind, path, low, high, current, capex, opex, exponent)


@dataclass(frozen=True)
class OptimiseSpec:
    """What ``cxsim optimise`` searches (``configs/optimise/*.yaml``)."""

    name: str
    objectives: tuple[str, ...]  # ("npv",) or ("npv", "dnps")
    budget: float
    min_dnps: float | None
    trials: int
    seed: int
    levers: tuple[Lever, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any], cfg: DictConfig) -> OptimiseSpec:
        _unknown(data, {"name", "objective", "budget", "min_dnps", "trials", "seed", "levers"}, "")
        objective = data.get("objective", "npv")
        objectives = tuple(objective) if isinstance(objective, list) else (str(objective),)
        if objectives not in (("npv",), ("npv", "dnps")):
            raise ConfigError([("objective", f"must be npv or [npv, dnps], got {objective!r}")])
        if "budget" not in data:
            raise ConfigError([("budget", "is missing (the most the design may invest, discounted, currency)")])
        budget = _number(data, "budget", "")
        if budget <= 0:
            raise ConfigError([("budget", f"must be > 0, got {budget:g}")])
        floor = data.get("min_dnps")
        if floor is not None:
            floor = _number(data, "min_dnps", "")
        ints = {}
        for key, default, low in (("trials", 30, 1), ("seed", 0, 0)):
            v = data.get(key, default)
            if isinstance(v, bool) or not isinstance(v, int) or v < low:
                raise ConfigError([(key, f"must be an integer >= {low}, got {v!r}")])
            ints[key] = v
        raw = data.get("levers")
        if not isinstance(raw, dict) or not raw:
            raise ConfigError([("levers", "name at least one lever")])
        levers = tuple(_lever(str(k), v, cfg) for k, v in raw.items())
        return cls(
            name=str(data.get("name", "optimise")),
            objectives=objectives,
            budget=budget,
            min_dnps=floor,
            trials=ints["trials"],
            seed=ints["seed"],
            levers=levers,
        )
