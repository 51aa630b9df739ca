"""The vector engine's fused day (cxsim.engines.vector_day) against the brute-force phases.

The morning pass lists today's visitors and talkers instead of the engine scanning the market
for them; word of mouth is delivered from those lists and the counts zeroed where they were
written; churn is decided after an exact pre-check. Each is checked here against the plain
definition on every day of small runs, and the pre-check against the hazard itself.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

import cxsim
import cxsim.engines.vector as vector
from cxsim.engines.vector import VectorModel
from cxsim.kernels.behaviour import (
    churn_ceiling,
    churn_exp_ceiling,
    churn_hazard,
    churn_hazard_ceiling,
    decayed_failures,
)
from cxsim.kernels.codes import CHURNED, CUSTOMER, PROSPECT, VIA_MARKETING, VIA_REFERRAL
from cxsim.kernels.params import (
    CHURN_BASE,
    CHURN_BOND_SENS,
    CHURN_FAIL_WEIGHT,
    CHURN_REF_BOND,
    CHURN_REF_SAT,
    CHURN_SAT_SENS,
)
from cxsim.kernels.population import churn_draw, churns_today, evening_draw, evening_prefixes, may_churn
from cxsim.kernels.wom import adoption_draw, deliver_wom
from cxsim.spec import compile_spec
from tests.test_equivalence import CASES

SMALL = ["population.size=2000", "simulation.days=30", "simulation.warmup_days=0", "simulation.progress=false"]


@pytest.mark.parametrize("case", ["default", "closed_days", "scale_free", "complete_mixing", "periodic"])
def test_lists_and_counts_equal_the_brute_force_scans(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """Every day: the visitors are exactly the customers due today (in person order), the talkers
    listed in the morning are exactly those who talk and make no contact, the messages delivered
    from the lists equal ``deliver_wom`` over everyone, and after the day every count is zero."""
    model = VectorModel(spec=compile_spec(cxsim.load_config(SMALL + CASES[case])))
    p, net = model.people, model.network
    seen = {"visitors": 0, "talkers": 0, "messages": 0}
    gather, evening = vector.gather, vector.evening

    def checked_gather(*args: object) -> tuple[np.ndarray, np.ndarray]:
        who, talkers = gather(*args)  # type: ignore[arg-type]
        due = np.flatnonzero((p.status == CUSTOMER) & (p.journey >= 0) & (p.due_day == model.day))
        np.testing.assert_array_equal(who, due)
        quiet = np.ones(p.talk.shape[0], dtype=bool)
        quiet[due] = False
        np.testing.assert_array_equal(np.sort(talkers), np.flatnonzero((p.talk != 0) & quiet))
        seen["visitors"] += who.shape[0]
        seen["talkers"] += talkers.shape[0]
        return who, talkers

    def checked_evening(*args: object) -> None:
        heard = args[4]  # (runner, seed, day, people, heard, ...)
        n = p.talk.shape[0]
        pos = np.zeros(0 if net.complete else n, dtype=np.int32)
        neg = np.zeros(0 if net.complete else n, dtype=np.int32)
        t_pos, t_neg, _, _ = deliver_wom(p.talk, net.complete, net.indptr, net.indices, pos, neg)
        assert (heard.talkers_pos, heard.talkers_neg) == (t_pos, t_neg)  # type: ignore[attr-defined]
        np.testing.assert_array_equal(heard.pos, pos)  # type: ignore[attr-defined]
        np.testing.assert_array_equal(heard.neg, neg)  # type: ignore[attr-defined]
        seen["messages"] += int(pos.sum() + neg.sum()) if not net.complete else t_pos + t_neg
        evening(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(vector, "gather", checked_gather)
    monkeypatch.setattr(vector, "evening", checked_evening)
    for _ in range(30):
        model.step()
        assert not model._pos.any() and not model._neg.any()  # forgotten: tomorrow starts from zero
    assert min(seen.values()) > 0, seen  # every list was exercised


def _churn_inputs(rng: np.random.Generator, n: int) -> list[tuple[float, float, float, float, int, bool]]:
    sat = rng.uniform(0.0, 1.0, n)
    bond = rng.uniform(0.0, 1.0, n)
    sat[:10], bond[:10] = 0.0, 0.0  # the ceiling's own corner
    failures = np.where(rng.uniform(size=n) < 0.5, 0.0, rng.exponential(2.0, n))
    since = rng.integers(0, 400, n)
    mult = rng.choice([0.0, 0.5, 1.0, 3.0], n)
    referred = rng.uniform(size=n) < 0.5
    return list(zip(sat, bond, failures, mult, since, referred, strict=True))


@pytest.mark.parametrize("overrides", [[], ["behaviour.churn.base_daily=0.05", "behaviour.churn.failure_weight=5"]])
def test_churn_ceiling_is_above_the_hazard(overrides: list[str]) -> None:
    """The ceiling bounds the hazard for every satisfaction and bond in [0, 1], decay and segment."""
    params = compile_spec(cxsim.load_config(["population.size=100", *overrides])).params
    ceiling = churn_exp_ceiling(params)
    assert ceiling == math.exp(
        params[CHURN_SAT_SENS] * params[CHURN_REF_SAT] + params[CHURN_BOND_SENS] * params[CHURN_REF_BOND]
    )
    for sat, bond, failures, mult, since, referred in _churn_inputs(np.random.default_rng(7), 20_000):
        h = churn_hazard(sat, bond, decayed_failures(failures, float(since), params), mult, referred, params)
        assert h <= churn_hazard_ceiling(churn_ceiling(params), mult, referred, failures)
    at_zero = churn_hazard(0.0, 0.0, 2.0, 1e-3, False, params)  # below the cap of 1
    assert at_zero <= churn_hazard_ceiling(churn_ceiling(params), 1e-3, False, 2.0) <= at_zero * (1 + 1e-11)  # tight


def test_churn_ceiling_gives_up_on_negative_factors() -> None:
    """With a negative factor the products are not monotone: no ceiling (infinite)."""
    params = compile_spec(cxsim.load_config(["population.size=100"])).params.copy()
    params[CHURN_SAT_SENS] = -1.0
    assert churn_exp_ceiling(params) == math.inf
    params = compile_spec(cxsim.load_config(["population.size=100"])).params.copy()
    for index in (CHURN_BASE, CHURN_FAIL_WEIGHT):
        bad = params.copy()
        bad[index] = -0.1
        assert churn_hazard_ceiling(churn_ceiling(bad), 1.0, False, 1.0) == math.inf


@njit
def _evening_draws(seed: int, day: int, status: np.ndarray) -> np.ndarray:
    out = np.empty(status.shape[0])
    prefixes = evening_prefixes(seed)
    for i in range(status.shape[0]):
        out[i] = evening_draw(prefixes, i, day, status[i])
    return out


def test_evening_draw_is_the_adoption_or_the_churn_draw() -> None:
    """The evening's one draw per person is a prospect's adoption draw and anyone else's churn
    draw, bit for bit (the pre-checks and the rules then decide on the same numbers)."""
    status = np.array([PROSPECT, CUSTOMER, CHURNED] * 200, dtype=np.int8)
    for seed, day in [(7, 1), (1000, 365), (2**40, 1914)]:
        got = _evening_draws(seed, day, status)
        draw = {PROSPECT: adoption_draw, CUSTOMER: churn_draw, CHURNED: churn_draw}
        want = [draw[int(s)](seed, i, day) for i, s in enumerate(status)]
        assert [float(v) for v in got] == want


def test_may_churn_never_hides_a_churn() -> None:
    """The pre-check says no only where the decision is no, and lets through every churn."""
    params = compile_spec(cxsim.load_config(["population.size=100", "behaviour.churn.base_daily=0.02"])).params
    terms = churn_ceiling(params)
    rng = np.random.default_rng(11)
    churns = skipped = 0
    for i, (sat, bond, failures, mult, since, referred) in enumerate(_churn_inputs(rng, 30_000)):
        day = 400
        via = VIA_REFERRAL if referred else VIA_MARKETING
        args = (day, CUSTOMER, 0, via, sat, bond, failures, day - since, mult)
        decided = churns_today(7, i, *args, params)
        maybe = may_churn(churn_draw(7, i, day), *args, terms)
        assert maybe or not decided
        # as the engine calls it: with the highest segment multiplier in place of the person's
        assert may_churn(churn_draw(7, i, day), *args[:-1], 3.0, terms) or not decided
        churns += decided
        skipped += not maybe
    assert churns > 1000 and skipped > 5000  # both sides exercised
    # outside the ceiling's premises the pre-check always lets the hazard decide
    params = compile_spec(cxsim.load_config(["population.size=100"])).params  # ceilings well below 0.99
    terms = churn_ceiling(params)
    assert may_churn(0.99, 10, CUSTOMER, 0, VIA_MARKETING, -0.01, 0.5, 0.0, 0, 1.0, terms)
    assert may_churn(0.99, 10, CUSTOMER, 0, VIA_MARKETING, 0.5, 0.5, 1.0, 11, 1.0, terms)
    assert not may_churn(0.99, 10, CUSTOMER, 0, VIA_MARKETING, 0.5, 0.5, 1.0, 5, 1.0, terms)
    assert not may_churn(1e-9, 10, CUSTOMER, 10, VIA_MARKETING, 0.0, 0.0, 9.0, 0, 1.0, terms)  # joined today
    assert not may_churn(1e-9, 10, PROSPECT, 0, VIA_MARKETING, 0.0, 0.0, 9.0, 0, 1.0, terms)


@pytest.mark.parametrize("case", ["default", "periodic", "weekday_factors"])
def test_the_morning_marks_everyone_with_something_to_do(case: str) -> None:
    """The morning's branch-free marking (``_mark_morning``, with each journey's start
    probability at its highest over segments) leaves out nobody whom phase 1 would start on a
    journey, nobody due today and nobody who talks; and it marks few people, or it saves nothing."""
    from cxsim.engines.vector_day import _mark_morning
    from cxsim.kernels.journey import journey_to_start, visits_today
    from cxsim.kernels.week import weekday, weekday_rate

    spec = compile_spec(cxsim.load_config(SMALL + CASES[case]))
    model = VectorModel(spec=spec)
    p, j, seg = model.people, spec.journeys, spec.segments
    n = spec.size
    starts = extra = 0
    for _ in range(30):
        model.step()
        day = model.day + 1  # tomorrow's morning, on tonight's state
        factor = float(j.weekday_factor[weekday(spec.start_weekday, day)])
        ceiling = np.array([weekday_rate(float(seg.journey_rate[:, k].max()), factor) for k in range(len(j.trigger))])
        talk = np.array([(k % 7) == 0 for k in range(n)], dtype=np.int8)  # someone talks
        mark = np.zeros(n, dtype=np.bool_)
        _mark_morning(
            spec.seed, day, 0, n, p.status, p.journey, p.pending_onboarding, p.due_day, talk, j.trigger, j.period,
            ceiling, mark,
        )  # fmt: skip
        for i in range(n):
            start = journey_to_start(
                spec.seed, i, day, int(p.status[i]), int(p.journey[i]), int(p.segment[i]),
                bool(p.pending_onboarding[i]), j.trigger, j.onboarding, seg.journey_rate, factor, j.period,
            )  # fmt: skip
            due = visits_today(day, int(p.status[i]), int(p.journey[i]), int(p.due_day[i]))
            needed = start >= 0 or due or talk[i] != 0
            assert mark[i] or not needed, (day, i)
            starts += start >= 0
            extra += mark[i] and not needed
    assert starts > 50  # journeys did start: the check was exercised
    assert extra < 0.01 * n * 30  # beyond those with something to do, few are marked
