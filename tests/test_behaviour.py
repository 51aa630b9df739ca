"""Behavioural, word-of-mouth and journey kernels: signs, bounds, asymmetries and hand-worked examples.

Covers every function of ``cxsim.kernels.behaviour``, ``cxsim.kernels.wom`` and
``cxsim.kernels.journey`` with the default ``BehaviourConfig`` parameters unless a test says otherwise.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from cxsim.config.schema import BehaviourConfig, KanoFactors
from cxsim.kernels.behaviour import (
    DETRACTOR,
    PASSIVE,
    PROMOTER,
    adapt_expectation,
    ces_score,
    churn_hazard,
    clip,
    decayed_failures,
    disconfirmation,
    effort_score,
    journey_value,
    kano_gain_loss,
    ltr_answer,
    ltr_score,
    memory_add,
    moment_value,
    nps_class,
    remembered_value,
    update_bond,
    update_satisfaction,
)
from cxsim.kernels.codes import (
    DIST_EXPONENTIAL,
    DIST_FIXED,
    DIST_LOGNORMAL,
    NEXT_DONE,
    NEXT_GIVE_UP,
    NEXT_RETRY,
    OUTCOME_ABANDONED,
    OUTCOME_RESOLVED,
    OUTCOME_UNRESOLVED,
)
from cxsim.kernels.journey import choose_touchpoint, end_of_journey, next_target, service_time
from cxsim.kernels.params import (
    KANO_ATTRACTIVE,
    KANO_MUST_BE,
    KANO_ONE_DIMENSIONAL,
    MEMORY_LINEAR,
    MEMORY_MEAN,
    MEMORY_PEAK_END,
    pack_behaviour,
)
from cxsim.kernels.wom import adoption_hazard, hype, referral_share, wom_bond
from cxsim.rng import STREAM_SERVICE, exponential, lognormal, uniform_array

B = BehaviourConfig()
KF = KanoFactors()
FAST = settings(deadline=None, max_examples=150)

unit = st.floats(0.0, 1.0, allow_nan=False)
signed = st.floats(-1.0, 1.0, allow_nan=False)
finite = st.floats(-1e6, 1e6, allow_nan=False)


def make_params(updates: dict[str, object] | None = None) -> np.ndarray:
    """The kernels' parameter vector of the default behaviour config, with dotted-key overrides."""
    cfg = OmegaConf.structured(BehaviourConfig)
    for key, value in (updates or {}).items():
        OmegaConf.update(cfg, key, value)
    return pack_behaviour(cfg)


P = make_params()


def memory_of(moments: list[float], weights: list[float] | None = None) -> tuple[float, float, float, float, float]:
    """Running memory after adding ``moments`` (weights default to 1) to an empty memory."""
    m = (0.0, 0.0, 0.0, 0.0, 0.0)
    for i, v in enumerate(moments):
        w = 1.0 if weights is None else weights[i]
        m = memory_add(*m, float(v), float(w))
    return m


def remember(moments: list[float], rule: int, params: np.ndarray = P, weights: list[float] | None = None) -> float:
    return remembered_value(*memory_of(moments, weights), rule, params)


def moment(
    q: tuple[float, float, float],
    e: tuple[float, float, float] = (0.5, 0.5, 0.5),
    kano: int = KANO_ONE_DIMENSIONAL,
    resolved: bool = True,
    wow: bool = False,
    effort: float = 0.0,
    params: np.ndarray = P,
) -> tuple[float, float, float, float]:
    return moment_value(q[0], q[1], q[2], e[0], e[1], e[2], kano, resolved, wow, effort, params)


# ================================================================ behaviour.py

# ---------------------------------------------------------------- clip, disconfirmation, Kano


@FAST
@given(finite, st.floats(-10, 10), st.floats(0, 10))
def test_clip_bounds(x: float, lo: float, width: float) -> None:
    """clip(x, lo, hi) lies in [lo, hi] and is x itself when x is already inside."""
    hi = lo + width
    y = clip(x, lo, hi)
    assert lo <= y <= hi
    if lo <= x <= hi:
        assert y == x


def test_disconfirmation_zero_when_expectation_met() -> None:
    """Performance equal to expectation gives zero disconfirmation."""
    assert disconfirmation(0.6, 0.6, 1.0, 2.0) == 0.0


@FAST
@given(unit, unit, st.floats(0.01, 3.0), st.floats(0.01, 3.0))
def test_disconfirmation_sign(perf: float, exp: float, gain: float, loss: float) -> None:
    """Disconfirmation has the sign of performance − expectation (or is 0 when weight·d underflows)."""
    d = disconfirmation(perf, exp, gain, loss)
    diff = perf - exp
    if abs(diff) > 1e-300:
        assert np.sign(d) == np.sign(diff)
    else:
        assert np.sign(d) in (0.0, np.sign(diff))


@FAST
@given(st.integers(1, 512))
def test_loss_weighs_loss_over_gain_times_a_gain(n: int) -> None:
    """A shortfall of d weighs loss_weight/gain_weight (= 2) times an excess of d."""
    d = n / 1024.0  # dyadic, so 0.5 ± d is exact
    g, lo = kano_gain_loss(KANO_ONE_DIMENSIONAL, P)
    gain = disconfirmation(0.5 + d, 0.5, g, lo)
    loss = disconfirmation(0.5 - d, 0.5, g, lo)
    assert gain > 0.0 > loss
    assert -loss / gain == B.loss_weight / B.gain_weight == 2.0


