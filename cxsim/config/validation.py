"""Semantic validation of a composed config: every rule a run's meaning depends on.

:func:`validate` collects every problem and raises one :class:`ConfigError` whose message
lists them, each naming the config key path and the offending value. The CLI prints that
message and exits with code 2 before anything is written.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from omegaconf import DictConfig, OmegaConf

from cxsim.config.schema import OUTCOME_DONE, OUTCOME_GIVE_UP, OUTCOME_RETRY
from cxsim.kernels.week import DAYS_PER_WEEK, WEEKDAY_NAMES

__all__ = ["LIMITS", "MAX_ABS_NUMBER", "ConfigError", "profile_intervals", "validate", "week_hours"]

_SPECIAL_TARGETS = (OUTCOME_DONE, OUTCOME_GIVE_UP, OUTCOME_RETRY)
_SUM_TOL = 1e-6

# Sane upper bounds (inclusive). Beyond them a run cannot fit a machine or a number overflows
# inside the kernels (MemoryError, numba TypingError, OverflowError) long after it started.
LIMITS: dict[str, int] = {
    "population.size": 50_000_000,  # people; the memory estimate may refuse less
    "simulation.days": 36_500,  # 100 years
    "simulation.warmup_days": 36_500,
    "servers": 100_000,  # per touchpoint
    "intervals": 1_440,  # intraday intervals of a touchpoint's day (one a minute)
    "behaviour.max_contacts": 1_000,  # per journey step
    "behaviour.retry_delay_days": 36_500,
    "delay_days": 36_500,  # per journey step
    "period_days": 36_500,  # per periodic journey: once a century
    "compare.replications": 100_000,
    "compare.max_replications": 100_000,
    "compare.horizon_days": 36_500,
    "compare.robustness_horizons_days": 36_500,
    "compare.n_jobs": 4_096,
}
# Every other number (money included: revenue, costs, capex, opex) must be finite with
# |x| <= MAX_ABS_NUMBER; seeds have their own ranges.
MAX_ABS_NUMBER = 1e12
_SEEDS = ("simulation.seed", "compare.seed")
_OWN_RULES = ("compare.robustness", "simulation.trace")  # lists whose entries have rules of their own


class ConfigError(ValueError):
    """A config that cannot be run. ``problems`` lists ``(key path, message)`` pairs."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        if len(problems) == 1:
            key, msg = problems[0]
            text = f"invalid config: {key}: {msg}"
        else:
            lines = [f"invalid config ({len(problems)} problems):"]
            lines += [f"  - {key}: {msg}" for key, msg in problems]
            text = "\n".join(lines)
        super().__init__(text)


def _name(value: Any) -> str:
    return str(getattr(value, "name", value))


