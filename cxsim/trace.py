"""Customer traces: what happens to a few chosen people, day by day, as four tidy tables.

``simulation.trace`` names the people: :func:`traced_people` turns a list of ids or a number
``n`` (drawn from the seed) into sorted person ids. A :class:`Tracer` reads, at the end of
every simulated day, the day's contacts (:class:`~cxsim.kernels.groups.Visits`), who talked
today and the traced people's state (:class:`TraceState`, gathered by the engine), and keeps
the rows that concern them: every contact, every finished journey, every word-of-mouth
message they sent or heard and every change of status (:class:`Traces`; columns in
:data:`COLUMNS` and ``docs/traces.md``). It only reads, so a traced run's results are those of
the same run untraced; both engines hand it the same arrays, so the tables are identical.
Its cost per day is a few array look-ups and one numba pass over who talked: no Python work
per person of the market.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from numba import njit
from omegaconf import OmegaConf

from cxsim.kernels import journey as jk
from cxsim.kernels.behaviour import journey_value, remembered_value
from cxsim.kernels.codes import CHURNED, CUSTOMER, NEXT_DONE, NEXT_GIVE_UP, NEXT_RETRY, PROSPECT
from cxsim.kernels.groups import Visits
from cxsim.kernels.wom import heard_messages
from cxsim.network import SocialNetwork
from cxsim.rng import STREAM_TRACE, uniform_array
from cxsim.spec import ModelSpec

__all__ = ["COLUMNS", "TraceState", "Tracer", "Traces", "traced_people"]

STATUS_NAMES = ("prospect", "customer", "churned")  # by status code
VIA_NAMES = ("initial", "marketing", "referral")  # by VIA_* code
OUTCOME_NAMES = ("resolved", "unresolved", "abandoned")  # by OUTCOME_* code
JOURNEY_OUTCOMES = ("completed", "given_up")  # by "ended with NEXT_GIVE_UP"

# The columns of each table, in order (docs/traces.md says what each means).
_CONTACTS = ("day", "person", "journey", "step", "contact", "touchpoint", "channel", "arrival_min", "service_min",
             "patience_min", "wait_min", "outcome", "moment_value", "ces", "wow", "switched", "next")  # fmt: skip
_JOURNEYS = ("day", "person", "journey", "outcome", "contacts", "remembered", "value", "satisfaction_before",
             "satisfaction", "ltr")  # fmt: skip
COLUMNS: dict[str, tuple[str, ...]] = {
    "contacts": _CONTACTS,
    "journeys": _JOURNEYS,
    "wom": ("day", "sender", "receiver", "sign", "messages"),
    "status": ("day", "person", "segment", "from_status", "to_status", "via"),
}


def traced_people(seed: int, size: int, trace: Any) -> np.ndarray:
    """The person ids ``simulation.trace`` asks for, sorted (int64; empty when tracing is off).

    A list is taken as it is. A number ``n`` picks the ``n`` people of the market with the
    smallest keyed draw ``uniform(seed, STREAM_TRACE, person, 0, 0)``: the same people for the
    same seed and market, whatever the engine, and ``trace=5`` is contained in ``trace=10``.
    """
    if OmegaConf.is_list(trace) or isinstance(trace, (list, tuple)):
        return np.unique(np.asarray(list(trace), dtype=np.int64))
    n = int(trace)
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    draws = uniform_array(seed, STREAM_TRACE, np.arange(size, dtype=np.int64), 0, 0)
    return np.sort(np.argpartition(draws, n - 1)[:n].astype(np.int64))


class TraceState(NamedTuple):
    """The traced people's state at the end of a day, one entry per traced person (in id order).

    The field names are those of the vector engine's ``People`` arrays and the agent engine's
    ``Person`` attributes (``memory``: the agent's one row per person).
    """

    segment: np.ndarray  # segment index
    status: np.ndarray  # PROSPECT, CUSTOMER or CHURNED
    acquired_via: np.ndarray  # VIA_* code
    satisfaction: np.ndarray
    ltr: np.ndarray  # likelihood to recommend, 0-10
    contacts: np.ndarray  # contacts so far in the current (or last) journey
    memory: np.ndarray  # (n, 5) the current (or last) journey's memory: sum, weight, max, min, last


@dataclass(frozen=True)
class Traces:
    """The four trace tables of a run (columns: :data:`COLUMNS`)."""

    people: np.ndarray  # the traced person ids
    contacts: pd.DataFrame
    journeys: pd.DataFrame
    wom: pd.DataFrame
    status: pd.DataFrame

    def files(self) -> dict[str, pd.DataFrame]:
        """``file name -> table`` as a run writes them."""
        return {f"trace_{name}.parquet": getattr(self, name) for name in COLUMNS}


class Tracer:
    """Keeps the rows of a run's traces; :meth:`start` after day 0, :meth:`record` after each day.

    Rows are kept as one chunk of column arrays per table and day (codes, not names), gathered
    by array indexing and numba loops: the cost grows with the traced people's events, not with
    the market.

    Args:
        spec: the compiled model (names of journeys, steps, touchpoints; memory rule).
        network: the run's social network (who hears a traced person, whom they hear).
        people: the traced person ids, sorted (see :func:`traced_people`).
    """

    def __init__(self, spec: ModelSpec, network: SocialNetwork, people: np.ndarray) -> None:
        self.spec = spec
        self.network = network
        self.people = people
        self._chunks: dict[str, list[dict[str, np.ndarray]]] = {name: [] for name in COLUMNS}
        self._before: TraceState | None = None
        # names by code; a journey target is a step index or NEXT_* (< 0): offset so every code indexes
        self._next_offset = -min(NEXT_DONE, NEXT_GIVE_UP, NEXT_RETRY)
        nexts = [""] * self._next_offset + [name.split(".", 1)[1] for name in spec.step_names]
        for code, name in ((NEXT_DONE, "done"), (NEXT_GIVE_UP, "give_up"), (NEXT_RETRY, "retry")):
            nexts[code + self._next_offset] = name
        self._names = {
            "next": np.array(nexts, dtype=object),
            "step": np.array(nexts[self._next_offset :], dtype=object),
            "journey": np.array(spec.journey_names, dtype=object)[spec.step_journey],  # by step
            "touchpoint": np.array(spec.touchpoint_names, dtype=object),
            "channel": np.array(spec.channel_names, dtype=object)[spec.tp_channel],  # by touchpoint
            "outcome": np.array(OUTCOME_NAMES, dtype=object),
            "segment": np.array(spec.segment_names, dtype=object),
            "journey_outcome": np.array(JOURNEY_OUTCOMES, dtype=object),
        }

    def start(self, state: TraceState) -> None:
        """The status each traced person starts with (day 0; ``from_status`` empty)."""
        self._before = state
        via = np.array(VIA_NAMES, dtype=object)[state.acquired_via]
        via[state.status == PROSPECT] = None
        self._status(0, np.arange(self.people.shape[0]), np.full(self.people.shape[0], None), state.status, via)

    def record(self, day: int, visits: Visits, talk: np.ndarray, state: TraceState) -> None:
        """The traced people's rows of ``day``: its contacts, journeys ended, messages and status changes."""
        before = self._before
        assert before is not None, "Tracer.start comes first"
        where = np.searchsorted(self.people, visits.person)
        inside = where < self.people.shape[0]
        hit = np.zeros(visits.person.shape[0], dtype=np.bool_)
        hit[inside] = self.people[where[inside]] == visits.person[inside]
        rows = np.flatnonzero(hit)
        if rows.size:
            self._contacts(day, visits, rows, where[rows], state)
        self._messages(day, talk)
        changed = np.flatnonzero(before.status != state.status)
        if changed.size:
            won = changed[before.status[changed] == PROSPECT]  # acquired today (and perhaps lost the same day)
            via = np.array(VIA_NAMES, dtype=object)[state.acquired_via[won]]
            self._status(day, won, np.full(won.size, "prospect"), np.full(won.size, CUSTOMER), via)
            lost = changed[state.status[changed] == CHURNED]
            self._status(day, lost, np.full(lost.size, "customer"), state.status[lost], np.full(lost.size, None))
        self._before = state

    def _contacts(self, day: int, v: Visits, rows: np.ndarray, k: np.ndarray, state: TraceState) -> None:
        """Today's contacts ``rows`` of ``v``, made by the ``k``-th traced people."""
        spec = self.spec
        assert self._before is not None
        outcome, ends, remembered, value = _contact_codes(
            v.abandoned[rows], v.resolved[rows], v.target[rows], state.memory[k], spec.memory_rule, spec.params
        )
        step = v.step[rows]
        self._chunks["contacts"].append(
            {
                "day": np.full(rows.size, day),
                "person": v.person[rows],
                "journey": step,
                "step": step,
                "contact": state.contacts[k],
                "touchpoint": v.tp[rows],
                "channel": v.tp[rows],
                "arrival_min": v.arrival[rows],
                "service_min": v.service[rows],
                "patience_min": v.patience[rows],
                "wait_min": v.wait[rows],
                "outcome": outcome,
                "moment_value": v.value[rows],
                "ces": v.ces[rows],
                "wow": v.wow[rows],
                "switched": v.switched[rows],
                "next": v.target[rows] + self._next_offset,
            }
        )
        if not ends.any():
            return
        e, ke = rows[ends], k[ends]
        self._chunks["journeys"].append(
            {
                "day": np.full(e.size, day),
                "person": v.person[e],
                "journey": v.step[e],
                "outcome": (v.target[e] == NEXT_GIVE_UP).astype(np.int64),  # JOURNEY_OUTCOMES
                "contacts": state.contacts[ke],
                "remembered": remembered[ends],
                "value": value[ends],
                "satisfaction_before": self._before.satisfaction[ke],
                "satisfaction": state.satisfaction[ke],
                "ltr": state.ltr[ke],
            }
        )

    def _messages(self, day: int, talk: np.ndarray) -> None:
        net = self.network
        if net.complete:  # everyone hears every talker: a row counts messages (-1: everyone else / all talkers)
            sender, receiver, sign, messages = _complete_messages(self.people, talk, net.size)
        else:
            sender, receiver, sign = _network_messages(self.people, talk, net.indptr, net.indices)
            order = np.lexsort((receiver, sender))
            sender, receiver, sign = sender[order], receiver[order], sign[order]
            messages = np.ones(sender.size, dtype=np.int64)
        if sender.size:
            self._chunks["wom"].append(
                {"day": np.full(sender.size, day), "sender": sender, "receiver": receiver, "sign": sign,
                 "messages": messages}
            )  # fmt: skip

    def _status(self, day: int, k: np.ndarray, was: np.ndarray, now: np.ndarray, via: np.ndarray) -> None:
        """Status rows of the ``k``-th traced people: ``was`` a name (or None), ``now`` a status code."""
        if not k.size:
            return
        assert self._before is not None
        self._chunks["status"].append(
            {
                "day": np.full(k.size, day),
                "person": self.people[k],
                "segment": self._names["segment"][self._before.segment[k]],
                "from_status": was.astype(object),
                "to_status": np.array(STATUS_NAMES, dtype=object)[now],
                "via": via.astype(object),
            }
        )

    def tables(self) -> Traces:
        """The traces so far as DataFrames (codes turned into names)."""
        frames: dict[str, pd.DataFrame] = {}
        for name, columns in COLUMNS.items():
            chunks = self._chunks[name]
            data: dict[str, np.ndarray] = {}
            for col in columns:
                dtype = _dtype(col)
                values = np.concatenate([c[col] for c in chunks]) if chunks else np.zeros(0, dtype=dtype)
                if (name, col) in _NAMED:
                    values = self._names[_NAMED[name, col]][values.astype(np.int64)]
                data[col] = values.astype(dtype)
            frames[name] = pd.DataFrame(data, columns=list(columns))
        return Traces(people=self.people.copy(), **frames)


# Columns held as codes until tables() names them: (table, column) -> Tracer._names key.
_NAMED = {("contacts", c): c for c in ("journey", "step", "touchpoint", "channel", "outcome", "next")}
_NAMED |= {("journeys", "journey"): "journey", ("journeys", "outcome"): "journey_outcome"}
_TEXT = {"journey", "step", "touchpoint", "channel", "outcome", "next", "segment", "from_status", "to_status", "via"}
_FLOAT = {"arrival_min", "service_min", "patience_min", "wait_min", "moment_value", "ces", "remembered", "value",
          "satisfaction_before", "satisfaction"}  # fmt: skip


def _dtype(column: str) -> Any:
    """The dtype of a trace column: text (object), bool (wow, switched), float or int64."""
    if column in _TEXT:
        return object
    if column in ("wow", "switched"):
        return np.bool_
    return np.float64 if column in _FLOAT else np.int64


@njit(cache=True)
def _contact_codes(
    abandoned: np.ndarray,
    resolved: np.ndarray,
    target: np.ndarray,
    memory: np.ndarray,
    rule: int,
    params: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per traced contact: its OUTCOME_* code, whether it ended the journey, and (where it did) the
    journey as remembered and its value after a give-up (``memory``: the person's, one row each)."""
    n = target.shape[0]
    outcome = np.empty(n, dtype=np.int64)
    ends = np.zeros(n, dtype=np.bool_)
    remembered = np.full(n, np.nan)
    value = np.full(n, np.nan)
    for c in range(n):
        outcome[c] = jk.contact_outcome(abandoned[c], resolved[c])
        if jk.journey_ends(target[c]):
            ends[c] = True
            m = memory[c]
            remembered[c] = remembered_value(m[0], m[1], m[2], m[3], m[4], rule, params)
            value[c] = journey_value(remembered[c], target[c] == NEXT_GIVE_UP, params)
    return outcome, ends, remembered, value


@njit(cache=True)
def _complete_messages(
    people: np.ndarray, talk: np.ndarray, size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """With complete mixing: ``(sender, receiver, sign, messages)`` rows of what the traced people
    said (receiver -1: everyone else) and heard (sender -1: one row per sign, ``heard_messages``)."""
    talkers_pos = 0
    talkers_neg = 0
    for i in range(talk.shape[0]):
        if talk[i] > 0:
            talkers_pos += 1
        elif talk[i] < 0:
            talkers_neg += 1
    none = np.zeros(0, dtype=np.int32)
    n = people.shape[0]
    sender = np.empty(3 * n, dtype=np.int64)
    receiver = np.empty(3 * n, dtype=np.int64)
    sign = np.empty(3 * n, dtype=np.int64)
    messages = np.empty(3 * n, dtype=np.int64)
    c = 0
    for a in range(n):
        i = people[a]
        if talk[i] != 0:
            sender[c], receiver[c], sign[c], messages[c] = i, -1, talk[i], size - 1
            c += 1
        n_pos, n_neg = heard_messages(i, True, talkers_pos, talkers_neg, talk, none, none)
        if n_pos > 0:
            sender[c], receiver[c], sign[c], messages[c] = -1, i, 1, n_pos
            c += 1
        if n_neg > 0:
            sender[c], receiver[c], sign[c], messages[c] = -1, i, -1, n_neg
            c += 1
    return sender[:c], receiver[:c], sign[:c], messages[:c]


@njit(cache=True, inline="always")
def _is_traced(people: np.ndarray, i: int) -> bool:
    """``i`` is in the sorted ``people`` (binary search)."""
    lo, hi = 0, people.shape[0]
    while lo < hi:
        mid = (lo + hi) >> 1
        if people[mid] < i:
            lo = mid + 1
        else:
            hi = mid
    return lo < people.shape[0] and people[lo] == i


@njit(cache=True)
def _network_messages(
    people: np.ndarray, talk: np.ndarray, indptr: np.ndarray, indices: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's messages sent or heard by the traced ``people`` on a CSR network, each once:
    ``(sender, receiver, sign)``. A talker tells each neighbour once (as ``deliver_wom``), so the
    loop runs over today's talkers: a traced one's every message, another's to traced neighbours.
    NOTE: one pass over ``talk`` (sequential, cheap) beats walking the traced people's neighbours,
    whose random reads miss the cache once the day's phases have run."""
    count = 0
    for j in range(talk.shape[0]):
        if talk[j] == 0:
            continue
        if _is_traced(people, j):
            count += indptr[j + 1] - indptr[j]
            continue
        for e in range(indptr[j], indptr[j + 1]):
            if _is_traced(people, indices[e]):
                count += 1
    sender = np.empty(count, dtype=np.int64)
    receiver = np.empty(count, dtype=np.int64)
    sign = np.empty(count, dtype=np.int64)
    c = 0
    for j in range(talk.shape[0]):
        if talk[j] == 0:
            continue
        traced = _is_traced(people, j)
        for e in range(indptr[j], indptr[j + 1]):
            if traced or _is_traced(people, indices[e]):
                sender[c], receiver[c], sign[c] = j, indices[e], talk[j]
                c += 1
    return sender, receiver, sign