@pytest.mark.parametrize(
    ("kano", "gain", "loss"),
    [
        (KANO_MUST_BE, KF.must_be_gain, KF.must_be_loss),
        (KANO_ONE_DIMENSIONAL, KF.one_dimensional_gain, KF.one_dimensional_loss),
        (KANO_ATTRACTIVE, KF.attractive_gain, KF.attractive_loss),
    ],
)
def test_kano_gain_loss_is_factor_times_global_asymmetry(kano: int, gain: float, loss: float) -> None:
    """Each Kano class's weights are its KanoFactors defaults times gain_weight and loss_weight."""
    assert kano_gain_loss(kano, P) == (gain * B.gain_weight, loss * B.loss_weight)


def test_kano_must_be_gains_barely_count() -> None:
    """Must-be: exceeding expectations counts must_be_gain (¼) of one-dimensional; falling short counts fully."""
    up, down = (0.7, 0.7, 0.7), (0.3, 0.3, 0.3)  # ±0.2 on every dimension (weights sum to 1)
    one_up, must_up = moment(up)[0], moment(up, kano=KANO_MUST_BE)[0]
    one_down, must_down = moment(down)[0], moment(down, kano=KANO_MUST_BE)[0]
    assert must_up == pytest.approx(KF.must_be_gain / KF.one_dimensional_gain * one_up, rel=1e-12)
    assert must_up == pytest.approx(0.25 * 1.0 * 0.2, rel=1e-12)
    assert 0.0 < must_up < one_up
    assert must_down == pytest.approx(one_down, rel=1e-12)
    assert must_down == pytest.approx(-1.0 * 2.0 * 0.2, rel=1e-12)


def test_kano_attractive_losses_barely_count() -> None:
    """An attractive touchpoint: falling short counts attractive_loss (¼) of one-dimensional; exceeding counts 1.5×."""
    up, down = (0.7, 0.7, 0.7), (0.3, 0.3, 0.3)
    one_up, attr_up = moment(up)[0], moment(up, kano=KANO_ATTRACTIVE)[0]
    one_down, attr_down = moment(down)[0], moment(down, kano=KANO_ATTRACTIVE)[0]
    assert attr_down == pytest.approx(KF.attractive_loss / KF.one_dimensional_loss * one_down, rel=1e-12)
    assert one_down < attr_down < 0.0
    assert attr_up == pytest.approx(KF.attractive_gain / KF.one_dimensional_gain * one_up, rel=1e-12)
    assert attr_up > one_up


# ---------------------------------------------------------------- effort


def test_effort_zero_when_nothing_happens() -> None:
    """No wait, no repeat, no switch, no abandonment: zero effort."""
    assert effort_score(0.0, 3.0, 0, False, False, P) == 0.0


def test_effort_components() -> None:
    """Each effort component alone contributes its weight: a wait of one mean patience counts effort.wait."""
    pm = 4.0
    assert effort_score(pm, pm, 0, False, False, P) == B.effort.wait
    assert effort_score(2.0, pm, 0, False, False, P) == pytest.approx(B.effort.wait * 0.5)
    assert effort_score(0.0, pm, 3, False, False, P) == pytest.approx(3 * B.effort.repeat)
    assert effort_score(0.0, pm, 0, True, False, P) == B.effort.switch
    assert effort_score(0.0, pm, 0, False, True, P) == B.effort.abandon


@FAST
@given(st.floats(0, 600), st.floats(0.1, 30), st.integers(0, 10), st.booleans(), st.booleans())
def test_effort_components_add_up(wait: float, pm: float, repeats: int, switched: bool, abandoned: bool) -> None:
    """Effort is ≥ 0 and the sum of its wait, repeat, switch and abandon components."""
    total = effort_score(wait, pm, repeats, switched, abandoned, P)
    parts = (
        effort_score(wait, pm, 0, False, False, P)
        + effort_score(0.0, pm, repeats, False, False, P)
        + effort_score(0.0, pm, 0, switched, False, P)
        + effort_score(0.0, pm, 0, False, abandoned, P)
    )
    assert total >= 0.0
    assert total == pytest.approx(parts, rel=1e-12, abs=1e-12)


def test_ces_score_hand_values() -> None:
    """CES maps effort 0 to 1, effort 1 to 4 and effort 2 to 5."""
    assert ces_score(0.0) == 1.0
    assert ces_score(1.0) == 4.0
    assert ces_score(2.0) == 5.0


@FAST
@given(st.floats(0, 1e12), st.floats(0, 1e12))
def test_ces_score_bounded_and_monotone(a: float, b: float) -> None:
    """CES lies in [1, 7) and never decreases with effort."""
    lo, hi = min(a, b), max(a, b)
    assert 1.0 <= ces_score(lo) <= ces_score(hi) < 7.0


# ---------------------------------------------------------------- moment value


def test_moment_value_zero_when_expectations_met() -> None:
    """Resolved, effortless, no wow and performance equal to expectation: value 0, perceived = quality."""
    assert moment((0.5, 0.5, 0.5)) == (0.0, 0.5, 0.5, 0.5)


def test_moment_value_hand_example() -> None:
    """Product +0.2 and brand −0.1 against 0.5: 0.5·1·0.2 + 0.2·2·(−0.1) = 0.06."""
    assert moment((0.7, 0.5, 0.4))[0] == pytest.approx(0.06, abs=1e-12)


@FAST
@given(
    st.tuples(unit, unit, unit),
    st.tuples(unit, unit, unit),
    st.sampled_from([KANO_MUST_BE, KANO_ONE_DIMENSIONAL, KANO_ATTRACTIVE]),
    st.booleans(),
    st.booleans(),
    st.floats(0, 100),
    st.floats(0.5, 10),
)
def test_moment_value_clipped(
    q: tuple, e: tuple, kano: int, resolved: bool, wow: bool, eff: float, scale: float
) -> None:
    """A moment's value stays in [-1, 1] even with amplified weights."""
    params = make_params({"loss_weight": 2.0 * scale, "gain_weight": scale, "wow_boost": scale})
    v = moment(q, e, kano, resolved, wow, eff, params)[0]
    assert -1.0 <= v <= 1.0