class _Checker:
    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []

    def fail(self, key: str, msg: str) -> None:
        self.problems.append((key, msg))

    def number(self, key: str, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            self.fail(key, f"must be a finite number, got {value!r}")
            return False
        return True

    def prob(self, key: str, value: Any) -> None:
        if self.number(key, value) and not 0.0 <= value <= 1.0:
            self.fail(key, f"must be a probability in [0, 1], got {value!r}")

    def unit(self, key: str, value: Any) -> None:
        if self.number(key, value) and not 0.0 <= value <= 1.0:
            self.fail(key, f"must be in [0, 1], got {value!r}")

    def nonneg(self, key: str, value: Any) -> None:
        if self.number(key, value) and value < 0:
            self.fail(key, f"must be >= 0, got {value!r}")

    def positive(self, key: str, value: Any) -> None:
        if self.number(key, value) and value <= 0:
            self.fail(key, f"must be > 0, got {value!r}")

    def at_least(self, key: str, value: Any, lo: int) -> None:
        if self.number(key, value) and value < lo:
            self.fail(key, f"must be >= {lo}, got {value!r}")

    def at_most(self, key: str, value: Any, hi: int, lo: int = 0) -> None:
        """An integer in ``[lo, hi]``; only the upper bound is reported (other rules own the lower one)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > hi:
            self.fail(key, f"must be in [{lo:,}, {hi:,}], got {value!r}")

    def text(self, key: str, value: Any, *, empty_ok: bool = True) -> None:
        if not isinstance(value, str):
            self.fail(key, f"must be a string, got {value!r}")
        elif not empty_ok and not value.strip():
            self.fail(key, f"must be a non-empty string, got {value!r}")


def validate(cfg: DictConfig | Any) -> None:
    """Check a composed config; raise :class:`ConfigError` listing every problem found."""
    c = _Checker()
    _texts(c, cfg)
    _limits(c, cfg)
    _population(c, cfg)
    _journey(c, cfg)
    _behaviour(c, cfg.behaviour)
    _wom_acquisition(c, cfg)
    _voc(c, cfg)
    eco = cfg.economics
    for k in ("marketing_cost_per_day", "cost_per_acquisition", "referral_reward"):
        c.nonneg(f"economics.{k}", eco[k])
    if c.number("economics.discount_rate_annual", eco.discount_rate_annual) and not (
        0.0 <= eco.discount_rate_annual <= 1.0
    ):
        c.fail("economics.discount_rate_annual", f"must be in [0, 1] (0.08 = 8%/yr), got {eco.discount_rate_annual!r}")
    c.nonneg("scenario.capex", cfg.scenario.capex)
    c.number("scenario.opex_per_day", cfg.scenario.opex_per_day)  # negative: the design saves running cost
    cmp = cfg.compare
    c.at_least("compare.replications", cmp.replications, 2)
    if c.number("compare.ci_level", cmp.ci_level) and not 0.0 < cmp.ci_level < 1.0:
        c.fail("compare.ci_level", f"must be in (0, 1), got {cmp.ci_level!r}")
    c.nonneg("compare.target_roi_half_width", cmp.target_roi_half_width)
    ok_max = c.number("compare.max_replications", cmp.max_replications)
    if ok_max and isinstance(cmp.replications, int) and cmp.max_replications < cmp.replications:
        c.fail(
            "compare.max_replications",
            f"must be >= compare.replications ({cmp.replications}), got {cmp.max_replications!r}",
        )
    c.nonneg("compare.horizon_days", cmp.horizon_days)
    for i, h in enumerate(cmp.robustness_horizons_days):
        c.at_least(f"compare.robustness_horizons_days[{i}]", h, 1)
    c.nonneg("compare.n_jobs", cmp.n_jobs)
    if cmp.baseline in list(cmp.candidates):
        c.fail("compare.candidates", f"the baseline {cmp.baseline!r} cannot also be a candidate")
    if len(set(cmp.candidates)) != len(cmp.candidates):
        c.fail("compare.candidates", f"has duplicates: {list(cmp.candidates)}")
    if c.number("compare.seed", cmp.seed) and not 0 <= cmp.seed < 2**62:
        c.fail("compare.seed", f"must be an integer in [0, 2**62), got {cmp.seed!r}")
    sim = cfg.simulation
    c.at_least("simulation.days", sim.days, 1)
    c.nonneg("simulation.warmup_days", sim.warmup_days)
    ok_wd = c.number("simulation.start_weekday", sim.start_weekday)
    if ok_wd and (sim.start_weekday not in range(DAYS_PER_WEEK)):
        c.fail("simulation.start_weekday", f"must be a weekday 0 (Monday) ... 6 (Sunday), got {sim.start_weekday!r}")
    if c.number("simulation.seed", sim.seed) and not 0 <= sim.seed < 2**63:
        c.fail("simulation.seed", f"must be an integer in [0, 2**63), got {sim.seed!r}")
    _trace(c, sim.trace, cfg.population.size)
    _magnitudes(c, cfg)
    if c.problems:
        raise ConfigError(c.problems)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _trace(c: _Checker, trace: Any, size: Any) -> None:
    """``simulation.trace``: 0 (off), a number of people to sample, or a list of person ids in the market."""
    key = "simulation.trace"
    market = _whole(size) and size >= 1  # population.size has its own rule
    if OmegaConf.is_list(trace) or isinstance(trace, (list, tuple)):
        ids = list(trace)
        twice = [x for x, n in Counter(x for x in ids if _whole(x)).items() if n > 1]
        if bad := [x for x in ids if not _whole(x)]:
            c.fail(key, f"person ids must be whole numbers, got {bad[0]!r}")
        elif outside := [x for x in ids if market and not 0 <= x < size]:
            c.fail(
                key, f"person id {outside[0]} is outside the market: ids run from 0 to {size - 1} (population.size - 1)"
            )
        elif twice:
            c.fail(key, f"lists person {twice[0]} more than once")
    elif not _whole(trace):
        c.fail(
            key, f"must be a number of people to trace (0 = off) or a list of person ids like [3, 17], got {trace!r}"
        )
    elif trace < 0:
        c.fail(key, f"must be >= 0 (a number of people to trace; 0 = off), got {trace!r}")
    elif market and trace > size:
        c.fail(key, f"asks for {trace:,} people but the market has {size:,} (population.size); trace at most that many")


def _texts(c: _Checker, cfg: Any) -> None:
    """Fields the simulation never reads but the outputs and the report do."""
    c.text("journey.name", cfg.journey.name, empty_ok=False)
    c.text("journey.title", cfg.journey.title)
    c.text("economics.currency", cfg.economics.currency, empty_ok=False)
    c.text("scenario.name", cfg.scenario.name, empty_ok=False)
    c.text("scenario.title", cfg.scenario.title, empty_ok=False)
    c.text("scenario.description", cfg.scenario.description)


def _numbers(node: Any, prefix: str) -> list[tuple[str, Any]]:
    """``(dotted key, value)`` of every numeric leaf below ``node`` (a plain container)."""
    if isinstance(node, dict):
        return [kv for k, v in node.items() for kv in _numbers(v, f"{prefix}{k}.")]
    if isinstance(node, list):
        return [kv for i, v in enumerate(node) for kv in _numbers(v, f"{prefix.rstrip('.')}[{i}].")]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [(prefix.rstrip("."), node)]
    return []


def _limits(c: _Checker, cfg: Any) -> None:
    """Upper bounds of the integers (:data:`LIMITS`) and ``|x| <= 1e12`` for every other number."""
    lowest = {"population.size": 1, "simulation.days": 1, "behaviour.max_contacts": 1,
              "behaviour.retry_delay_days": 1, "compare.replications": 2, "compare.max_replications": 2}  # fmt: skip
    for key in ("population.size", "simulation.days", "simulation.warmup_days", "behaviour.max_contacts",
                "behaviour.retry_delay_days", "compare.replications", "compare.max_replications",
                "compare.horizon_days", "compare.n_jobs"):  # fmt: skip
        group, name = key.split(".")
        c.at_most(key, cfg[group][name], LIMITS[key], lowest.get(key, 0))
    for i, h in enumerate(cfg.compare.robustness_horizons_days):
        c.at_most(f"compare.robustness_horizons_days[{i}]", h, LIMITS["compare.robustness_horizons_days"])
    for tname, tp in cfg.journey.touchpoints.items():
        c.at_most(f"journey.touchpoints.{tname}.servers", tp.servers, LIMITS["servers"])
    for jname, jt in cfg.journey.journeys.items():
        c.at_most(f"journey.journeys.{jname}.period_days", jt.period_days, LIMITS["period_days"])
        for sname, st in jt.steps.items():
            c.at_most(f"journey.journeys.{jname}.steps.{sname}.delay_days", st.delay_days, LIMITS["delay_days"], 1)


def _magnitudes(c: _Checker, cfg: Any) -> None:
    """``|x| <= MAX_ABS_NUMBER`` for every number without a rule of its own that already failed."""
    tree = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else cfg
    limited = {*LIMITS, *_SEEDS, *(k for k, _ in c.problems)}
    for key, value in _numbers(tree, ""):
        if key in limited or key.endswith((".servers", ".delay_days")) or key.startswith(_OWN_RULES):
            continue
        if math.isfinite(value) and abs(value) > MAX_ABS_NUMBER:
            c.fail(key, f"must be within [-{MAX_ABS_NUMBER:g}, {MAX_ABS_NUMBER:g}], got {value!r}")


def _population(c: _Checker, cfg: Any) -> None:
    pop = cfg.population
    c.at_least("population.size", pop.size, 1)
    c.unit("population.initial_customer_share", pop.initial_customer_share)
    if len(pop.segments) == 0:
        c.fail("population.segments", "needs at least one segment")
        return
    channels = set(cfg.journey.channels)
    rate_journeys = [j for j, jt in cfg.journey.journeys.items() if _name(jt.trigger) == "rate"]
    total = 0.0
    for sname, s in pop.segments.items():
        key = f"population.segments.{sname}"
        if c.number(f"{key}.share", s.share):
            if s.share < 0:
                c.fail(f"{key}.share", f"must be >= 0, got {s.share!r}")
            total += s.share
        for d in ("product", "interaction", "brand"):
            c.unit(f"{key}.expectations.{d}", s.expectations[d])
        c.nonneg(f"{key}.expectation_sd", s.expectation_sd)
        c.unit(f"{key}.initial_satisfaction", s.initial_satisfaction)
        c.unit(f"{key}.initial_bond", s.initial_bond)
        c.nonneg(f"{key}.attitude_sd", s.attitude_sd)
        c.positive(f"{key}.patience_mean_min", s.patience_mean_min)
        c.nonneg(f"{key}.revenue_per_day", s.revenue_per_day)
        c.nonneg(f"{key}.churn_multiplier", s.churn_multiplier)
        for ch, w in s.channel_preference.items():
            if ch not in channels:
                c.fail(
                    f"{key}.channel_preference.{ch}", f"unknown channel {ch!r} (journey.channels: {sorted(channels)})"
                )
            c.nonneg(f"{key}.channel_preference.{ch}", w)
        for j, r in s.journey_rates.items():
            if j not in rate_journeys:
                c.fail(
                    f"{key}.journey_rates.{j}",
                    f"{j!r} is not a rate-triggered journey (rate journeys: {rate_journeys})",
                )
            c.prob(f"{key}.journey_rates.{j}", r)
        for j in rate_journeys:
            if j not in s.journey_rates:
                c.fail(f"{key}.journey_rates", f"has no rate for journey {j!r} (trigger: rate); give 0 to exclude it")
        # every step must be servable by this segment: some preferred channel among its touchpoints
        for jname, jt in cfg.journey.journeys.items():
            for stname, st in jt.steps.items():
                weight = 0.0
                for t in st.touchpoints:
                    tp = cfg.journey.touchpoints.get(t)
                    if tp is not None:
                        w = s.channel_preference.get(tp.channel, 0.0)
                        weight += w if isinstance(w, (int, float)) and w > 0 else 0.0
                if st.touchpoints and weight <= 0:
                    c.fail(
                        f"{key}.channel_preference",
                        f"gives zero weight to every channel of journey.journeys.{jname}.steps.{stname}"
                        f" (touchpoints {list(st.touchpoints)}): this segment could never be served there",
                    )
    if abs(total - 1.0) > _SUM_TOL:
        c.fail("population.segments", f"segment shares must sum to 1, got {total:.6g}")


def _journey(c: _Checker, cfg: Any) -> None:
    jny = cfg.journey
    channels = list(jny.channels)
    if not channels:
        c.fail("journey.channels", "needs at least one channel")
    if len(set(channels)) != len(channels):
        c.fail("journey.channels", f"has duplicate names: {channels}")
    for gi, group in enumerate(jny.shared_context):
        for ch in group:
            if ch not in channels:
                c.fail(f"journey.shared_context[{gi}]", f"unknown channel {ch!r} (journey.channels: {channels})")
    if len(jny.touchpoints) == 0:
        c.fail("journey.touchpoints", "needs at least one touchpoint")
    for tname, tp in jny.touchpoints.items():
        key = f"journey.touchpoints.{tname}"
        if tp.channel not in channels:
            c.fail(f"{key}.channel", f"unknown channel {tp.channel!r} (journey.channels: {channels})")
        scheduled = len(tp.server_schedule) > 0
        if scheduled and not tp.staffed:
            c.fail(f"{key}.server_schedule", "a self-service touchpoint (staffed: false) has no servers to schedule")
        if c.number(f"{key}.servers", tp.servers):
            if tp.servers < 0:
                c.fail(f"{key}.servers", f"negative capacity: {tp.servers!r}")
            elif tp.staffed and tp.servers < 1 and not scheduled and _name(tp.staffing.policy) != "service_level":
                c.fail(f"{key}.servers", f"a staffed touchpoint needs at least 1 server, got {tp.servers!r}")
            elif not tp.staffed and tp.servers != 0:
                c.fail(
                    f"{key}.servers", f"a self-service touchpoint (staffed: false) has no servers; got {tp.servers!r}"
                )
        c.positive(f"{key}.service_time.mean_min", tp.service_time.mean_min)
        c.nonneg(f"{key}.service_time.cv", tp.service_time.cv)
        ok_open = c.number(f"{key}.open_min", tp.open_min)
        ok_close = c.number(f"{key}.close_min", tp.close_min)
        if ok_open and ok_close and not 0 <= tp.open_min < tp.close_min <= 1440:
            c.fail(
                f"{key}.open_min",
                f"opening hours must satisfy 0 <= open_min < close_min <= 1440, got {tp.open_min!r}-{tp.close_min!r}",
            )
        for d in ("product", "interaction", "brand"):
            c.unit(f"{key}.quality.{d}", tp.quality[d])
        c.prob(f"{key}.p_resolve", tp.p_resolve)
        c.prob(f"{key}.p_wow", tp.p_wow)
        c.nonneg(f"{key}.cost_per_contact", tp.cost_per_contact)
        c.nonneg(f"{key}.staff_cost_per_server_day", tp.staff_cost_per_server_day)
        c.positive(f"{key}.patience_factor", tp.patience_factor)
        if ok_open and ok_close and 0 <= tp.open_min < tp.close_min <= 1440:
            _profile(c, key, tp)  # intervals only make sense within valid opening hours
            _week_hours(c, key, tp)
        _staffing(c, cfg, key, tp)
    if len(jny.journeys) == 0:
        c.fail("journey.journeys", "needs at least one journey")
    onboarding = [j for j, jt in jny.journeys.items() if _name(jt.trigger) == "acquisition"]
    if len(onboarding) > 1:
        c.fail("journey.journeys", f"at most one journey can have trigger: acquisition, got {onboarding}")
    for jname, jt in jny.journeys.items():
        _period(c, f"journey.journeys.{jname}", jt)
        _steps(c, cfg, jname, jt)
    factors = list(jny.weekday_factors)
    if _weekly(c, "journey.weekday_factors", factors) and any(f < 0 for f in factors):
        c.fail("journey.weekday_factors", f"factors must be >= 0, got {factors}")


def _weekly(c: _Checker, key: str, values: list[Any]) -> bool:
    """An optional per-weekday list: empty, or 7 finite numbers (Monday first). True if 7 numbers."""
    if not values:
        return False
    if len(values) != DAYS_PER_WEEK:
        c.fail(key, f"needs {DAYS_PER_WEEK} values, Monday to Sunday (or none), got {len(values)}: {values}")
        return False
    return all([c.number(f"{key}[{i}]", v) for i, v in enumerate(values)])


def week_hours(tp: Any) -> tuple[list[float], list[float]]:
    """A touchpoint's opening and closing minute on each weekday, Monday first (from
    ``open_by_weekday`` / ``close_by_weekday``, or ``open_min`` / ``close_min`` every day)."""
    opens = [float(x) for x in tp.open_by_weekday] or [float(tp.open_min)] * DAYS_PER_WEEK
    closes = [float(x) for x in tp.close_by_weekday] or [float(tp.close_min)] * DAYS_PER_WEEK
    return opens, closes


def _week_hours(c: _Checker, key: str, tp: Any) -> None:
    """``open_by_weekday`` / ``close_by_weekday``: hours in [0, 1440], open <= close each day, some
    day open; with an arrival profile or a server schedule, every open day within open_min-close_min."""
    given = [k for k in ("open_by_weekday", "close_by_weekday") if len(tp[k])]
    if not given:
        return
    if not all(_weekly(c, f"{key}.{k}", list(tp[k])) for k in given):
        return
    opens, closes = week_hours(tp)
    wkey = f"{key}.{given[0]}"
    for k in given:
        bad = [x for x in tp[k] if not 0 <= x <= 1440]
        if bad:
            c.fail(f"{key}.{k}", f"minutes after midnight must be in [0, 1440], got {bad}")
            return
    late = [f"{WEEKDAY_NAMES[d]} {o:g}-{e:g}" for d, (o, e) in enumerate(zip(opens, closes, strict=True)) if o > e]
    if late:
        c.fail(wkey, f"opening after closing on {', '.join(late)} (open == close: closed that day)")
        return
    open_days = [d for d in range(DAYS_PER_WEEK) if opens[d] < closes[d]]
    if not open_days:
        c.fail(wkey, "closed on every day of the week: the touchpoint could never serve")
        return
    intervals = len(tp.arrival_profile) or (len(tp.server_schedule) if tp.staffed else 0)
    if not intervals:
        return
    outside = [f"{WEEKDAY_NAMES[d]} {opens[d]:g}-{closes[d]:g}" for d in open_days
               if opens[d] < tp.open_min or closes[d] > tp.close_min]  # fmt: skip
    if outside:
        c.fail(
            wkey,
            f"with an arrival_profile or server_schedule (defined on open_min-close_min = "
            f"{tp.open_min:g}-{tp.close_min:g}) every open day must lie inside those hours, got {', '.join(outside)}",
        )
        return
    weights = list(tp.arrival_profile)
    numbers = all(isinstance(w, (int, float)) and not isinstance(w, bool) for w in weights)
    if not weights or not numbers or min(weights) < 0 or max(weights) <= 0:
        return  # no profile, or one _profile already refused
    edges = [min(float(tp.open_min) + float(tp.interval_min) * k, float(tp.close_min)) for k in range(len(weights))]
    ends = [*edges[1:], float(tp.close_min)]
    empty = [
        WEEKDAY_NAMES[d]
        for d in open_days
        if not any(w > 0 and min(b, closes[d]) > max(a, opens[d]) for w, a, b in zip(weights, edges, ends, strict=True))
    ]
    if empty:
        c.fail(f"{key}.arrival_profile", f"gives no weight inside the opening hours on {', '.join(empty)}")


def _period(c: _Checker, key: str, jt: Any) -> None:
    """``period_days``: at least 1 for a periodic journey, 0 for the others (a period there would be ignored)."""
    if not c.number(f"{key}.period_days", jt.period_days):
        return
    if _name(jt.trigger) == "periodic":
        if jt.period_days < 1:
            c.fail(
                f"{key}.period_days",
                f"a periodic journey (trigger: periodic) needs a period of at least 1 day, got {jt.period_days!r}",
            )
    elif jt.period_days < 0:
        c.fail(f"{key}.period_days", f"must be >= 0, got {jt.period_days!r}")
    elif jt.period_days != 0:
        c.fail(
            f"{key}.period_days",
            f"only a periodic journey has a period (this one has trigger: {_name(jt.trigger)}); "
            f"set trigger: periodic or remove period_days, got {jt.period_days!r}",
        )


def _profile(c: _Checker, key: str, tp: Any) -> None:
    """``interval_min`` and ``arrival_profile``: one weight per interval of the opening hours."""
    if not c.number(f"{key}.interval_min", tp.interval_min):
        return
    planned = tp.staffed and _name(tp.staffing.policy) == "service_level"
    hours = float(tp.close_min - tp.open_min)
    if not len(tp.arrival_profile) and not len(tp.server_schedule):
        if tp.interval_min <= 0:
            c.fail(f"{key}.interval_min", f"must be > 0, got {tp.interval_min!r}")
        elif (
            planned and profile_intervals(tp.open_min, tp.close_min, min(tp.interval_min, hours)) > LIMITS["intervals"]
        ):
            most = LIMITS["intervals"]
            c.fail(f"{key}.interval_min", f"gives more than {most:,} intervals a day, got {tp.interval_min!r}")
        return  # otherwise no bound from the opening hours (the planner's grid is at most one interval a day)
    if not 0 < tp.interval_min <= hours:
        c.fail(f"{key}.interval_min", f"must be in (0, close_min - open_min = {hours:g}], got {tp.interval_min!r}")
        return
    n = profile_intervals(tp.open_min, tp.close_min, tp.interval_min)
    if n > LIMITS["intervals"]:
        most = LIMITS["intervals"]
        c.fail(f"{key}.interval_min", f"gives {n:,} intervals a day; at most {most:,}, got {tp.interval_min!r}")
        return
    _schedule(c, key, tp)
    weights = list(tp.arrival_profile)
    if not weights:
        return
    pkey = f"{key}.arrival_profile"
    if not all(c.number(f"{pkey}[{i}]", w) for i, w in enumerate(weights)):
        return
    if len(weights) != n:
        c.fail(
            pkey,
            f"needs one weight per {tp.interval_min:g}-minute interval of the opening hours "
            f"({tp.open_min:g}-{tp.close_min:g}: {n} intervals), got {len(weights)}",
        )
    elif any(w < 0 for w in weights):
        c.fail(pkey, f"weights must be >= 0, got {weights}")
    elif not any(w > 0 for w in weights):
        c.fail(pkey, f"at least one weight must be > 0, got {weights}")


def _staffing(c: _Checker, cfg: Any, key: str, tp: Any) -> None:
    """``staffing``: the service-level planner's target, forecast and planning cycle."""
    st = tp.staffing
    skey = f"{key}.staffing"
    planned = _name(st.policy) == "service_level"
    if planned and not tp.staffed:
        c.fail(f"{skey}.policy", "a self-service touchpoint (staffed: false) has no servers to plan")
        return
    if planned and len(tp.server_schedule):
        c.fail(
            f"{skey}.policy", "service_level plans the servers itself: remove server_schedule (or use policy: fixed)"
        )
    if c.number(f"{skey}.target_share", st.target_share) and not 0.0 < st.target_share < 1.0:
        c.fail(f"{skey}.target_share", f"must be in (0, 1), e.g. 0.8 for 80% answered in time, got {st.target_share!r}")
    c.positive(f"{skey}.target_seconds", st.target_seconds)
    if c.number(f"{skey}.max_occupancy", st.max_occupancy) and not 0.0 < st.max_occupancy <= 1.0:
        c.fail(f"{skey}.max_occupancy", f"must be in (0, 1], got {st.max_occupancy!r}")
    c.at_least(f"{skey}.history_cycles", st.history_cycles, 1)
    c.at_most(f"{skey}.history_cycles", st.history_cycles, LIMITS["simulation.days"], 1)
    c.nonneg(f"{skey}.initial_per_1000", st.initial_per_1000)
    c.nonneg(f"{skey}.block_intervals", st.block_intervals)
    c.at_most(f"{skey}.block_intervals", st.block_intervals, LIMITS["intervals"])
    c.at_least(f"{skey}.min_servers", st.min_servers, 1)
    c.at_most(f"{skey}.min_servers", st.min_servers, LIMITS["servers"], 1)
    if c.number(f"{skey}.cycle_days", st.cycle_days):
        run = cfg.simulation.days + cfg.simulation.warmup_days
        if st.cycle_days < 1:
            c.fail(f"{skey}.cycle_days", f"must be >= 1, got {st.cycle_days!r}")
        elif planned and isinstance(run, int) and st.cycle_days > max(run, 7):  # a week is fine in a shorter run
            c.fail(
                f"{skey}.cycle_days",
                f"a planning cycle longer than the run ({run} days with the warm-up), got {st.cycle_days!r}; "
                f"shorten it (e.g. {skey}.cycle_days=1) or run longer",
            )


