"""Customer traces: what happens to a few chosen people, day by day, as four tidy tables.

``simulation.trace`` names the people: :func:`traced_people` turns a list of ids or a number
``n`` (drawn from the seed) into sorted person ids. A :class:`Tracer` reads, at the end of
every simulated day, the day's contacts (:class:`~cxsim.kernels.groups.Visits`), who talked
today and the traced people's state (:class:`TraceState`, gathered by the engine), and keeps
the rows that concern them: every contact, every finished journey, every word-of-mouth
message they sent or heard and every change of status (:class:`Traces`; columns in
:data:`COLUMNS` and ``docs/traces.md``). It only reads, so a traced run's results are those of
the same run untraced; both engines hand it the same arrays, so the tables are identical.
The vector engine's cost is a few array look-ups per day, nothing per person.
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
from cxsim.kernels.codes import CHURNED, NEXT_DONE, NEXT_GIVE_UP, NEXT_RETRY, PROSPECT
from cxsim.kernels.groups import Visits
from cxsim.kernels.wom import heard_messages
from cxsim.network import SocialNetwork
from cxsim.rng import STREAM_TRACE, uniform_array
from cxsim.spec import ModelSpec

__all__ = ["COLUMNS", "TraceState", "Tracer", "Traces", "traced_people"]

STATUS_NAMES = ("prospect", "customer", "churned")  # by status code
VIA_NAMES = ("initial", "marketing", "referral")  # by VIA_* code
OUTCOME_NAMES = ("resolved", "unresolved", "abandoned")  # by OUTCOME_* code

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

    Args:
        spec: the compiled model (names of journeys, steps, touchpoints; memory rule).
        network: the run's social network (who hears a traced person, whom they hear).
        people: the traced person ids, sorted (see :func:`traced_people`).
    """

    def __init__(self, spec: ModelSpec, network: SocialNetwork, people: np.ndarray) -> None:
        self.spec = spec
        self.network = network
        self.people = people
        self._rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
        self._before: TraceState | None = None
        step_part = [name.split(".", 1)[1] for name in spec.step_names]
        self._next_names = {NEXT_DONE: "done", NEXT_GIVE_UP: "give_up", NEXT_RETRY: "retry"}
        self._next_names.update(dict(enumerate(step_part)))
        self._step_part = np.array(step_part, dtype=object)

    def start(self, state: TraceState) -> None:
        """The status each traced person starts with (day 0; ``from_status`` empty)."""
        self._before = state
        for k in range(self.people.shape[0]):
            status = int(state.status[k])
            via = VIA_NAMES[int(state.acquired_via[k])] if status != PROSPECT else None
            self._status_row(0, k, None, status, via)

    def record(self, day: int, visits: Visits, talk: np.ndarray, state: TraceState) -> None:
        """The traced people's rows of ``day``: its contacts, journeys ended, messages and status changes."""
        before = self._before
        assert before is not None, "Tracer.start comes first"
        where = np.searchsorted(self.people, visits.person)
        inside = where < self.people.shape[0]
        hit = np.zeros(visits.person.shape[0], dtype=np.bool_)
        hit[inside] = self.people[where[inside]] == visits.person[inside]
        for n in np.flatnonzero(hit):
            self._contact(day, visits, int(n), int(where[n]), state)
        self._messages(day, talk)
        for k in np.flatnonzero(before.status != state.status):
            was, now = int(before.status[k]), int(state.status[k])
            if was == PROSPECT:  # acquired today (and perhaps lost the same day)
                self._status_row(day, int(k), was, 1, VIA_NAMES[int(state.acquired_via[k])])
            if now == CHURNED:
                self._status_row(day, int(k), 1, now, None)
        self._before = state

    def _contact(self, day: int, v: Visits, n: int, k: int, state: TraceState) -> None:
        spec = self.spec
        step, tp, target = int(v.step[n]), int(v.tp[n]), int(v.target[n])
        journey = spec.journey_names[int(spec.step_journey[step])]
        person = int(v.person[n])
        self._rows["contacts"].append(
            {
                "day": day,
                "person": person,
                "journey": journey,
                "step": self._step_part[step],
                "contact": int(state.contacts[k]),
                "touchpoint": spec.touchpoint_names[tp],
                "channel": spec.channel_names[int(spec.tp_channel[tp])],
                "arrival_min": float(v.arrival[n]),
                "service_min": float(v.service[n]),
                "patience_min": float(v.patience[n]),
                "wait_min": float(v.wait[n]),
                "outcome": OUTCOME_NAMES[jk.contact_outcome(bool(v.abandoned[n]), bool(v.resolved[n]))],
                "moment_value": float(v.value[n]),
                "ces": float(v.ces[n]),
                "wow": bool(v.wow[n]),
                "switched": bool(v.switched[n]),
                "next": self._next_names[target],
            }
        )
        if not jk.journey_ends(target):
            return
        gave_up = target == NEXT_GIVE_UP
        m = state.memory[k]
        remembered = remembered_value(m[0], m[1], m[2], m[3], m[4], spec.memory_rule, spec.params)
        assert self._before is not None
        self._rows["journeys"].append(
            {
                "day": day,
                "person": person,
                "journey": journey,
                "outcome": "given_up" if gave_up else "completed",
                "contacts": int(state.contacts[k]),
                "remembered": float(remembered),
                "value": float(journey_value(remembered, gave_up, spec.params)),
                "satisfaction_before": float(self._before.satisfaction[k]),
                "satisfaction": float(state.satisfaction[k]),
                "ltr": int(state.ltr[k]),
            }
        )

    def _messages(self, day: int, talk: np.ndarray) -> None:
        net, people = self.network, self.people
        rows = self._rows["wom"]
        if not net.complete:
            sender, receiver, sign = _network_messages(people, talk, net.indptr, net.indices)
            order = np.lexsort((receiver, sender))
            rows.extend(
                {
                    "day": day,
                    "sender": int(sender[e]),
                    "receiver": int(receiver[e]),
                    "sign": int(sign[e]),
                    "messages": 1,
                }
                for e in order
            )
            return
        # complete mixing: everyone hears every talker, so a row counts messages (-1: everyone else / all talkers)
        talkers_pos, talkers_neg = int(np.sum(talk > 0)), int(np.sum(talk < 0))
        none = np.zeros(0, dtype=np.int32)
        for person in people:
            i = int(person)
            if talk[i] != 0:
                rows.append({"day": day, "sender": i, "receiver": -1, "sign": int(talk[i]), "messages": net.size - 1})
            n_pos, n_neg = heard_messages(i, True, talkers_pos, talkers_neg, talk, none, none)
            for heard_sign, count in ((1, n_pos), (-1, n_neg)):
                if count > 0:
                    rows.append({"day": day, "sender": -1, "receiver": i, "sign": heard_sign, "messages": int(count)})

    def _status_row(self, day: int, k: int, was: int | None, now: int, via: str | None) -> None:
        """A status row of the ``k``-th traced person."""
        assert self._before is not None
        self._rows["status"].append(
            {
                "day": day,
                "person": int(self.people[k]),
                "segment": self.spec.segment_names[int(self._before.segment[k])],
                "from_status": None if was is None else STATUS_NAMES[was],
                "to_status": STATUS_NAMES[now],
                "via": via,
            }
        )

    def tables(self) -> Traces:
        """The traces so far as DataFrames."""
        frames = {
            name: pd.DataFrame.from_records(rows, columns=list(COLUMNS[name])) for name, rows in self._rows.items()
        }
        for name, df in frames.items():
            for col in ("day", "person", "sender", "receiver", "sign", "messages", "contact", "contacts", "ltr"):
                if col in df.columns:
                    frames[name][col] = df[col].astype(np.int64)
        return Traces(people=self.people.copy(), **frames)