def test_moment_value_saturates_at_bounds() -> None:
    """A very bad contact is exactly −1 and a very good one exactly +1 after clipping."""
    params = make_params({"loss_weight": 20.0, "gain_weight": 20.0})
    assert moment((0.0, 0.0, 0.0), (1.0, 1.0, 1.0), params=params)[0] == -1.0
    assert moment((1.0, 1.0, 1.0), (0.0, 0.0, 0.0), params=params)[0] == 1.0


def test_unresolved_cuts_product_performance() -> None:
    """An unresolved need cuts perceived product performance by unresolved_drop; interaction and brand are unchanged."""
    q = (0.8, 0.6, 0.7)
    v_ok, pp_ok, pi_ok, pb_ok = moment(q)
    v_no, pp_no, pi_no, pb_no = moment(q, resolved=False)
    assert pp_ok == 0.8
    assert pp_no == pytest.approx(0.8 * (1.0 - B.unresolved_drop))
    assert (pi_no, pb_no) == (pi_ok, pb_ok) == (0.6, 0.7)
    # product falls from +0.3 to −0.1 against 0.5: 0.5·(1·0.3 − 2·(−0.1)) lower
    assert v_no == pytest.approx(v_ok - 0.5 * (0.3 + 2.0 * 0.1), abs=1e-12)


def test_wow_adds_wow_boost() -> None:
    """A wow moment adds exactly wow_boost (away from the clip bounds)."""
    q = (0.45, 0.5, 0.5)
    assert moment(q, wow=True)[0] - moment(q)[0] == pytest.approx(B.wow_boost, abs=1e-12)


def test_effort_lowers_moment_by_impact_share() -> None:
    """Effort E subtracts impact·E/(1+E) from the moment: E = 1 costs 0.15 with impact 0.3."""
    q = (0.5, 0.5, 0.5)
    assert moment(q, effort=1.0)[0] == pytest.approx(-B.effort.impact * 0.5, abs=1e-12)


@FAST
@given(st.tuples(unit, unit, unit), st.tuples(unit, unit, unit), st.floats(0, 5), st.floats(0, 5))
def test_moment_value_falls_with_effort(q: tuple, e: tuple, e1: float, e2: float) -> None:
    """More effort never makes a moment better."""
    lo, hi = min(e1, e2), max(e1, e2)
    assert moment(q, e, effort=hi)[0] <= moment(q, e, effort=lo)[0]


# ---------------------------------------------------------------- memory


def test_memory_add_from_empty() -> None:
    """The first moment initialises sum, weight, peaks and end."""
    assert memory_add(0.0, 0.0, 0.0, 0.0, 0.0, -0.3, 2.0) == (-0.6, 2.0, -0.6, -0.6, -0.6)


def test_memory_add_weighted_hand_example() -> None:
    """Moments 0.2 (weight 1) then −0.3 (weight 2): sum −0.4, weight 3, max 0.2, min −0.6, end −0.6."""
    m = memory_of([0.2, -0.3], [1.0, 2.0])
    assert m == pytest.approx((-0.4, 3.0, 0.2, -0.6, -0.6), abs=1e-12)
    assert remembered_value(*m, MEMORY_MEAN, P) == pytest.approx(-0.4 / 3.0)
    assert remembered_value(*m, MEMORY_PEAK_END, P) == pytest.approx(-0.6)


def test_memory_weighted_moment_clipped_for_peaks() -> None:
    """weight·value is clipped to [-1, 1] for the peaks and the end, but not in the weighted sum."""
    m = memory_of([0.5, 0.1], [3.0, 1.0])
    assert m == pytest.approx((1.6, 4.0, 1.0, 0.1, 0.1))


def test_peak_end_worked_example() -> None:
    """Moments −0.2, −0.8, −0.4: peak −0.8, end −0.4, remembered (−0.8 − 0.4)/2 = −0.6; mean rule −1.4/3."""
    m = memory_of([-0.2, -0.8, -0.4])
    assert m == pytest.approx((-1.4, 3.0, -0.2, -0.8, -0.4))
    assert remembered_value(*m, MEMORY_PEAK_END, P) == pytest.approx(-0.6)
    assert remembered_value(*m, MEMORY_MEAN, P) == pytest.approx(-1.4 / 3.0)


def test_peak_end_positive_peak() -> None:
    """The peak is the most intense moment whatever its sign: 0.9, −0.3, 0.1 → (0.9 + 0.1)/2 = 0.5."""
    assert remember([0.9, -0.3, 0.1], MEMORY_PEAK_END) == pytest.approx(0.5)


def test_peak_end_kahneman_1993_longer_trial_remembered_better() -> None:
    """Kahneman et al. 1993: appending a milder but still negative moment improves the peak-end memory
    although the total (and here also the mean) experience gets worse."""
    short = [-0.3, -0.8, -0.8]
    long = [*short, -0.7]
    m_short, m_long = memory_of(short), memory_of(long)
    assert m_long[0] < m_short[0]  # more total discomfort
    assert remembered_value(*m_long, MEMORY_MEAN, P) < remembered_value(*m_short, MEMORY_MEAN, P)
    pe_short = remembered_value(*m_short, MEMORY_PEAK_END, P)
    pe_long = remembered_value(*m_long, MEMORY_PEAK_END, P)
    assert pe_short == pytest.approx(-0.8)
    assert pe_long == pytest.approx(-0.75)
    assert pe_long > pe_short


def test_mean_rule() -> None:
    """The mean rule remembers the plain (weight-1) average: 0.6, −0.4, 0.2 → 0.4/3."""
    assert remember([0.6, -0.4, 0.2], MEMORY_MEAN) == pytest.approx(0.4 / 3.0)