def _schedule(c: _Checker, key: str, tp: Any) -> None:
    """``server_schedule``: servers on duty (>= 1) in each interval of the opening hours."""
    counts = list(tp.server_schedule)
    if not counts or not tp.staffed:
        return
    skey = f"{key}.server_schedule"
    n = profile_intervals(tp.open_min, tp.close_min, tp.interval_min)
    if len(counts) != n:
        c.fail(
            skey,
            f"needs one count of servers per {tp.interval_min:g}-minute interval of the opening hours "
            f"({tp.open_min:g}-{tp.close_min:g}: {n} intervals), got {len(counts)}",
        )
    elif any(x < 1 for x in counts):
        c.fail(skey, f"every interval needs at least 1 server on duty, got {counts}")
    elif any(x > LIMITS["servers"] for x in counts):
        c.fail(skey, f"at most {LIMITS['servers']:,} servers in an interval, got {max(counts)!r}")


def profile_intervals(open_min: float, close_min: float, interval_min: float) -> int:
    """Number of intraday intervals from ``open_min`` to ``close_min`` (the last may be shorter)."""
    return max(1, math.ceil((close_min - open_min) / interval_min - 1e-9))


def _steps(c: _Checker, cfg: Any, jname: str, jt: Any) -> None:
    key = f"journey.journeys.{jname}"
    steps = dict(jt.steps)
    if not steps:
        c.fail(f"{key}.steps", "needs at least one step")
        return
    graph: dict[str, set[str]] = {}
    for sname, st in steps.items():
        skey = f"{key}.steps.{sname}"
        if sname in _SPECIAL_TARGETS:
            c.fail(skey, f"{sname!r} is reserved for transitions; rename the step")
        if not st.touchpoints:
            c.fail(f"{skey}.touchpoints", "needs at least one touchpoint")
        if len(set(st.touchpoints)) != len(st.touchpoints):
            c.fail(f"{skey}.touchpoints", f"has duplicates: {list(st.touchpoints)}")
        extra_ok = c.number(f"{skey}.p_wow_extra", st.p_wow_extra)
        if extra_ok and not 0.0 <= st.p_wow_extra <= 1.0:
            c.fail(f"{skey}.p_wow_extra", f"must be a probability in [0, 1], got {st.p_wow_extra!r}")
            extra_ok = False
        for t in st.touchpoints:
            if t not in cfg.journey.touchpoints:
                c.fail(
                    f"{skey}.touchpoints",
                    f"unknown touchpoint {t!r} (journey.touchpoints: {list(cfg.journey.touchpoints)})",
                )
                continue
            p_wow = cfg.journey.touchpoints[t].p_wow
            valid_wow = isinstance(p_wow, (int, float)) and not isinstance(p_wow, bool) and 0.0 <= p_wow <= 1.0
            if extra_ok and valid_wow and p_wow + st.p_wow_extra > 1.0:
                c.fail(
                    f"{skey}.p_wow_extra",
                    f"p_wow of {t!r} ({p_wow!r}) plus p_wow_extra ({st.p_wow_extra!r}) exceeds 1",
                )
        c.at_least(f"{skey}.delay_days", st.delay_days, 1)
        c.positive(f"{skey}.weight", st.weight)
        graph[sname] = set()
        for outcome in ("on_resolved", "on_unresolved", "on_abandoned"):
            target = st[outcome]
            if target in _SPECIAL_TARGETS:
                if target != OUTCOME_RETRY:
                    graph[sname].add(target)
            elif target in steps:
                graph[sname].add(target)
            else:
                c.fail(
                    f"{skey}.{outcome}",
                    f"transition to unknown step {target!r} (steps of {jname}: {list(steps)}; or done, give_up, retry)",
                )
    first = next(iter(steps))
    reach = _reachable(graph, first)
    for sname in steps:
        if sname not in reach:
            c.fail(f"{key}.steps.{sname}", f"is unreachable from the first step {first!r}")
        elif OUTCOME_DONE not in _reachable(graph, sname):
            c.fail(f"{key}.steps.{sname}", "the journey cannot end: no path from this step reaches 'done'")


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen = {start}
    todo = [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _behaviour(c: _Checker, b: Any) -> None:
    k = "behaviour"
    c.nonneg(f"{k}.gain_weight", b.gain_weight)
    c.nonneg(f"{k}.loss_weight", b.loss_weight)
    total = 0.0
    for d in ("product", "interaction", "brand"):
        v = b.dimension_weights[d]
        c.nonneg(f"{k}.dimension_weights.{d}", v)
        total += v if isinstance(v, (int, float)) else 0.0
    if abs(total - 1.0) > _SUM_TOL:
        c.fail(f"{k}.dimension_weights", f"must sum to 1, got {total:.6g}")
    for f in (
        "must_be_gain",
        "must_be_loss",
        "one_dimensional_gain",
        "one_dimensional_loss",
        "attractive_gain",
        "attractive_loss",
    ):
        c.nonneg(f"{k}.kano.{f}", b.kano[f])
    c.unit(f"{k}.unresolved_drop", b.unresolved_drop)
    c.unit(f"{k}.silo_resolution_penalty", b.silo_resolution_penalty)
    c.positive(f"{k}.silo_time_factor", b.silo_time_factor)
    for f in ("wait", "repeat", "switch", "abandon", "impact"):
        c.nonneg(f"{k}.effort.{f}", b.effort[f])
    c.nonneg(f"{k}.wow_boost", b.wow_boost)
    mem_total = 0.0
    for f in ("mean_weight", "peak_positive_weight", "peak_negative_weight", "end_weight"):
        v = b.memory[f]
        if c.number(f"{k}.memory.{f}", v):
            mem_total += abs(v)
    if _name(b.memory.rule) == "linear" and mem_total == 0:
        c.fail(f"{k}.memory", "the linear memory rule needs at least one non-zero weight")
    c.nonneg(f"{k}.give_up_penalty", b.give_up_penalty)
    c.unit(f"{k}.confirmation_satisfaction", b.confirmation_satisfaction)
    c.nonneg(f"{k}.satisfaction_slope", b.satisfaction_slope)
    c.unit(f"{k}.satisfaction_rate", b.satisfaction_rate)
    c.unit(f"{k}.expectation_rate", b.expectation_rate)
    c.unit(f"{k}.bond_rate", b.bond_rate)
    c.unit(f"{k}.ltr_satisfaction_weight", b.ltr_satisfaction_weight)
    c.number(f"{k}.csat_threshold", b.csat_threshold)
    c.prob(f"{k}.p_switch_channel", b.p_switch_channel)
    c.at_least(f"{k}.retry_delay_days", b.retry_delay_days, 1)
    c.at_least(f"{k}.max_contacts", b.max_contacts, 1)
    ch = b.churn
    c.prob(f"{k}.churn.base_daily", ch.base_daily)
    c.nonneg(f"{k}.churn.satisfaction_sensitivity", ch.satisfaction_sensitivity)
    c.nonneg(f"{k}.churn.bond_sensitivity", ch.bond_sensitivity)
    c.unit(f"{k}.churn.reference_satisfaction", ch.reference_satisfaction)
    c.unit(f"{k}.churn.reference_bond", ch.reference_bond)
    c.nonneg(f"{k}.churn.failure_weight", ch.failure_weight)
    c.positive(f"{k}.churn.failure_memory_days", ch.failure_memory_days)
    c.nonneg(f"{k}.churn.referred_multiplier", ch.referred_multiplier)


def _wom_acquisition(c: _Checker, cfg: Any) -> None:
    w, net, size = cfg.wom, cfg.wom.network, cfg.population.size
    kind = _name(net.kind)
    deg_ok = c.number("wom.network.mean_degree", net.mean_degree)
    if kind != "complete" and deg_ok:
        if net.mean_degree < 2:
            c.fail("wom.network.mean_degree", f"must be >= 2 for a {kind} network, got {net.mean_degree!r}")
        elif kind == "watts_strogatz" and net.mean_degree % 2:
            c.fail(
                "wom.network.mean_degree", f"must be even for watts_strogatz (a ring lattice), got {net.mean_degree!r}"
            )
        elif isinstance(size, int) and size >= 1 and net.mean_degree >= size:
            c.fail("wom.network.mean_degree", f"must be below population.size ({size}), got {net.mean_degree!r}")
    c.prob("wom.network.rewire_prob", net.rewire_prob)
    c.prob("wom.p_talk_promoter", w.p_talk_promoter)
    c.prob("wom.p_talk_detractor", w.p_talk_detractor)
    c.prob("wom.bond_gain_per_message", w.bond_gain_per_message)
    c.prob("wom.bond_loss_per_message", w.bond_loss_per_message)
    c.prob("wom.hype_per_message", w.hype_per_message)
    a = cfg.acquisition
    c.prob("acquisition.p_marketing", a.p_marketing)
    c.nonneg("acquisition.q_wom", a.q_wom)
    c.prob("acquisition.nwom_suppression", a.nwom_suppression)
    if deg_ok and isinstance(a.q_wom, (int, float)) and isinstance(size, int) and size > 1:
        degree = size - 1 if kind == "complete" else net.mean_degree
        if degree > 0 and a.q_wom / degree > 1:
            c.fail(
                "acquisition.q_wom",
                f"q_wom / mean degree is the per-message probability and must be <= 1; got {a.q_wom / degree:.3g}",
            )


def _voc(c: _Checker, cfg: Any) -> None:
    """The surveys: probabilities, a wave period of at least a day, known journeys and touchpoints."""
    v = cfg.voc
    c.prob("voc.transactional.p_invite", v.transactional.p_invite)
    for key, known, names in (
        ("voc.transactional.journeys", cfg.journey.journeys, v.transactional.journeys),
        ("voc.transactional.touchpoints", cfg.journey.touchpoints, v.transactional.touchpoints),
    ):
        for name in names:
            if name not in known:
                c.fail(key, f"unknown {key.rsplit('.', 1)[1][:-1]} {name!r}; known: {list(known)}")
    c.at_least("voc.relationship.period_days", v.relationship.period_days, 1)
    c.prob("voc.relationship.p_invite", v.relationship.p_invite)
    for cls in ("promoter", "passive", "detractor"):
        c.prob(f"voc.response.{cls}", v.response[cls])
    c.nonneg("voc.answer_sd", v.answer_sd)
    c.nonneg("voc.cost_per_invitation", v.cost_per_invitation)
    if c.number("voc.ci_level", v.ci_level) and not 0.0 < v.ci_level < 1.0:
        c.fail("voc.ci_level", f"must be in (0, 1), got {v.ci_level!r}")
