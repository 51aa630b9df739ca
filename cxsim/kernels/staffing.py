"""Staffing: servers on duty per intraday interval, and the service-level planner.

One rule set for both engines (``docs/model.md`` §3.3):

* every staffed touchpoint's opening hours are cut into intervals of ``interval_min`` (the grid
  of its arrival profile); :func:`count_intervals` counts each day's contacts into that grid
  (arrivals, answered within the target, abandoned, wait and busy minutes);
* a touchpoint with ``staffing.policy: fixed`` has the same servers every day (``servers``, or
  ``server_schedule``);
* with ``policy: service_level`` a planner sets, at the start of every planning cycle of
  ``cycle_days`` days (days 1, 1 + C, 1 + 2C, ...), the servers of every interval of every day
  of the cycle. The forecast of a day's interval is the mean of the arrivals counted in the same
  interval on the same day of the last ``history_cycles`` cycles (only counts already observed,
  integers, so both engines plan the same staff); before any cycle has been observed it is the
  configured ``initial_per_1000`` contacts a day per 1,000 day-0 customers, spread over the
  intervals as the arrival profile spreads arrivals. Servers per interval: the fewest that
  answer ``target_share`` within ``target_seconds`` by Erlang C at the forecast load (the
  stationary independent period-by-period approximation), at least ``load / max_occupancy``
  and ``min_servers``; then every block of ``block_intervals`` intervals (0: the whole day) is
  staffed at its busiest interval's need (a shift covers its block).

:class:`Staffing` holds the plan and the counts of one run; both engines ask it for today's
schedule before their queues run and give it today's counts after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from cxsim.kernels.week import DAYS_PER_WEEK, weekday

__all__ = [
    "Staffing",
    "StaffingRule",
    "count_intervals",
    "interval_grid",
    "plan_cycle",
    "servers_for_level",
    "staff_cost_at_load",
]


@njit(cache=True)
def servers_for_level(load: float, mean_service: float, target: float, level: float) -> int:
    """The fewest servers that answer at least ``level`` of contacts within ``target`` (Erlang C).

    Erlang B by its stable recursion ``B(c) = A·B(c−1) / (c + A·B(c−1))``, carried upwards, so
    the search costs O(answer); Erlang C ``C = c·B / (c − A·(1 − B))``; service level
    ``1 − C·exp(−(c − A)·target / h)``. Equals :func:`cxsim.theory.agents_for_service_level`.
    """
    b = 1.0
    c = 0
    while True:
        c += 1
        b = load * b / (c + load * b)
        if c <= load:
            continue  # no steady state yet: the queue grows without bound
        erlang_c = c * b / (c - load * (1.0 - b))
        if 1.0 - erlang_c * math.exp(-(c - load) * target / mean_service) >= level:
            return c


def interval_grid(open_min: float, close_min: float, interval_min: float) -> np.ndarray:
    """Edges of the intervals from ``open_min`` to ``close_min`` (the last may be shorter)."""
    hours = float(close_min) - float(open_min)
    width = min(float(interval_min), hours) if interval_min > 0 else hours
    n = max(1, math.ceil(hours / width - 1e-9))
    edges = np.minimum(float(open_min) + width * np.arange(n + 1), float(close_min))
    edges[-1] = float(close_min)
    return edges


@njit(cache=True)
def count_intervals(
    v_tp: np.ndarray,
    v_arrival: np.ndarray,
    v_wait: np.ndarray,
    v_abandoned: np.ndarray,
    v_service: np.ndarray,
    staffed: np.ndarray,
    int_n: np.ndarray,
    int_edges: np.ndarray,
    target_min: np.ndarray,
    out: np.ndarray,
    out_min: np.ndarray,
) -> None:
    """Count today's contacts at staffed touchpoints into their interval grid.

    ``out[tp, k]`` receives (arrivals, answered within ``target_min[tp]``, abandoned) and
    ``out_min[tp, k]`` (wait minutes, busy minutes of served contacts), by arrival interval, in
    contact order (person-index order in both engines, so the float sums agree).
    """
    out[...] = 0
    out_min[...] = 0.0
    for n in range(v_tp.shape[0]):
        tp = v_tp[n]
        if not staffed[tp]:
            continue
        k = 0
        while k + 1 < int_n[tp] and v_arrival[n] >= int_edges[tp, k + 1]:
            k += 1
        out[tp, k, 0] += 1
        out_min[tp, k, 0] += v_wait[n]
        if v_abandoned[n]:
            out[tp, k, 2] += 1
        else:
            out_min[tp, k, 1] += v_service[n]
            if v_wait[n] <= target_min[tp]:
                out[tp, k, 1] += 1


@dataclass(frozen=True)
class StaffingRule:
    """A service-level policy of one touchpoint (``journey.touchpoints.*.staffing``)."""

    target_share: float
    target_min: float
    max_occupancy: float
    cycle_days: int
    history_cycles: int
    initial_per_1000: float
    block_intervals: int
    min_servers: int
    mean_service: float  # the planner's handle-time forecast: the configured mean service time


def plan_cycle(
    rule: StaffingRule,
    lengths: np.ndarray,
    share: np.ndarray,
    arrivals: np.ndarray,
    start_day: int,
    customers0: int,
) -> np.ndarray:
    """Servers for each interval of the ``cycle_days`` days from ``start_day``.

    Args:
        rule: the touchpoint's policy.
        lengths: minutes of each interval (K,), or of each interval on each day of the cycle
            (cycle_days, K) when some days are shorter (0: closed then; no servers).
        share: the arrival profile's share of a day's arrivals in each interval (K,), sum 1.
        arrivals: arrivals counted by day and interval, (days + 1, K); rows of days before
            ``start_day`` are read, nothing else.
        start_day: first day of the cycle (days are 1-based).
        customers0: customers on day 0 (the first cycle's forecast scales with them).

    Returns:
        ``(cycle_days, K)`` integer servers.
    """
    cycle, k_n = rule.cycle_days, lengths.shape[-1]
    per_day = np.ascontiguousarray(np.broadcast_to(lengths, (cycle, k_n)), dtype=np.float64)
    initial = rule.initial_per_1000 * customers0 / 1000.0 * np.asarray(share, dtype=np.float64)
    block = rule.block_intervals if rule.block_intervals > 0 else k_n
    return _plan_cycle(
        per_day, initial, np.ascontiguousarray(arrivals, dtype=np.int64), int(start_day), int(rule.history_cycles),
        float(rule.mean_service), float(rule.target_min), float(rule.target_share), float(rule.max_occupancy),
        int(rule.min_servers), int(block),
    )  # fmt: skip


@njit(cache=True)
def _plan_cycle(
    per_day: np.ndarray,
    initial: np.ndarray,
    arrivals: np.ndarray,
    start_day: int,
    history: int,
    mean_service: float,
    target_min: float,
    target_share: float,
    max_occupancy: float,
    min_servers: int,
    block: int,
) -> np.ndarray:
    """:func:`plan_cycle`'s loop: forecast, Erlang C sizing, floors and shift blocks."""
    cycle, k_n = per_day.shape
    plan = np.zeros((cycle, k_n), dtype=np.int64)
    need = np.empty(k_n, dtype=np.int64)
    forecast = np.empty(k_n)
    for o in range(cycle):
        day = start_day + o
        # the mean of the same interval on the same day of the last `history` cycles (the first
        # cycle: the initial forecast); integer counts, so the float sum is exact in any order
        n_past = 0
        forecast[:] = 0.0
        for c in range(1, history + 1):
            past = day - c * cycle
            if past >= 1:
                n_past += 1
                for k in range(k_n):
                    forecast[k] += arrivals[past, k]
        for k in range(k_n):
            forecast[k] = forecast[k] / n_past if n_past > 0 else initial[k]
        for k in range(k_n):
            if per_day[o, k] <= 0:
                need[k] = 0  # closed during this interval that day
                continue
            load = forecast[k] / per_day[o, k] * mean_service  # Erlangs
            n = servers_for_level(load, mean_service, target_min, target_share)
            need[k] = max(n, math.ceil(load / max_occupancy - 1e-9), min_servers)
        for b in range(0, k_n, block):
            top = 0
            for k in range(b, min(b + block, k_n)):
                if per_day[o, k] > 0:
                    top = max(top, need[k])
            for k in range(b, min(b + block, k_n)):
                plan[o, k] = top if per_day[o, k] > 0 else 0
    return plan


_NO_PLAN = (0, np.zeros((0, 0), dtype=np.int64))  # no cycle planned yet


class Staffing:
    """Today's servers of every staffed touchpoint, and the run's interval counts.

    Both engines call :meth:`schedule` at the start of a day's service (the planner plans a new
    cycle when one starts) and :meth:`record` after it. ``counts``, ``minutes`` and ``servers`` are
    by day (row 0 unused), touchpoint and interval of the touchpoint's grid; ``server_min`` by day
    and touchpoint. On a weekday with other opening hours (``journey.touchpoints.*.open_by_weekday``)
    the grid's intervals are cut to them: servers outside the day's hours are 0.
    """

    def __init__(self, spec: Any, customers0: int) -> None:
        s = spec
        self.spec = s
        self.n_tp = int(s.tp_staffed.shape[0])
        self.staffed = s.tp_staffed
        self.int_n = s.tp_int_n
        self.int_edges = s.tp_int_edges
        self.target_min = s.tp_target_min
        self.rules: dict[int, StaffingRule] = dict(s.tp_staffing_rules)
        self.customers0 = int(customers0)
        days, width = int(s.days), max(int(self.int_edges.shape[1]) - 1, 1)
        self.counts = np.zeros((days + 1, self.n_tp, width, 3), dtype=np.int64)
        self.minutes = np.zeros((days + 1, self.n_tp, width, 2))
        self.servers = np.zeros((days + 1, self.n_tp, width), dtype=np.int64)
        self.server_min = np.zeros((days + 1, self.n_tp))
        self._hours = s.tp_close - s.tp_open
        self._plans: dict[int, tuple[int, np.ndarray]] = {}
        width_s = max(int(s.tp_sched_edges_wd.shape[2]), width, 1)
        self._n = np.zeros(self.n_tp, dtype=np.int64)
        self._edges = np.zeros((self.n_tp, width_s))
        self._sched = np.zeros((self.n_tp, width_s), dtype=np.int64)
        # Minutes of each grid interval inside each weekday's hours, and a fixed touchpoint's whole
        # day by weekday: both depend on the weekday only, so they are worked out once here.
        self._lengths = np.zeros((self.n_tp, DAYS_PER_WEEK, width))
        self._fixed: dict[tuple[int, int], tuple[int, np.ndarray, np.ndarray, float, np.ndarray]] = {}
        for t in range(self.n_tp):
            k_n = int(self.int_n[t])
            for wd in range(DAYS_PER_WEEK):
                clipped = np.clip(self.int_edges[t, : k_n + 1], s.tp_open_wd[t, wd], s.tp_close_wd[t, wd])
                self._lengths[t, wd, :k_n] = np.diff(clipped)
                if self.staffed[t] and t not in self.rules:
                    self._fixed[t, wd] = self._fixed_day(t, wd)
        # A planned touchpoint's intervals inside each weekday's hours, their starts and lengths:
        # only the servers of those intervals change from day to day.
        self._ruled: dict[tuple[int, int], tuple[int, np.ndarray, np.ndarray, np.ndarray]] = {}
        for t in self.rules:
            k_n = int(self.int_n[t])
            for wd in range(DAYS_PER_WEEK):
                lengths = self._lengths[t, wd, :k_n]
                inside = lengths > 0
                edges = np.maximum(self.int_edges[t, :k_n], s.tp_open_wd[t, wd])[inside]
                self._ruled[t, wd] = (int(inside.sum()), inside, edges, lengths)
        self._open = self._hours > 0
        self.day = 0

    @property
    def planned(self) -> bool:
        """True when some touchpoint is planned to a service level."""
        return bool(self.rules)

    def lengths(self, t: int, day: int) -> np.ndarray:
        """Minutes of each interval of touchpoint ``t``'s grid that are inside ``day``'s hours."""
        return self._lengths[t, weekday(self.spec.start_weekday, day), : int(self.int_n[t])]

    def _fixed_day(self, t: int, wd: int) -> tuple[int, np.ndarray, np.ndarray, float, np.ndarray]:
        """A fixed touchpoint's day on weekday ``wd``: the queue's intervals, their starts and
        servers, the server-minutes on duty and the servers of each grid interval."""
        s = self.spec
        k_n = int(self.int_n[t])
        n = int(s.tp_sched_n_wd[t, wd]) if s.tp_sched_n[t] > 0 else 0
        edges = np.array(s.tp_sched_edges_wd[t, wd, :n], dtype=np.float64)
        sched = np.array(s.tp_sched_wd[t, wd, :n], dtype=np.int64)
        inside = self._lengths[t, wd, :k_n] > 0
        on = _on_duty(edges, sched, self.int_edges[t, :k_n]) if n else s.tp_servers[t]
        return n, edges, sched, float(s.tp_server_min_wd[t, wd]), np.where(inside, on, 0)

    def schedule(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(intervals, interval starts, servers)`` per touchpoint for ``day``, as the queues take
        them (0 intervals: the touchpoint's fixed ``servers`` all day)."""
        s = self.spec
        self.day = day
        wd = weekday(s.start_weekday, day)
        for t in range(self.n_tp):
            if not self.staffed[t]:
                continue
            k_n = int(self.int_n[t])
            rule = self.rules.get(t)
            if rule is None:  # fixed: the weekday's schedule, or `servers` all day
                n, edges, sched, server_min, servers = self._fixed[t, wd]
                self._n[t] = n
                self._edges[t, :n] = edges
                self._sched[t, :n] = sched
                self.server_min[day, t] = server_min
                self.servers[day, t, :k_n] = servers
                continue
            start, plan = self._plans.get(t, _NO_PLAN)
            if not start <= day < start + plan.shape[0]:
                start = day - (day - 1) % rule.cycle_days  # the planning point of day's cycle
                lengths = np.array([self.lengths(t, start + o) for o in range(rule.cycle_days)])
                arrivals = self.counts[:, t, :k_n, 0]
                share = s.tp_int_share[t, :k_n]
                plan = plan_cycle(rule, lengths, share, arrivals, start, self.customers0)
                self._plans[t] = (start, plan)
            today = plan[day - start]
            n, inside, edges, lengths = self._ruled[t, wd]
            self._n[t] = n
            self._edges[t, :n] = edges
            self._sched[t, :n] = today[inside]
            self.servers[day, t, :k_n] = today * inside
            self.server_min[day, t] = float((today * lengths).sum())
        return self._n, self._edges, self._sched

    def server_days(self, day: int) -> np.ndarray:
        """Server time on duty on ``day`` per touchpoint, in opening days of the touchpoint's
        default hours (x ``staff_cost_per_server_day`` = the day's staff cost)."""
        return np.divide(self.server_min[day], self._hours, out=np.zeros(self.n_tp), where=self._open)

    def record(
        self,
        day: int,
        tp: np.ndarray,
        arrival: np.ndarray,
        wait: np.ndarray,
        abandoned: np.ndarray,
        service: np.ndarray,
    ) -> None:
        """Count ``day``'s contacts (the day's visit arrays, person-index order) into the grid."""
        count_intervals(
            tp, arrival, wait, abandoned, service, self.staffed, self.int_n, self.int_edges, self.target_min,
            self.counts[day], self.minutes[day],
        )  # fmt: skip


def _on_duty(starts: np.ndarray, servers: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Servers on duty at the start of each interval of ``grid`` under a schedule given by its
    interval ``starts`` and ``servers`` (what the intervals table reports)."""
    idx = np.searchsorted(starts, grid + 1e-9, side="right") - 1
    return servers[np.clip(idx, 0, servers.shape[0] - 1)]


def staff_cost_at_load(spec: object, intervals: object, daily: object) -> np.ndarray | None:
    """Daily staff cost of ``spec``'s staffing policy if it had faced another run's contacts.

    The planner is a pure function of the arrivals it has counted, so re-planning ``spec``'s
    service-level touchpoints on another run's ``intervals`` (its arrivals by day and interval)
    gives the staff that policy would have put on duty for that load; fixed touchpoints cost
    what they cost. A comparison uses it to split a design's staff cost into what the design
    decides (its policy, at the baseline's load: the investment) and what follows from the load
    it changes (fewer calls, fewer agents at the same service level: a benefit).

    Returns:
        Staff cost of days 1 ... ``spec.days``; ``None`` when the other run's interval grid of a
        planned touchpoint differs (different opening hours or intervals: no common load).
    """
    s: Any = spec
    iv: Any = intervals
    first: Any = daily
    row = first.iloc[0]
    customers0 = int(row["customers"] + row["churned"] - row["acquired_marketing"] - row["acquired_referral"])
    staff = Staffing(s, customers0)
    for t in staff.rules:
        name = s.touchpoint_names[t]
        k_n = int(s.tp_int_n[t])
        rows = iv[iv["touchpoint"] == name]
        if rows.empty or len(rows) != s.days * k_n:
            return None
        if not np.array_equal(rows["start_min"].to_numpy()[:k_n], s.tp_int_edges[t, :k_n]):
            return None
        staff.counts[1:, t, :k_n, 0] = rows["arrivals"].to_numpy(dtype=np.int64).reshape(s.days, k_n)
    cost = np.zeros(s.days)
    for day in range(1, s.days + 1):
        staff.schedule(day)
        cost[day - 1] = float(np.sum(staff.server_days(day) * s.tp_staff_cost))
    return cost