def test_linear_rule_hand_numbers() -> None:
    """Linear rule 0.5·mean + 0.25·max(peak⁺,0) + 0.25·min(peak⁻,0) + 0·end on 0.6, −0.4, 0.2 = 0.11667."""
    expected = 0.5 * (0.4 / 3.0) + 0.25 * 0.6 + 0.25 * -0.4 + 0.0 * 0.2
    assert remember([0.6, -0.4, 0.2], MEMORY_LINEAR) == pytest.approx(expected, abs=1e-12)
    assert expected == pytest.approx(0.116667, abs=1e-6)


def test_linear_rule_end_weight_and_one_sided_peaks() -> None:
    """With end_weight 0.5 the end adds 0.5·end; all-negative moments give no positive-peak term."""
    params = make_params({"memory.end_weight": 0.5})
    assert remember([0.6, -0.4, 0.2], MEMORY_LINEAR, params) == pytest.approx(0.116667 + 0.1, abs=1e-6)
    # −0.2, −0.6: 0.5·(−0.4) + 0.25·0 + 0.25·(−0.6) = −0.35
    assert remember([-0.2, -0.6], MEMORY_LINEAR) == pytest.approx(-0.35)


@pytest.mark.parametrize("rule", [MEMORY_PEAK_END, MEMORY_MEAN, MEMORY_LINEAR])
def test_remembered_value_empty_memory_is_zero(rule: int) -> None:
    """An empty memory is remembered as 0 under every rule."""
    assert remembered_value(0.0, 0.0, 0.0, 0.0, 0.0, rule, P) == 0.0


@FAST
@given(
    st.lists(st.tuples(signed, st.floats(0.1, 3.0)), min_size=1, max_size=12),
    st.sampled_from([MEMORY_PEAK_END, MEMORY_MEAN, MEMORY_LINEAR]),
)
def test_remembered_value_bounded(moments: list[tuple[float, float]], rule: int) -> None:
    """Any moments and weights are remembered in [-1, 1]; peak-end lies within the clipped moments."""
    values = [v for v, _ in moments]
    weights = [w for _, w in moments]
    r = remember(values, rule, weights=weights)
    assert -1.0 <= r <= 1.0
    if rule == MEMORY_PEAK_END:
        clipped = [max(-1.0, min(1.0, v * w)) for v, w in moments]
        assert min(clipped) - 1e-12 <= r <= max(clipped) + 1e-12


def test_journey_value_give_up_penalty() -> None:
    """A given-up journey is remembered give_up_penalty lower (clipped at −1); a finished one unchanged."""
    assert journey_value(0.2, False, P) == 0.2
    assert journey_value(0.2, True, P) == pytest.approx(0.2 - B.give_up_penalty)
    assert journey_value(-0.9, True, P) == -1.0


# ---------------------------------------------------------------- satisfaction, expectations, bond, LTR


def test_update_satisfaction_hand_example() -> None:
    """S 0.5 after journey 0.2: target 0.75 + 0.5·0.2 = 0.85, S' = 0.5 + 0.3·0.35 = 0.605."""
    assert update_satisfaction(0.5, 0.2, P) == pytest.approx(0.605)


def test_update_satisfaction_disposition_shifts_target() -> None:
    """A disposition d shifts the target to confirmation + d + slope·J: S 0.5, J 0.2, d 0.1 → 0.5 + 0.3·0.45."""
    assert update_satisfaction(0.5, 0.2, P, 0.1) == pytest.approx(0.635)
    assert update_satisfaction(0.5, 0.2, P, 0.0) == update_satisfaction(0.5, 0.2, P)
    assert update_satisfaction(0.9, 0.8, P, 0.5) == pytest.approx(0.9 + 0.3 * (1.0 - 0.9))  # target clipped at 1


def test_update_satisfaction_confirmation_is_fixed_point() -> None:
    """A journey of value 0 (expectations confirmed) keeps S at confirmation_satisfaction."""
    s = B.confirmation_satisfaction
    assert update_satisfaction(s, 0.0, P) == s


@FAST
@given(unit, signed)
def test_update_satisfaction_moves_toward_target(s: float, j: float) -> None:
    """S moves a share satisfaction_rate of the way to clip(confirmation + slope·J, 0, 1), staying in [0, 1]."""
    target = min(1.0, max(0.0, B.confirmation_satisfaction + B.satisfaction_slope * j))
    s2 = update_satisfaction(s, j, P)
    assert min(s, target) - 1e-12 <= s2 <= max(s, target) + 1e-12
    assert s2 - s == pytest.approx(B.satisfaction_rate * (target - s), abs=1e-12)
    assert 0.0 <= s2 <= 1.0


@FAST
@given(unit, signed, signed)
def test_update_satisfaction_monotone_in_journey(s: float, j1: float, j2: float) -> None:
    """A better journey never leaves satisfaction lower."""
    lo, hi = min(j1, j2), max(j1, j2)
    assert update_satisfaction(s, lo, P) <= update_satisfaction(s, hi, P)


@FAST
@given(unit, unit, unit)
def test_adapt_expectation_moves_toward_performance(e: float, perf: float, rate: float) -> None:
    """Expectation moves a share rate of the way toward delivered performance and stays in [0, 1]."""
    e2 = adapt_expectation(e, perf, rate)
    assert 0.0 <= e2 <= 1.0
    assert min(e, perf) - 1e-12 <= e2 <= max(e, perf) + 1e-12
    assert e2 == pytest.approx(e + rate * (perf - e), abs=1e-12)


