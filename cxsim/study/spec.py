"""The ``sensitivity`` and ``optimise`` config files, read and checked before anything runs.

A sensitivity file (``configs/sensitivity/*.yaml``) names the outputs, the method and the
parameters with their ranges; an optimise file (``configs/optimise/*.yaml``) names the design
levers, what each costs, the budget and the objective. Both are checked against the composed
model config: every parameter path must be a number in it, every range must have
``low < high`` and every prior its keys (``dist``: uniform, loguniform, triangular, normal,
lognormal), every lever a cost, the budget must be positive. Problems are raised as one
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
    "DISTS",
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


# A parameter's prior: the keys each distribution needs and the ones it may take.
DISTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "loguniform": (("low", "high"), ()),
    "triangular": (("low", "high", "mode"), ()),
    "normal": (("mean", "sd"), ("low", "high")),
    "lognormal": (("median", "sd_log"), ("low", "high")),
}


@dataclass(frozen=True)
class Parameter:
    """An uncertain model parameter: its config path and prior.

    The sample is drawn on the unit hypercube (SALib) and a sample value ``u`` in ``[0, 1]`` is
    the parameter's quantile: the value is the prior's inverse CDF at ``u``. ``uniform`` and
    ``loguniform`` on ``[low, high]``; ``triangular`` on ``[low, high]`` peaking at ``mode``;
    ``normal`` with ``mean`` and ``sd``, and ``lognormal`` with ``median`` and ``sd_log`` (the
    standard deviation of the log), both optionally truncated to ``[low, high]`` (the inverse
    CDF of the truncated distribution). ``low``/``high`` are ``-inf``/``inf`` when not given.
    """

    path: str
    low: float
    high: float
    integer: bool = False
    dist: str = "uniform"
    mode: float = math.nan
    mean: float = math.nan  # normal: mean; lognormal: log of the median
    sd: float = math.nan  # normal: sd; lognormal: sd of the log

    @property
    def log(self) -> bool:
        return self.dist == "loguniform"

    def value(self, u: float) -> float | int:
        """The parameter value at the quantile ``u`` (integers rounded)."""
        x = float(self.values([u])[0])
        return round(x) if self.integer else x

    def values(self, u: Any) -> Any:
        """The inverse CDF of the prior at the quantiles ``u`` (an array; not rounded)."""
        import numpy as np

        u = np.asarray(u, dtype=np.float64)
        if self.dist == "uniform":  # the formula SALib scales a uniform sample with
            return self.low + u * (self.high - self.low)
        if self.dist == "loguniform":
            lo, hi = math.log(self.low), math.log(self.high)
            return np.exp(lo + u * (hi - lo))
        from scipy import stats

        if self.dist == "triangular":
            c = (self.mode - self.low) / (self.high - self.low)
            return stats.triang.ppf(u, c, loc=self.low, scale=self.high - self.low)
        if self.dist == "normal":
            a, b = (self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd
            return stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd)
        log_low = math.log(self.low) if self.low > 0 else -math.inf
        a, b = (log_low - self.mean) / self.sd, (math.log(self.high) - self.mean) / self.sd
        return np.exp(stats.truncnorm.ppf(u, a, b, loc=self.mean, scale=self.sd))

    @property
    def bounded(self) -> bool:
        """True when the quantiles 0 and 1 are finite values (Morris's grid includes them)."""
        ends = self.values([0.0, 1.0])
        return bool(math.isfinite(ends[0]) and math.isfinite(ends[1]))

    def describe(self) -> str:
        """The prior in words, for the report."""
        cut = "" if math.isinf(self.low) and math.isinf(self.high) else f" truncated to [{self.low:g}, {self.high:g}]"
        return {
            "uniform": f"uniform in [{self.low:g}, {self.high:g}]",
            "loguniform": f"log-uniform in [{self.low:g}, {self.high:g}]",
            "triangular": f"triangular on [{self.low:g}, {self.high:g}], mode {self.mode:g}",
            "normal": f"normal, mean {self.mean:g}, sd {self.sd:g}{cut}",
            "lognormal": f"lognormal, median {math.exp(self.mean):g}, sd of log {self.sd:g}{cut}",
        }[self.dist]


def _prior(body: dict[str, Any], where: str) -> dict[str, Any]:
    """The checked prior of one parameter (keyword arguments of :class:`Parameter`)."""
    dist = body.get("dist", "uniform")
    if "log" in body:  # `log: true`, the older spelling of dist: loguniform
        log = body["log"]
        if not isinstance(log, bool):
            raise ConfigError([(f"{where}.log", f"must be true or false, got {log!r}")])
        if log and "dist" in body and dist != "loguniform":
            raise ConfigError([(f"{where}.log", f"log: true means dist: loguniform, but dist is {dist!r}")])
        dist = "loguniform" if log else dist
    if dist not in DISTS:
        raise ConfigError([(f"{where}.dist", f"must be one of {', '.join(DISTS)}, got {dist!r}")])
    needed, optional = DISTS[dist]
    _unknown(body, {"dist", "log", *needed, *optional}, where)
    got = {k: _number(body, k, where) for k in (*needed, *optional) if k in body or k in needed}
    low, high = got.get("low", -math.inf), got.get("high", math.inf)
    if not low < high:
        raise ConfigError([(where, f"low must be < high, got low={low:g}, high={high:g}")])
    out: dict[str, Any] = {"dist": dist, "low": low, "high": high}
    if dist == "loguniform" and low <= 0:
        raise ConfigError([(f"{where}.low", f"must be > 0 for a log-uniform range, got {low:g}")])
    if dist == "triangular":
        if not low <= got["mode"] <= high:
            raise ConfigError([(f"{where}.mode", f"must be in [low, high] = [{low:g}, {high:g}], got {got['mode']:g}")])
        out["mode"] = got["mode"]
    if dist in ("normal", "lognormal"):
        sd_key = "sd" if dist == "normal" else "sd_log"
        if got[sd_key] <= 0:
            raise ConfigError([(f"{where}.{sd_key}", f"must be > 0, got {got[sd_key]:g}")])
        if dist == "lognormal":
            if got["median"] <= 0:
                raise ConfigError([(f"{where}.median", f"must be > 0, got {got['median']:g}")])
            if high <= 0:
                raise ConfigError([(f"{where}.high", f"must be > 0 for a lognormal prior, got {high:g}")])
        out["mean"] = got["mean"] if dist == "normal" else math.log(got["median"])
        out["sd"] = got[sd_key]
    return out


def _parameters(raw: Any, cfg: DictConfig) -> tuple[Parameter, ...]:
    if not isinstance(raw, dict) or not raw:
        raise ConfigError([("parameters", "name at least one parameter: {path: {low: .., high: ..}}")])
    out = []
    for path, body in raw.items():
        where = f"parameters.{path}"
        if not isinstance(body, dict):
            raise ConfigError([(where, "must be a mapping: {low: .., high: ..}, or a dist: with its keys")])
        prior = _prior(body, where)
        current = parameter_value(cfg, str(path), where)
        if isinstance(current, bool) or not isinstance(current, (int, float)):
            raise ConfigError([(where, f"is not a number in the model config (it is {current!r})")])
        out.append(Parameter(str(path), integer=isinstance(current, int), **prior))
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
        for p in params:
            if method == "morris" and not p.bounded:
                raise ConfigError(
                    [(f"parameters.{p.path}", f"a {p.dist} prior needs low and high for Morris (its grid includes "
                      "the quantiles 0 and 1, which are infinite otherwise)")]
                )  # fmt: skip
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
