"""The vector engine's day in few passes: the whole-market phases fused, the rest over lists.

The agent engine runs the phases of a day one after the other over everyone (``docs/model.md``
§5). Most phases read and write only the person at hand, so they can share one loop over the
market as long as, for each person, they run in the day's order. What a phase reads of *other*
people is today's talk (written before any listener reads it) and today's message counts, so a
day takes two parallel passes over the market and loops over the few people with something to do:

* **morning** (:func:`morning`): journeys start (phase 1), who is due today (phase 2) and who
  talks (phase 5) for everyone who makes no contact today; each chunk of the market lists its
  visitors (front of its slice of ``scratch``) and talkers (back of it). Nobody's status or
  likelihood to recommend changes before phase 5 except through today's contacts.
* **contacts**: the visitors in person order (:func:`gather`); planning, the queues, and
  :func:`after_service` (conclude, experience, finish the journey, then decide that visitor's
  talk, now that their likelihood to recommend is today's).
* **word of mouth** (:func:`tell`): messages from the list of talkers only; :func:`evening`
  zeroes the counts once it has read them, so they are zero again tomorrow.
* **evening** (:func:`evening`): adoption, attitudes from WOM, churn and the people tally in one
  pass, per person in that order (phases 6, 7, 8, 9); the integer counts are summed by chunk,
  the customers' satisfaction sum (a float) sequentially in person order (``satisfaction_sum``).

Every rule is the kernel's (:mod:`cxsim.kernels`); this module only decides the loops. Each
chunk's work depends on its own people and today's talk and counts, so results are identical at
any thread count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numba import njit

from cxsim.engines.threads import Runner
from cxsim.kernels.behaviour import ChurnCeiling
from cxsim.kernels.codes import CHURNED, CUSTOMER, NEXT_GIVE_UP, PROSPECT, TRIGGER_PERIODIC, TRIGGER_RATE, VIA_REFERRAL
from cxsim.kernels.groups import Heard, Journeys, Market, Rules, Segments, Steps, Touchpoints, Visits
from cxsim.kernels.journey import (
    advance_journey,
    conclude_service,
    contact_outcome,
    experience_contact,
    finish_journey,
    journey_ends,
    journey_to_start,
    may_start,
    periodic_due,
    start_journey,
    trigger_draw,
    visits_today,
)
from cxsim.kernels.population import churns_today, evening_draw, evening_prefixes, may_churn
from cxsim.kernels.tallies import person_counts
from cxsim.kernels.week import contact_day, weekday_rate
from cxsim.kernels.wom import (
    consider_adoption,
    hear_wom,
    heard_messages,
    may_adopt,
    pick_referrer,
    talks_today,
    tell_neighbours,
    wom_reaches,
)

if TYPE_CHECKING:
    from cxsim.engines.vector import People

__all__ = ["CHUNK", "EVENING_COUNTS", "after_service", "evening", "gather", "morning", "n_chunks", "tell"]

# People per chunk of a whole-market pass: the threads take contiguous blocks of chunks
# (cxsim.engines.threads), and a chunk owns its slice of the scratch list. Big enough that the
# per-chunk bookkeeping vanishes, small enough that a chunk's views stay in the cache.
CHUNK = 1 << 14


def n_chunks(n: int) -> int:
    """Chunks of :data:`CHUNK` people covering a market of ``n``."""
    return max(1, -(-n // CHUNK))


# What evening() counts per chunk, in this order (columns of its ``counts``).
EVENING_COUNTS = (
    "prospects",
    "customers",
    "promoters",
    "detractors",
    "acquired_marketing",
    "acquired_referral",
    "attributed",
    "churned",
)

# NOTE: as in cxsim.engines.vector, every array is taken out of its named tuple before a loop,
# one plain assignment each (numba's parfor pass loses writes made through a tuple's field).


def morning(
    runner: Runner,
    seed: int,
    day: int,
    wd: int,
    is_open: np.ndarray,
    p: People,
    journeys: Journeys,
    segments: Segments,
    tps: Touchpoints,
    steps: Steps,
    market: Market,
    scratch: np.ndarray,
    n_visitors: np.ndarray,
    n_talkers: np.ndarray,
) -> tuple[int, int]:
    """Phases 1, 2 (who is due) and 5 (who talks, for everyone making no contact today) for each
    person in turn, chunk by chunk on the runner's threads; chunk ``c`` lists its visitors in
    ``scratch[lo:lo + n_visitors[c]]`` (person order) and its talkers in
    ``scratch[hi - n_talkers[c]:hi]``. Returns ``(journeys started, contacts postponed to
    tomorrow)``."""
    day_factor = float(journeys.weekday_factor[wd])
    # each rate-triggered journey's start probability today at its highest over segments: a
    # draw at or above it cannot start that journey in any segment (weekday_rate is monotone)
    rate_ceiling = np.array(
        [weekday_rate(float(r), day_factor) for r in segments.journey_rate.max(axis=0)], dtype=np.float64
    ).reshape(journeys.trigger.shape[0])
    done = runner.run(
        _morning_blocks, n_visitors.shape[0], seed, day, bool(is_open.all()), is_open, day_factor, rate_ceiling,
        p, journeys, segments, tps, steps, market, scratch, n_visitors, n_talkers,
    )  # fmt: skip
    return sum(d[0] for d in done), sum(d[1] for d in done)


@njit(cache=True, nogil=True)
def _morning_blocks(
    c0: int,
    c1: int,
    seed: int,
    day: int,
    all_open: bool,
    is_open: np.ndarray,
    day_factor: float,
    rate_ceiling: np.ndarray,
    p: People,
    journeys: Journeys,
    segments: Segments,
    tps: Touchpoints,
    steps: Steps,
    market: Market,
    scratch: np.ndarray,
    n_visitors: np.ndarray,
    n_talkers: np.ndarray,
) -> tuple[int, int]:
    """:func:`morning` for chunks ``c0 .. c1 - 1``: returns their ``(started, postponed)``."""
    n = p.status.shape[0]
    started = 0
    postponed = 0
    for c in range(c0, c1):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        # phase 5: who talks (a visitor's talk is decided again after their contact)
        _talk(seed, day, lo, hi, p.status, p.ltr, p.talk, market)
        mark = np.empty(hi - lo, dtype=np.bool_)
        _mark_morning(
            seed, day, lo, hi, p.status, p.journey, p.pending_onboarding, p.due_day, p.talk,
            journeys.trigger, journeys.period, rate_ceiling, mark,
        )  # fmt: skip
        nv, nt, c_started, c_postponed = _morning_chunk(
            seed, day, lo, hi, mark, all_open, is_open, day_factor, p, journeys, segments, tps, steps, scratch
        )
        n_visitors[c] = nv
        n_talkers[c] = nt
        started += c_started
        postponed += c_postponed
    return started, postponed


@njit(cache=True)
def _morning_chunk(
    seed: int,
    day: int,
    lo: int,
    hi: int,
    mark: np.ndarray,
    all_open: bool | np.bool_,
    is_open: np.ndarray,
    day_factor: float,
    p: People,
    journeys: Journeys,
    segments: Segments,
    tps: Touchpoints,
    steps: Steps,
    scratch: np.ndarray,
) -> tuple[int, int, int, int]:
    """:func:`morning`'s phases 1 and 2 for the marked people of ``lo .. hi - 1`` in person order
    (:func:`_mark_morning`), listing them in ``scratch[lo:hi]``. Returns ``(visitors, talkers,
    journeys started, contacts postponed)``."""
    status = p.status
    journey = p.journey
    segment = p.segment
    pending = p.pending_onboarding
    due_day = p.due_day
    step_index = p.step_index
    talk = p.talk
    nv = 0
    nt = 0
    started = 0
    postponed = 0
    for i in range(lo, hi):
        if not mark[i - lo]:
            continue
        st = status[i]
        if st == CUSTOMER:
            # phase 1: journeys start
            j = journey_to_start(
                seed,
                i,
                day,
                st,
                journey[i],
                segment[i],
                pending[i],
                journeys.trigger,
                journeys.onboarding,
                segments.journey_rate,
                day_factor,
                journeys.period,
            )
            if j >= 0:
                pending[i] = False
                journey[i] = j
                k, due, n_c, r, tp, ch = start_journey(j, day, journeys.first_step, p.memory, p.perf, i)
                step_index[i] = k
                due_day[i] = due
                p.contacts[i] = n_c
                p.retrying[i] = r
                p.last_tp[i] = tp
                p.last_channel[i] = ch
                started += 1
            # phase 2: due today (a closed step moves the contact to tomorrow)
            if visits_today(day, st, journey[i], due_day[i]):
                if not all_open:
                    k = step_index[i]
                    due_day[i] = contact_day(
                        day,
                        steps.touchpoints[k],
                        steps.n_touchpoints[k],
                        segments.channel_preference[segment[i]],
                        tps.channel,
                        is_open,
                    )
                if due_day[i] == day:
                    scratch[lo + nv] = i
                    nv += 1
                    continue  # a visitor's talk waits for the end of their contact
                postponed += 1
        if talk[i] != 0:
            nt += 1
            scratch[hi - nt] = i
    return nv, nt, started, postponed


@njit(cache=True)
def _talk(
    seed: int, day: int, lo: int, hi: int, status: np.ndarray, ltr: np.ndarray, talk: np.ndarray, market: Market
) -> None:
    """Phase 5's talk of people ``lo .. hi - 1`` (:func:`talks_today`), over views indexed from 0:
    without branches, the loop vectorises (fused into the morning's other loops, it does not)."""
    st = status[lo:hi]
    lt = ltr[lo:hi]
    tk = talk[lo:hi]
    for k in range(hi - lo):
        tk[k] = talks_today(seed, lo + k, day, st[k], lt[k], market)


@njit(cache=True)
def _mark_morning(
    seed: int,
    day: int,
    lo: int,
    hi: int,
    status: np.ndarray,
    journey: np.ndarray,
    pending: np.ndarray,
    due_day: np.ndarray,
    talk: np.ndarray,
    trigger: np.ndarray,
    period: np.ndarray,
    rate_ceiling: np.ndarray,
    mark: np.ndarray,
) -> None:
    """``mark[i - lo]`` for people ``lo .. hi - 1``: True for everyone with something to do in
    :func:`morning`'s phases 1, 2 and 5 (a superset: the phases decide). That is a customer on a
    journey due today; a customer on none whose onboarding is owed, or on whose due day a
    periodic journey falls (:func:`may_start`, :func:`periodic_due`: the conditions of
    :func:`journey_to_start`), or whose draw of a rate-triggered journey falls under that
    journey's ``rate_ceiling`` (today's start probability in the segment where it is highest, so
    at least :func:`rate_fires`'s in theirs); anyone who talks today. For everyone else the
    phases change nothing. Loops without branches and without a look-up by segment, so that they
    vectorise, keyed draws included."""
    # NOTE: loops over views of the chunk indexed from 0 (k); with ``for i in range(lo, hi)`` and
    # ``mark[i - lo]``, numba cannot see that the indices are never negative, and the loops do not
    # vectorise (20x slower).
    st = status[lo:hi]
    jr = journey[lo:hi]
    pd = pending[lo:hi]
    dd = due_day[lo:hi]
    tk = talk[lo:hi]
    m = hi - lo
    for k in range(m):
        mark[k] = may_start(st[k], jr[k], pd[k])
    for j in range(trigger.shape[0]):
        if trigger[j] == TRIGGER_PERIODIC:
            pj = period[j]
            for k in range(m):
                free = (st[k] == CUSTOMER) & (jr[k] < 0)
                mark[k] |= free & periodic_due(seed, lo + k, day, j, pj)
        elif trigger[j] == TRIGGER_RATE:
            ceiling = rate_ceiling[j]
            for k in range(m):
                free = (st[k] == CUSTOMER) & (jr[k] < 0)
                mark[k] |= free & (trigger_draw(seed, lo + k, day, j) < ceiling)
    for k in range(m):
        on_due = (st[k] == CUSTOMER) & (jr[k] >= 0) & (dd[k] == day)
        mark[k] |= on_due | (tk[k] != 0)


@njit(cache=True)
def gather(scratch: np.ndarray, n: int, n_visitors: np.ndarray, n_talkers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The morning's lists joined over chunks: ``(visitors in person order, talkers who make no
    contact today)``."""
    out_v = np.empty(n_visitors.sum(), dtype=np.int64)
    out_t = np.empty(n_talkers.sum(), dtype=np.int64)
    a = 0
    b = 0
    for c in range(n_visitors.shape[0]):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        for m in range(n_visitors[c]):
            out_v[a] = scratch[lo + m]
            a += 1
        for m in range(hi - n_talkers[c], hi):
            out_t[b] = scratch[m]
            b += 1
    return out_v, out_t


def after_service(
    runner: Runner,
    seed: int,
    day: int,
    p: People,
    v: Visits,
    segments: Segments,
    tps: Touchpoints,
    steps: Steps,
    rules: Rules,
    market: Market,
) -> tuple[int, int]:
    """Each of today's contacts after the queues, per visitor (distinct people), in blocks of
    visits on the runner's threads: phase 3's resolution and wow, phase 4's experience and journey
    advance, the journey remembered if it ended, then the visitor's talk (phase 5). Returns
    ``(journeys completed, given up)``."""
    done = runner.run(_after_service_blocks, v.person.shape[0], seed, day, p, v, segments, tps, steps, rules, market)
    return sum(d[0] for d in done), sum(d[1] for d in done)


@njit(cache=True, nogil=True)
def _after_service_blocks(
    n0: int,
    n1: int,
    seed: int,
    day: int,
    p: People,
    v: Visits,
    segments: Segments,
    tps: Touchpoints,
    steps: Steps,
    rules: Rules,
    market: Market,
) -> tuple[int, int]:
    """:func:`after_service` for visits ``n0 .. n1 - 1``: returns their ``(completed, given up)``."""
    v_abandoned = v.abandoned
    v_person = v.person
    v_resolved = v.resolved
    v_step = v.step
    v_switched = v.switched
    v_tp = v.tp
    v_wow = v.wow
    v_wait = v.wait
    v_value = v.value
    v_ces = v.ces
    v_target = v.target
    p_segment = p.segment
    p_contacts = p.contacts
    p_expectation = p.expectation
    p_memory = p.memory
    p_perf = p.perf
    p_step_index = p.step_index
    p_due_day = p.due_day
    p_retrying = p.retrying
    p_last_tp = p.last_tp
    p_last_channel = p.last_channel
    p_satisfaction = p.satisfaction
    p_bond = p.bond
    p_ltr = p.ltr
    p_failures = p.failures
    p_last_failure_day = p.last_failure_day
    p_journey = p.journey
    p_disposition = p.disposition
    p_status = p.status
    p_talk = p.talk
    p_resolve = tps.p_resolve
    p_wow = tps.p_wow
    quality = tps.quality
    kano = tps.kano
    tp_channel = tps.channel
    patience_mean = segments.patience_mean
    wow_extra = steps.wow_extra
    step_weight = steps.weight
    step_next = steps.next
    step_delay = steps.delay
    params = rules.params
    silo_penalty = rules.silo_penalty
    retry_delay = rules.retry_delay
    max_contacts = rules.max_contacts
    memory_rule = rules.memory_rule
    completed = 0
    failed = 0
    for n in range(n0, n1):
        i = v_person[n]
        tp, k = v_tp[n], v_step[n]
        abandoned = v_abandoned[n]
        resolved, wow = conclude_service(
            seed, i, day, v_switched[n], abandoned, p_resolve[tp], p_wow[tp], wow_extra[k], silo_penalty
        )
        v_resolved[n] = resolved
        v_wow[n] = wow
        value, ces, n_contacts = experience_contact(
            v_wait[n],
            patience_mean[p_segment[i], tp],
            p_contacts[i],
            v_switched[n],
            abandoned,
            resolved,
            wow,
            quality,
            tp,
            kano[tp],
            step_weight[k],
            p_expectation,
            p_memory,
            p_perf,
            i,
            params,
        )
        v_value[n] = value
        v_ces[n] = ces
        p_contacts[i] = n_contacts
        target, k_next, due, retry = advance_journey(
            k,
            contact_outcome(abandoned, resolved),
            n_contacts,
            day,
            p_due_day[i],
            p_retrying[i],
            step_next,
            step_delay,
            retry_delay,
            max_contacts,
        )
        v_target[n] = target
        p_step_index[i] = k_next
        p_due_day[i] = due
        p_retrying[i] = retry
        p_last_tp[i] = tp
        p_last_channel[i] = tp_channel[tp]
        if journey_ends(target):
            gave_up = target == NEXT_GIVE_UP
            sat, bond, answer, failures, last_failure = finish_journey(
                gave_up,
                day,
                p_satisfaction[i],
                p_bond[i],
                p_expectation,
                p_memory,
                p_perf,
                i,
                n_contacts,
                p_failures[i],
                p_last_failure_day[i],
                p_disposition[i],
                memory_rule,
                params,
            )
            p_satisfaction[i] = sat
            p_bond[i] = bond
            p_ltr[i] = answer
            p_failures[i] = failures
            p_last_failure_day[i] = last_failure
            p_journey[i] = -1
            if gave_up:
                failed += 1
            else:
                completed += 1
        p_talk[i] = talks_today(seed, i, day, p_status[i], p_ltr[i], market)
    return completed, failed


@njit(cache=True)
def tell(
    talkers: np.ndarray,
    visitors: np.ndarray,
    talk: np.ndarray,
    complete: bool,
    indptr: np.ndarray,
    indices: np.ndarray,
    pos: np.ndarray,
    neg: np.ndarray,
) -> tuple[int, int, int, int]:
    """Today's messages from today's talkers (``talkers``, and those of ``visitors`` who talk) into
    ``pos`` and ``neg`` (zero before: :func:`evening` zeroes them); as ``deliver_wom``, which visits everyone.

    Returns:
        ``(positive talkers, negative talkers, positive messages, negative messages)``.
    """
    counts = np.zeros(4, dtype=np.int64)
    _tell_list(talkers, talk, complete, indptr, indices, pos, neg, counts)
    _tell_list(visitors, talk, complete, indptr, indices, pos, neg, counts)
    n = talk.shape[0]
    if complete:
        return counts[0], counts[1], counts[0] * (n - 1), counts[1] * (n - 1)
    return counts[0], counts[1], counts[2], counts[3]


@njit(cache=True, inline="always")
def _tell_list(
    who: np.ndarray,
    talk: np.ndarray,
    complete: bool,
    indptr: np.ndarray,
    indices: np.ndarray,
    pos: np.ndarray,
    neg: np.ndarray,
    counts: np.ndarray,
) -> None:
    for m in range(who.shape[0]):
        i = who[m]
        t = talk[i]
        if t == 0:
            continue
        side = 0 if t > 0 else 1
        counts[side] += 1
        if not complete:
            counts[2 + side] += tell_neighbours(i, t, indptr, indices, pos, neg)


def evening(
    runner: Runner,
    seed: int,
    day: int,
    p: People,
    heard: Heard,
    onboarding: int,
    market: Market,
    segments: Segments,
    params: np.ndarray,
    churn_terms: ChurnCeiling,
    indptr: np.ndarray,
    indices: np.ndarray,
    talkers: np.ndarray,
    counts: np.ndarray,
    by_segment: np.ndarray,
) -> None:
    """Phases 6 (adoption), 7 (attitudes from WOM), 8 (churn) and 9's people counts, per person in
    that order, chunk by chunk on the runner's threads. Chunk ``c`` writes its counts into
    ``counts[c]`` (:data:`EVENING_COUNTS`) and its customers per segment into ``by_segment[c]``.
    Then every message count is zero again (what today's word of mouth wrote, :func:`tell`:
    nothing reads it after this phase)."""
    # NOTE: may_churn's ceiling takes the highest segment multiplier: the hazard grows with it,
    # so the pre-check stays exact without a look-up by segment (which stops vectorisation).
    max_multiplier = float(segments.churn_multiplier.max())
    runner.run(
        _evening_blocks, counts.shape[0], seed, day, p, heard, onboarding, market, segments.churn_multiplier,
        max_multiplier, params, churn_terms, indptr, indices, talkers, counts, by_segment,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _evening_blocks(
    c0: int,
    c1: int,
    seed: int,
    day: int,
    p: People,
    heard: Heard,
    onboarding: int,
    market: Market,
    churn_multiplier: np.ndarray,
    max_multiplier: float,
    params: np.ndarray,
    churn_terms: ChurnCeiling,
    indptr: np.ndarray,
    indices: np.ndarray,
    talkers: np.ndarray,
    counts: np.ndarray,
    by_segment: np.ndarray,
) -> None:
    """:func:`evening` for chunks ``c0 .. c1 - 1``."""
    n = p.status.shape[0]
    for c in range(c0, c1):
        lo = c * CHUNK
        hi = min(lo + CHUNK, n)
        _evening_chunk(
            seed, day, lo, hi, p, heard, onboarding, market, churn_multiplier, max_multiplier,
            params, churn_terms, indptr, indices, talkers, counts[c], by_segment[c],
        )  # fmt: skip


@njit(cache=True)
def _evening_chunk(
    seed: int,
    day: int,
    lo: int,
    hi: int,
    p: People,
    heard: Heard,
    onboarding: int,
    market: Market,
    churn_multiplier: np.ndarray,
    max_multiplier: float,
    params: np.ndarray,
    churn_terms: ChurnCeiling,
    indptr: np.ndarray,
    indices: np.ndarray,
    talkers: np.ndarray,
    counts: np.ndarray,
    by_segment: np.ndarray,
) -> None:
    """:func:`evening` for people ``lo .. hi - 1``, its counts into ``counts`` and ``by_segment``.

    A first set of loops without branches (they vectorise, keyed draws included) finds who has
    anything to do today: heard WOM, or a draw under the ceiling of their adoption or churn hazard
    (:func:`may_adopt`, :func:`may_churn`: exact pre-checks). Only they run the phases; everyone
    else keeps their state. The counts are taken after the phases, over everyone."""
    complete = heard.complete
    talkers_pos = heard.talkers_pos
    talkers_neg = heard.talkers_neg
    m = hi - lo
    # NOTE: views indexed from 0 (see _mark_morning: numba vectorises those loops only)
    st = p.status[lo:hi]
    sat = p.satisfaction[lo:hi]
    bnd = p.bond[lo:hi]
    acq_day = p.acquired_day[lo:hi]
    acq_via = p.acquired_via[lo:hi]
    fails = p.failures[lo:hi]
    last_fail = p.last_failure_day[lo:hi]
    tk = heard.talk[lo:hi]
    pos = heard.pos[lo:hi]  # empty with complete mixing (not read then)
    neg = heard.neg[lo:hi]
    n_pos = np.empty(m, dtype=np.int32)
    n_neg = np.empty(m, dtype=np.int32)
    for k in range(m):
        n_pos[k], n_neg[k] = heard_messages(k, complete, talkers_pos, talkers_neg, tk, pos, neg)
    u = np.empty(m)  # a prospect's adoption draw, a customer's churn draw
    prefixes = evening_prefixes(seed)
    for k in range(m):
        u[k] = evening_draw(prefixes, lo + k, day, st[k])
    work = np.empty(m, dtype=np.bool_)
    for k in range(m):
        s = st[k]
        work[k] = (
            wom_reaches(s, n_pos[k], n_neg[k])
            | may_adopt(u[k], s, n_pos[k], market)
            | may_churn(
                u[k],
                day,
                s,
                acq_day[k],
                acq_via[k],
                sat[k],
                bnd[k],
                fails[k],
                last_fail[k],
                max_multiplier,
                churn_terms,
            )
        )
    status = p.status
    segment = p.segment
    satisfaction = p.satisfaction
    bond = p.bond
    ltr = p.ltr
    acquired_day = p.acquired_day
    acquired_via = p.acquired_via
    c_marketing = 0
    c_referral = 0
    c_attributed = 0
    c_churned = 0
    for k in range(m):
        if not work[k]:
            continue
        i = lo + k
        st_i = status[i]
        np_i = int(n_pos[k])
        nn_i = int(n_neg[k])
        # phase 6: acquisition
        if st_i == PROSPECT:
            adopted, via, onboards, answer = consider_adoption(
                seed, i, day, st_i, np_i, nn_i, satisfaction[i], bond[i], onboarding, market, params
            )
            if adopted:
                st_i = CUSTOMER
                status[i] = st_i
                acquired_day[i] = day
                acquired_via[i] = via
                p.pending_onboarding[i] = onboards
                ltr[i] = answer
                if via == VIA_REFERRAL:
                    c_referral += 1
                    j = pick_referrer(seed, i, day, np_i, complete, indptr, indices, heard.talk, talkers)
                    p.referred_by[i] = j
                    if j >= 0:
                        c_attributed += 1
                else:
                    c_marketing += 1
        # phase 7: attitudes from word of mouth
        if wom_reaches(st_i, np_i, nn_i):
            b, answer = hear_wom(st_i, np_i, nn_i, satisfaction[i], bond[i], ltr[i], p.expectation[i], market, params)
            bond[i] = b
            ltr[i] = answer
        # phase 8: churn. NOTE: the pre-check again, with the bond WOM left (most of these people
        # are here for WOM only). A customer who adopted today fails it whatever u[k] (their
        # adoption draw): nobody leaves on the day they joined.
        a_day, a_via, f_i, lf_i = acquired_day[i], acquired_via[i], p.failures[i], p.last_failure_day[i]
        may = may_churn(u[k], day, st_i, a_day, a_via, satisfaction[i], bond[i], f_i, lf_i, max_multiplier, churn_terms)
        if may and churns_today(
            seed, i, day, st_i, a_day, a_via, satisfaction[i], bond[i], f_i, lf_i, churn_multiplier[segment[i]], params
        ):
            status[i] = CHURNED
            p.journey[i] = -1
            p.step_index[i] = -1
            p.pending_onboarding[i] = False
            p.left_day[i] = day
            c_churned += 1
    # phase 9: the people tally (the float sum is sequential, elsewhere), over the day's end state
    lt = ltr[lo:hi]
    sg = segment[lo:hi]
    c_pro = 0
    c_cus = 0
    c_prm = 0
    c_det = 0
    for k in range(m):
        a, cu, pr, de = person_counts(st[k], lt[k])
        c_pro += a
        c_cus += cu
        c_prm += pr
        c_det += de
    for g in range(by_segment.shape[0]):
        n_g = 0
        for k in range(m):
            n_g += (sg[k] == g) & (st[k] == CUSTOMER)
        by_segment[g] = n_g
    if not complete:  # today's messages are spent
        pos[:] = 0
        neg[:] = 0
    counts[0] = c_pro
    counts[1] = c_cus
    counts[2] = c_prm
    counts[3] = c_det
    counts[4] = c_marketing
    counts[5] = c_referral
    counts[6] = c_attributed
    counts[7] = c_churned