@FAST
@given(unit, signed)
def test_update_bond(bond: float, j: float) -> None:
    """Bond moves by bond_rate·J, clipped to [0, 1]."""
    b2 = update_bond(bond, j, P)
    assert b2 == pytest.approx(min(1.0, max(0.0, bond + B.bond_rate * j)), abs=1e-12)
    assert 0.0 <= b2 <= 1.0


def test_ltr_score_hand_example() -> None:
    """LTR = 10·(0.7·S + 0.3·B): S 0.8, B 0.5 → 7.1."""
    assert ltr_score(0.8, 0.5, P) == pytest.approx(7.1)


@FAST
@given(st.floats(-1, 2), st.floats(-1, 2))
def test_ltr_score_bounded(s: float, b: float) -> None:
    """LTR lies in [0, 10] even for out-of-range attitudes."""
    assert 0.0 <= ltr_score(s, b, P) <= 10.0


@pytest.mark.parametrize(
    ("score", "answer"),
    [(0.0, 0), (0.49, 0), (0.5, 1), (6.49, 6), (6.5, 7), (8.5, 9), (9.99, 10), (10.0, 10), (-3.0, 0), (12.0, 10)],
)
def test_ltr_answer_rounds_half_up_and_clips(score: float, answer: int) -> None:
    """The NPS answer is the score rounded half up, clipped to 0..10."""
    assert ltr_answer(score) == answer


@FAST
@given(st.floats(-1e6, 1e6))
def test_ltr_answer_range(score: float) -> None:
    """The answer is an integer in 0..10, within 0.5 of the score when the score is in [0, 10]."""
    a = ltr_answer(score)
    assert isinstance(a, int)
    assert 0 <= a <= 10
    if 0.0 <= score <= 10.0:
        assert abs(a - score) <= 0.5


@pytest.mark.parametrize(
    ("answer", "cls"),
    [(0, DETRACTOR), (5, DETRACTOR), (6, DETRACTOR), (7, PASSIVE), (8, PASSIVE), (9, PROMOTER), (10, PROMOTER)],
)
def test_nps_class_boundaries(answer: int, cls: int) -> None:
    """0–6 detractor, 7–8 passive, 9–10 promoter."""
    assert nps_class(answer) == cls


# ---------------------------------------------------------------- churn


def churn(
    s: float, b: float, f: float = 0.0, seg: float = 1.0, referred: bool = False, params: np.ndarray = P
) -> float:
    return churn_hazard(s, b, f, seg, referred, params)


def test_churn_equals_base_at_reference_attitudes() -> None:
    """At reference satisfaction and bond, no failures, segment 1: the hazard is base_daily."""
    c = B.churn
    assert churn(c.reference_satisfaction, c.reference_bond) == pytest.approx(c.base_daily, rel=1e-14)


def test_churn_hand_factors() -> None:
    """S 0.25 below reference multiplies by e^(4·0.25) = e; two failures by (1 + 1·2); segment and referral multiply."""
    c = B.churn
    base, s0, b0 = c.base_daily, c.reference_satisfaction, c.reference_bond
    assert churn(s0 - 0.25, b0) == pytest.approx(base * math.e)
    assert churn(s0, b0 - 0.5) == pytest.approx(base * math.e)
    assert churn(s0, b0, f=2.0) == pytest.approx(base * 3.0)
    assert churn(s0, b0, seg=1.5) == pytest.approx(base * 1.5)
    params = make_params({"churn.referred_multiplier": 0.5})
    assert churn(s0, b0, referred=True, params=params) == pytest.approx(base * 0.5)
    assert churn(s0, b0, referred=False, params=params) == pytest.approx(base)


@FAST
@given(unit, unit, unit, unit, st.floats(0, 5), st.floats(0, 5))
def test_churn_rises_as_attitudes_fall_and_failures_grow(
    s1: float, s2: float, b1: float, b2: float, f1: float, f2: float
) -> None:
    """Lower satisfaction, lower bond or more failures never lower the churn hazard; it stays in [0, 1]."""
    s_lo, s_hi = sorted((s1, s2))
    b_lo, b_hi = sorted((b1, b2))
    f_lo, f_hi = sorted((f1, f2))
    assert churn(s_lo, b1, f1) >= churn(s_hi, b1, f1)
    assert churn(s1, b_lo, f1) >= churn(s1, b_hi, f1)
    assert churn(s1, b1, f_hi) >= churn(s1, b1, f_lo)
    assert 0.0 <= churn(s1, b1, f1) <= 1.0


def test_churn_strictly_rises_below_reference() -> None:
    """Dropping satisfaction or bond strictly raises the hazard (away from the cap)."""
    assert churn(0.5, 0.6) > churn(0.6, 0.6) > churn(0.75, 0.6)
    assert churn(0.75, 0.3) > churn(0.75, 0.4) > churn(0.75, 0.6)


def test_churn_capped_at_one() -> None:
    """A huge hazard is capped at exactly 1."""
    params = make_params({"churn.base_daily": 0.5})
    assert churn(0.0, 0.0, f=10.0, seg=3.0, params=params) == 1.0


def test_decayed_failures_half_life() -> None:
    """Failures halve after ln 2 · failure_memory_days days and are unchanged after 0 days."""
    tau = B.churn.failure_memory_days
    assert decayed_failures(2.0, math.log(2.0) * tau, P) == pytest.approx(1.0, rel=1e-14)
    assert decayed_failures(2.0, 0.0, P) == 2.0
    assert decayed_failures(0.0, 10.0, P) == 0.0
    assert decayed_failures(3.0, 10.0, P) > decayed_failures(3.0, 20.0, P) > 0.0


# ================================================================ wom.py


def test_adoption_hazard_no_messages_is_marketing_p() -> None:
    """With no messages the adoption hazard is exactly the marketing probability p."""
    for p in (0.0, 1e-9, 0.0002, 0.1, 0.5, 1.0):
        assert adoption_hazard(p, 0.01, 0, 0, 0.05) == p