@njit(cache=True)
def _is_traced(people: np.ndarray, i: int) -> bool:
    k = np.searchsorted(people, i)
    return k < people.shape[0] and people[k] == i


@njit(cache=True)
def _network_messages(
    people: np.ndarray, talk: np.ndarray, indptr: np.ndarray, indices: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Today's messages sent or heard by the traced ``people`` on a CSR network, each once:
    ``(sender, receiver, sign)``. A talker tells each neighbour once (as ``deliver_wom``)."""
    count = 0
    for a in range(people.shape[0]):
        i = people[a]
        if talk[i] != 0:
            count += indptr[i + 1] - indptr[i]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            if talk[j] != 0 and not _is_traced(people, j):  # a traced talker's messages are counted as sent
                count += 1
    sender = np.empty(count, dtype=np.int64)
    receiver = np.empty(count, dtype=np.int64)
    sign = np.empty(count, dtype=np.int64)
    c = 0
    for a in range(people.shape[0]):
        i = people[a]
        for e in range(indptr[i], indptr[i + 1]):
            j = indices[e]
            if talk[i] != 0:
                sender[c], receiver[c], sign[c] = i, j, talk[i]
                c += 1
            if talk[j] != 0 and not _is_traced(people, j):
                sender[c], receiver[c], sign[c] = j, i, talk[j]
                c += 1
    return sender, receiver, sign