@FAST
@given(unit, unit, st.integers(0, 200), unit)
def test_adoption_hazard_formula(p: float, q: float, n: int, s: float) -> None:
    """h = 1 − (1−p)(1−q)^n⁺ (relative error ≤ 1e-12), times (1 − s) per negative message.

    The reference is evaluated stably as p + (1−p)(−expm1(n·log1p(−q))): the naive form cancels."""
    if n == 0 or q == 0.0:
        wom = 0.0
    elif q == 1.0:
        wom = 1.0
    else:
        wom = -math.expm1(n * math.log1p(-q))
    h = adoption_hazard(p, q, n, 0, s)
    assert h == pytest.approx(p + (1.0 - p) * wom, rel=1e-12, abs=1e-300)
    assert h == pytest.approx(1.0 - (1.0 - p) * (1.0 - q) ** n, rel=0.0, abs=1e-13)  # the naive form, loosely
    assert adoption_hazard(p, q, n, 3, s) == pytest.approx(h * (1.0 - s) ** 3, rel=1e-12, abs=1e-300)
    assert 0.0 <= h <= 1.0


@FAST
@given(st.floats(0, 0.5), st.floats(0.001, 0.5), st.integers(0, 50), st.integers(0, 50), st.floats(0.001, 0.5))
def test_adoption_hazard_monotone_in_messages(p: float, q: float, n_pos: int, n_neg: int, s: float) -> None:
    """One more positive message raises the hazard; one more negative message lowers it."""
    h = adoption_hazard(p, q, n_pos, n_neg, s)
    assert adoption_hazard(p, q, n_pos + 1, n_neg, s) >= h
    assert adoption_hazard(p, q, n_pos, n_neg + 1, s) <= h
    if h > 1e-300:  # strictly lower, unless h is a denormal that rounds to itself
        assert adoption_hazard(p, q, n_pos, n_neg + 1, s) < h
    if h < 0.99:
        assert adoption_hazard(p, q, n_pos + 1, n_neg, s) > h


def test_referral_share_hand_values() -> None:
    """p 0.1, q 0.5, one message: h = 0.55, share (0.55 − 0.1)/0.55; p = 0 → all referral."""
    assert referral_share(0.1, 0.5, 1) == pytest.approx(0.45 / 0.55)
    assert referral_share(0.0, 0.5, 3) == 1.0
    assert referral_share(0.0, 0.0, 0) == 0.0


@FAST
@given(unit, unit, st.integers(0, 200))
def test_referral_share_bounded(p: float, q: float, n: int) -> None:
    """The word-of-mouth share of an adoption is in [0, 1] exactly (no rounding below 0)."""
    assert 0.0 <= referral_share(p, q, n) <= 1.0


@FAST
@given(st.floats(0.001, 0.9), st.floats(0.001, 0.5), st.integers(0, 50))
def test_referral_share_rises_with_messages(p: float, q: float, n: int) -> None:
    """More positive messages attribute a larger share of adoptions to word of mouth (until h rounds to 1)."""
    before, after = referral_share(p, q, n), referral_share(p, q, n + 1)
    assert after >= before
    if (1.0 - q) ** n > 1e-6:
        assert after > before


@pytest.mark.parametrize(
    ("value", "exact"),
    [
        pytest.param(lambda: referral_share(0.1, 0.3, 0), 0.0, id="share-p0.1-n0"),
        pytest.param(lambda: referral_share(1e-5, 0.0, 7), 0.0, id="share-p1e-5-q0"),
        pytest.param(lambda: adoption_hazard(0.1, 0.3, 0, 0, 0.05), 0.1, id="hazard-p0.1-n0"),
    ],
)
def test_no_word_of_mouth_is_exactly_marketing(value: Callable[[], float], exact: float) -> None:
    """Without positive messages the hazard is exactly p and the word-of-mouth share exactly 0 (never negative)."""
    assert value() == exact


def test_wom_bond_hand_values() -> None:
    """Bond 0.5: one positive message (gain 0.02) → 0.51; one negative (loss 0.04) → 0.48; none → 0.5."""
    assert wom_bond(0.5, 1, 0, 0.02, 0.04) == pytest.approx(0.51)
    assert wom_bond(0.5, 0, 1, 0.02, 0.04) == pytest.approx(0.48)
    assert wom_bond(0.5, 0, 0, 0.02, 0.04) == 0.5


@FAST
@given(unit, st.integers(0, 100), st.integers(0, 100), unit, unit)
def test_wom_bond_bounded_and_monotone(bond: float, n_pos: int, n_neg: int, gain: float, loss: float) -> None:
    """Bond after WOM is in [0, 1], never falls with more praise and never rises with more complaints."""
    b = wom_bond(bond, n_pos, n_neg, gain, loss)
    assert 0.0 <= b <= 1.0
    assert wom_bond(bond, n_pos + 1, n_neg, gain, loss) >= b
    assert wom_bond(bond, n_pos, n_neg + 1, gain, loss) <= b


def test_hype_hand_values() -> None:
    """Expectation 0.5, two messages at rate 0.01: 0.5 + 0.5·(1 − 0.99²) = 0.50995; no message → unchanged."""
    assert hype(0.5, 2, 0.01) == pytest.approx(0.50995)
    assert hype(0.5, 0, 0.01) == 0.5


@FAST
@given(unit, st.integers(0, 200), unit)
def test_hype_bounded_and_monotone(e: float, n: int, rate: float) -> None:
    """Hype keeps expectations in [e, 1] and never lowers them with more praise."""
    h = hype(e, n, rate)
    assert e <= h <= 1.0
    assert hype(e, n + 1, rate) >= h


# ================================================================ journey.py

TP_CHANNEL = np.array([0, 1, 2, 3], dtype=np.int64)  # touchpoint t is on channel t


def choose(
    tps: list[int],
    pref: list[float],
    u_choice: float,
    last_tp: int = -1,
    retrying: bool = False,
    u_switch: float = 0.99,
    p_switch: float = 0.3,
    pad: int = 0,
    open_today: list[bool] | None = None,
) -> int:
    arr = np.array([*tps, *([3] * pad)], dtype=np.int64)  # padding beyond ntp must be ignored
    is_open = np.ones(4, dtype=np.bool_) if open_today is None else np.array(open_today, dtype=np.bool_)
    return choose_touchpoint(
        arr,
        len(tps),
        np.array(pref, dtype=np.float64),
        TP_CHANNEL,
        is_open,
        last_tp,
        retrying,
        u_switch,
        u_choice,
        p_switch,
    )


def test_choose_touchpoint_proportional_to_preference() -> None:
    """Over 20 000 keyed uniforms each touchpoint is chosen with its channel's preference share (5 SE)."""
    n = 20_000
    pref = [0.5, 0.3, 0.2, 9.0]
    us = uniform_array(7, 99, np.arange(n, dtype=np.int64), 0, 0)
    picks = np.array([choose([0, 1, 2], pref, float(u), pad=1) for u in us])
    assert set(np.unique(picks)) <= {0, 1, 2}  # the padded touchpoint 3 is never chosen
    for t, share in enumerate([0.5, 0.3, 0.2]):
        freq = float(np.mean(picks == t))
        assert abs(freq - share) < 5 * math.sqrt(share * (1 - share) / n)


@FAST
@given(st.floats(0.0, 1.0, exclude_max=True), st.permutations([0, 1, 2]))
def test_choose_touchpoint_never_zero_preference(u: float, order: list[int]) -> None:
    """A touchpoint whose channel has zero preference is never chosen, even at u → 1."""
    pref = [0.4, 0.0, 0.6, 0.0]
    assert choose(order, pref, u) in {0, 2}
    assert choose(order, pref, 1.0 - 2**-53) in {0, 2}
    assert choose([0, 1, 2], [0.4, 0.6, 0.0, 0.0], u) in {0, 1}  # zero-preference touchpoint last


@FAST
@given(st.floats(0.0, 1.0, exclude_max=True), st.floats(0.3, 1.0, exclude_max=True))
def test_choose_touchpoint_retry_stays(u_choice: float, u_switch: float) -> None:
    """A retry stays at the last touchpoint when the customer does not switch (u_switch ≥ p_switch)."""
    assert choose([0, 1, 2], [0.5, 0.3, 0.2, 0.0], u_choice, last_tp=1, retrying=True, u_switch=u_switch) == 1


@FAST
@given(st.floats(0.0, 1.0, exclude_max=True), st.floats(0.0, 0.3, exclude_max=True))
def test_choose_touchpoint_switch_excludes_last(u_choice: float, u_switch: float) -> None:
    """A switching retry (u_switch < p_switch) never returns to the last touchpoint."""
    t = choose([0, 1, 2], [0.5, 0.3, 0.2, 0.0], u_choice, last_tp=0, retrying=True, u_switch=u_switch)
    assert t in {1, 2}


def test_choose_touchpoint_switch_proportional_among_others() -> None:
    """Switching away from touchpoint 0 picks 1 and 2 in proportion 0.3 : 0.2."""
    grid = (np.arange(1000) + 0.5) / 1000
    picks = np.array([choose([0, 1, 2], [0.5, 0.3, 0.2, 0.0], float(u), 0, True, 0.1) for u in grid])
    assert abs(np.mean(picks == 1) - 0.6) <= 0.002
    assert abs(np.mean(picks == 2) - 0.4) <= 0.002


def test_choose_touchpoint_switch_without_alternative_stays() -> None:
    """A switch with no other touchpoint (one option, or others at zero preference) stays put."""
    assert choose([2], [0.5, 0.3, 0.2, 0.0], 0.7, last_tp=2, retrying=True, u_switch=0.0) == 2
    assert choose([0, 1], [0.5, 0.0, 0.0, 0.0], 0.7, last_tp=0, retrying=True, u_switch=0.0) == 0


def test_choose_touchpoint_fresh_choice_ignores_last() -> None:
    """A first visit (not retrying, or no last touchpoint) is a fresh proportional choice."""
    pref = [0.5, 0.5, 0.0, 0.0]
    assert choose([0, 1], pref, 0.75, last_tp=0, retrying=False, u_switch=0.99) == 1
    assert choose([0, 1], pref, 0.25, last_tp=-1, retrying=True, u_switch=0.99) == 0


def test_service_time_fixed_and_keyed_draws() -> None:
    """Fixed service is mean·factor; exponential and lognormal use the SERVICE stream draw of (person, day)."""
    seed, person, day = 42, 17, 3
    assert service_time(DIST_FIXED, 6.0, 0.5, seed, person, day, 1.3) == pytest.approx(7.8)
    assert service_time(DIST_EXPONENTIAL, 6.0, 0.5, seed, person, day, 1.0) == exponential(
        seed, STREAM_SERVICE, person, day, 0, 6.0
    )
    assert service_time(DIST_LOGNORMAL, 6.0, 0.5, seed, person, day, 2.0) == 2.0 * lognormal(
        seed, STREAM_SERVICE, person, day, 0, 6.0, 0.5
    )
    assert service_time(DIST_LOGNORMAL, 6.0, 0.5, seed, person, day + 1, 1.0) != service_time(
        DIST_LOGNORMAL, 6.0, 0.5, seed, person, day, 1.0
    )


STEP_NEXT = np.array(
    [
        [NEXT_DONE, 1, NEXT_RETRY],  # step 0: resolved → done, unresolved → step 1, abandoned → retry
        [NEXT_DONE, NEXT_GIVE_UP, NEXT_RETRY],
    ],
    dtype=np.int64,
)


@pytest.mark.parametrize("contacts", [1, 4, 5, 9])
def test_next_target_done_always_done(contacts: int) -> None:
    """A resolved contact that ends the journey is done, even after max_contacts contacts."""
    assert next_target(STEP_NEXT, 0, OUTCOME_RESOLVED, contacts, 5) == NEXT_DONE


def test_next_target_follows_transition_below_max() -> None:
    """Below max_contacts the journey follows the step's transition (step, retry or give-up)."""
    assert next_target(STEP_NEXT, 0, OUTCOME_UNRESOLVED, 2, 5) == 1
    assert next_target(STEP_NEXT, 0, OUTCOME_ABANDONED, 4, 5) == NEXT_RETRY
    assert next_target(STEP_NEXT, 1, OUTCOME_UNRESOLVED, 1, 5) == NEXT_GIVE_UP


@pytest.mark.parametrize("contacts", [5, 6])
def test_next_target_gives_up_after_max_contacts(contacts: int) -> None:
    """A journey not done after max_contacts contacts is given up instead of moving on or retrying."""
    assert next_target(STEP_NEXT, 0, OUTCOME_UNRESOLVED, contacts, 5) == NEXT_GIVE_UP
    assert next_target(STEP_NEXT, 0, OUTCOME_ABANDONED, contacts, 5) == NEXT_GIVE_UP


def eoj(moments: list[float], contacts: int, gave_up: bool, failures: float = 0.0, since: float = 0.0) -> tuple:
    m = memory_of(moments)
    return end_of_journey(
        0.7, 0.6, 0.5, 0.5, 0.5, *m, 1.4, 1.2, 1.0, contacts, gave_up, failures, since, MEMORY_PEAK_END, P
    )


def test_end_of_journey_composes_kernels() -> None:
    """end_of_journey equals journey_value → update_satisfaction / update_bond / adapt_expectation (mean perf) → LTR."""
    moments = [-0.2, -0.8, -0.4]
    j, s, b, ep, ei, eb, ans, f = eoj(moments, 2, False, failures=1.5, since=30.0)
    m = memory_of(moments)
    j_ref = journey_value(remembered_value(*m, MEMORY_PEAK_END, P), False, P)
    assert j == j_ref == pytest.approx(-0.6)
    assert s == update_satisfaction(0.7, j_ref, P)
    assert b == update_bond(0.6, j_ref, P)
    assert (ep, ei, eb) == (
        adapt_expectation(0.5, 1.4 / 2, B.expectation_rate),
        adapt_expectation(0.5, 1.2 / 2, B.expectation_rate),
        adapt_expectation(0.5, 1.0 / 2, B.expectation_rate),
    )
    assert ans == ltr_answer(ltr_score(s, b, P))
    assert f == 1.5  # not given up: the failure count is left for the caller to decay


def test_end_of_journey_passes_disposition() -> None:
    """end_of_journey updates satisfaction with the person's disposition (default 0)."""
    m = memory_of([0.1, -0.2])
    args = (0.7, 0.6, 0.5, 0.5, 0.5, *m, 1.0, 1.0, 1.0, 2, False, 0.0, 0.0, MEMORY_PEAK_END, P)
    j, s_avg, *_ = end_of_journey(*args)
    _, s_disp, *_ = end_of_journey(*args, -0.2)
    assert s_avg == update_satisfaction(0.7, j, P)
    assert s_disp == update_satisfaction(0.7, j, P, -0.2)
    assert s_disp < s_avg


def test_end_of_journey_give_up_penalised_and_counted() -> None:
    """A given-up journey is remembered give_up_penalty worse and adds one to the decayed failures."""
    tau = B.churn.failure_memory_days
    j_ok, s_ok, *_ = eoj([0.1], 1, False)
    j_gu, s_gu, _, _, _, _, _, f = eoj([0.1], 1, True, failures=2.0, since=math.log(2.0) * tau)
    assert j_gu == pytest.approx(j_ok - B.give_up_penalty)
    assert s_gu < s_ok
    assert f == pytest.approx(2.0)  # 2 halved to 1, plus this one


def test_end_of_journey_zero_contacts_no_division_by_zero() -> None:
    """With zero contacts the performance sums are divided by 1, not 0."""
    out = end_of_journey(0.7, 0.6, 0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0, True, 0.0, 0.0, 0, P)
    assert all(math.isfinite(x) for x in out)
    assert out[0] == pytest.approx(-B.give_up_penalty)


@FAST
@given(
    st.lists(signed, min_size=1, max_size=8),
    st.booleans(),
    st.sampled_from([MEMORY_PEAK_END, MEMORY_MEAN, MEMORY_LINEAR]),
    unit,
    unit,
)
def test_end_of_journey_bounds(moments: list[float], gave_up: bool, rule: int, s: float, b: float) -> None:
    """After any journey: value in [-1, 1], attitudes and expectations in [0, 1], answer in 0..10, failures ≥ 0."""
    n = len(moments)
    m = memory_of(moments)
    j, s2, b2, ep, ei, eb, ans, f = end_of_journey(
        s, b, 0.5, 0.5, 0.5, *m, 0.6 * n, 0.4 * n, 0.9 * n, n, gave_up, 1.0, 10.0, rule, P
    )
    assert -1.0 <= j <= 1.0
    assert all(0.0 <= x <= 1.0 for x in (s2, b2, ep, ei, eb))
    assert 0 <= ans <= 10
    assert f >= 0.0
