"""cxsim.theory against independent computations and textbook special cases.

Erlang B/C against their defining sums and the M/M/1 and M/M/2 closed forms; Erlang A (solved on
its birth–death chain) against Erlang C with endless patience, against the M/M/∞ case θ = μ and
its abandonment identity; the day average of a queue that starts empty against direct numerical
integration; the staffing helper against the published answers; Bass and the CLV multiple
against their definitions.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.linalg import expm
from scipy.stats import poisson

from cxsim import theory
from cxsim.theory import _arrival_outcomes, _generator, _stationary_truncation

# (calls per minute, handle time in minutes, agents, target in minutes): the report's published cases
CASES = [(100 / 30, 3.0, 14, 1 / 3), (250 / 30, 3.5, 34, 1 / 3), (12.0, 4.0, 55, 0.25)]


def erlang_c_by_sums(c: int, a: float) -> float:
    """Erlang C from its textbook definition (exact rational sums, independent of the recursion)."""
    top = a**c / math.factorial(c) * c / (c - a)
    return top / (sum(a**k / math.factorial(k) for k in range(c)) + top)


@pytest.mark.parametrize(("a", "c", "table"), [(2.0, 5, 0.0367), (10.0, 14, 0.0568), (5.0, 10, 0.0184)])
def test_erlang_b_matches_loss_tables(a: float, c: int, table: float) -> None:
    """Erlang B reproduces standard loss-table values (4 decimals) and its defining sum."""
    b = theory.erlang_b(c, a)
    assert b == pytest.approx(table, abs=5e-5)
    direct = (a**c / math.factorial(c)) / sum(a**k / math.factorial(k) for k in range(c + 1))
    assert b == pytest.approx(direct, rel=1e-12)


@pytest.mark.parametrize(("lam", "h", "c", "target"), CASES)
def test_erlang_c_matches_definition(lam: float, h: float, c: int, target: float) -> None:
    """The Erlang-B-based Erlang C equals the textbook sums; ASA and SL follow from it."""
    a = lam * h
    pc = theory.erlang_c(c, a)
    assert pc == pytest.approx(erlang_c_by_sums(c, a), rel=1e-10)
    assert theory.erlang_c_asa(c, a, h) == pytest.approx(pc * h / (c - a), rel=1e-12)
    assert theory.erlang_c_service_level(c, a, h, target) == pytest.approx(
        1 - pc * math.exp(-(c - a) * target / h), rel=1e-12
    )


def test_erlang_c_small_queues_closed_forms() -> None:
    """M/M/1: P(wait) = ρ, ASA = ρ/(μ − λ); M/M/2: P(wait) = 2ρ²/(1 + ρ)."""
    lam, mu = 0.7, 1.0
    assert theory.erlang_c(1, lam / mu) == pytest.approx(0.7, rel=1e-12)
    assert theory.erlang_c_asa(1, lam / mu, 1 / mu) == pytest.approx(0.7 / 0.3, rel=1e-12)
    rho = 0.6
    assert theory.erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho), rel=1e-12)
    assert theory.erlang_c(3, 3.0) == 1.0
    assert math.isinf(theory.erlang_c_asa(3, 3.5, 1.0))


@pytest.mark.parametrize(("lam", "h", "c", "target"), CASES)
def test_erlang_a_with_endless_patience_is_erlang_c(lam: float, h: float, c: int, target: float) -> None:
    """The birth–death solution with θ = 0 agrees with the Erlang C closed forms to 1e-10."""
    m = theory.erlang_a(c, lam, h, math.inf, target=target)
    a = lam * h
    assert m.p_wait == pytest.approx(theory.erlang_c(c, a), abs=1e-10)
    assert m.mean_wait == pytest.approx(theory.erlang_c_asa(c, a, h), abs=1e-10)
    assert m.service_level == pytest.approx(theory.erlang_c_service_level(c, a, h, target), abs=1e-10)
    assert m.p_abandon == 0.0


def test_erlang_a_when_patience_equals_service_is_poisson() -> None:
    """With θ = μ everyone leaves at rate μ, so the number in system is Poisson(λ/μ) (M/M/∞)."""
    lam, h, c = 3.0, 1.0, 4
    m = theory.erlang_a(c, lam, h, h)
    assert m.p_wait == pytest.approx(float(poisson.sf(c - 1, lam * h)), abs=1e-10)
    queue = sum((n - c) * poisson.pmf(n, lam * h) for n in range(c, 200))
    assert m.mean_wait == pytest.approx(queue / lam, rel=1e-9)  # Little: E[wait] = E[queue] / λ


@settings(max_examples=40, deadline=None)
@given(
    c=st.integers(1, 30),
    rho=st.floats(0.2, 1.6),
    h=st.floats(0.5, 10.0),
    patience=st.floats(0.2, 20.0),
)
def test_erlang_a_identity_and_little(c: int, rho: float, h: float, patience: float) -> None:
    """P(abandon) = θ·E[wait] and, by Little's law, E[wait] = E[queue]/λ, at any load."""
    lam = rho * c / h
    m = theory.erlang_a(c, lam, h, patience)
    assert m.p_abandon == pytest.approx(m.mean_wait / patience, rel=1e-9, abs=1e-12)
    mu, theta = 1 / h, 1 / patience
    n = _stationary_truncation(c, lam, mu, theta)
    death = np.minimum(np.arange(n), c) * mu + np.maximum(np.arange(n) - c, 0) * theta
    log_w = np.concatenate(([0.0], np.cumsum(np.log(lam / death[1:]))))
    pi = np.exp(log_w - log_w.max())
    pi /= pi.sum()
    queue = float(pi @ np.maximum(np.arange(n) - c, 0))
    assert m.mean_wait == pytest.approx(queue / lam, rel=1e-8, abs=1e-11)  # the chain is cut at 1e-13
    assert 0.0 <= m.p_abandon <= m.p_wait <= 1.0


def test_erlang_a_more_agents_fewer_hang_ups() -> None:
    """Abandonment and waiting fall as agents are added."""
    runs = [theory.erlang_a(c, 100 / 30, 3.0, 2.0) for c in range(8, 16)]
    assert all(a.p_abandon > b.p_abandon for a, b in itertools.pairwise(runs))
    assert all(a.mean_wait > b.mean_wait for a, b in itertools.pairwise(runs))


def test_service_level_with_patience_by_stages() -> None:
    """Answered within τ for a caller finding the queue: checked against direct integration.

    With i callers ahead the time to answer S is hypoexponential with rates cμ + jθ, j = i..0;
    P(answered within τ) = P(S ≤ τ, S < Y) = ∫_0^τ f_S(s)·e^{−θs} ds, f_S from the chain.
    """
    c, mu, theta, tau = 3, 0.5, 0.4, 1.3
    n = c + 4
    waits, p_ab, _, within = _arrival_outcomes(n, c, mu, theta, tau)
    for i in range(4):
        rates = [c * mu + j * theta for j in range(i, -1, -1)]
        k = len(rates)
        g = np.zeros((k + 1, k + 1))
        for s, r in enumerate(rates):
            g[s, s], g[s, s + 1] = -r, r

        def density(t: float, g: np.ndarray = g, k: int = k, r_last: float = rates[-1]) -> float:
            return float(expm(g * t)[0, k - 1] * r_last)

        expected = quad(lambda t: density(t) * math.exp(-theta * t), 0, tau)[0]
        assert within[c + i] == pytest.approx(expected, rel=1e-7)
        no_ab = quad(lambda t: density(t) * math.exp(-theta * t), 0, np.inf)[0]
        assert p_ab[c + i] == pytest.approx(1 - no_ab, rel=1e-6)
    assert waits[:c].sum() == 0 and within[:c].tolist() == [1.0] * c


def test_day_average_against_direct_integration() -> None:
    """The fast day average equals ∫_0^T π(t) dt / T integrated numerically, for C and A."""
    for patience in (math.inf, 1.5):
        c, lam, h, horizon = 2, 1.6, 1.0, 12.0
        m = theory.queue_day_average(c, lam, h, horizon, mean_patience=patience, target=0.5)
        theta = 0.0 if math.isinf(patience) else 1 / patience
        n = 60
        q = _generator(n, c, lam, 1 / h, theta)
        waits, p_ab, mean_wait, within = _arrival_outcomes(n, c, 1 / h, theta, 0.5)
        ts = np.linspace(0, horizon, 2001)
        step = expm(q * (ts[1] - ts[0]))
        occ = np.empty((ts.shape[0], n))
        occ[0] = np.eye(n)[0]
        for k in range(1, ts.shape[0]):
            occ[k] = occ[k - 1] @ step
        avg = np.trapezoid(occ, ts, axis=0) / horizon
        assert m.p_wait == pytest.approx(float(avg @ waits), rel=1e-5)
        assert m.mean_wait == pytest.approx(float(avg @ mean_wait), rel=1e-5)
        assert m.service_level == pytest.approx(float(avg @ within), rel=1e-5)
        assert m.p_abandon == pytest.approx(float(avg @ p_ab), rel=1e-5, abs=1e-12)


def test_day_average_tends_to_steady_state() -> None:
    """A day that starts empty waits less than the steady state; long days converge to it."""
    lam, h, c = 100 / 30, 3.0, 14
    steady = theory.erlang_c(c, lam * h)
    short = theory.queue_day_average(c, lam, h, 60.0).p_wait
    day = theory.queue_day_average(c, lam, h, 1440.0).p_wait
    long = theory.queue_day_average(c, lam, h, 1e6).p_wait
    assert short < day < steady
    assert long == pytest.approx(steady, rel=1e-4)
    overloaded = theory.queue_day_average(9, lam, h, 30.0)  # no steady state, still a finite day
    assert 0.5 < overloaded.p_wait < 1.0


@pytest.mark.parametrize(
    ("load", "handle", "target", "agents"),
    [(10.0, 3.0, 1 / 3, 14), (250 * 210 / 1800, 3.5, 1 / 3, 34), (48.0, 4.0, 0.25, 55)],
)
def test_agents_for_service_level(load: float, handle: float, target: float, agents: int) -> None:
    """The published staffing answers: the fewest agents reaching 80% within the target."""
    c = theory.agents_for_service_level(load, handle, target, 0.8)
    assert c == agents
    assert theory.erlang_c_service_level(c, load, handle, target) >= 0.8
    assert theory.erlang_c_service_level(c - 1, load, handle, target) < 0.8


def test_bass_cdf_solves_the_bass_equation() -> None:
    """F(0) = 0, F → 1, dF/dt = (p + qF)(1 − F), and F(t50) = 1/2 at t50 = ln(2 + q/p)/(p + q)."""
    p, q = 0.03, 0.38
    t = np.linspace(0, 30, 3001)
    f = theory.bass_cdf(t, p, q)
    assert f[0] == 0.0 and f[-1] == pytest.approx(1.0, abs=1e-4)
    np.testing.assert_allclose(np.gradient(f, t)[1:-1], ((p + q * f) * (1 - f))[1:-1], rtol=1e-4, atol=1e-7)
    t50 = math.log(2 + q / p) / (p + q)
    assert float(theory.bass_cdf(t50, p, q)) == pytest.approx(0.5, abs=1e-12)


def test_bass_discrete_converges_like_euler() -> None:
    """The daily mean-field recursion approaches the Bass curve with a gap of order 1/L."""
    p, q, n = 0.03, 0.38, 10_000
    t = np.arange(1, 16)
    gaps = []
    for steps in (10, 20, 40):
        d = theory.bass_discrete(p / steps, q / steps, n, 15 * steps)[steps - 1 :: steps]
        gaps.append(float(np.max(np.abs(d - theory.bass_cdf(t, p, q)))))
    assert gaps[0] > gaps[1] > gaps[2]
    assert gaps[0] / gaps[2] == pytest.approx(4.0, rel=0.15)


def test_clv_multiple() -> None:
    """r/(1 + i − r): Gupta & Lehmann's examples, and the finite horizon is the partial sum."""
    assert theory.clv_multiple(0.8, 0.12) == pytest.approx(2.5)
    assert theory.clv_multiple(0.9, 0.10) == pytest.approx(4.5)
    r, i = 0.85, 0.01
    partial = sum((r / (1 + i)) ** t for t in range(1, 37))
    assert theory.clv_multiple(r, i, 36) == pytest.approx(partial, rel=1e-12)
    with pytest.raises(ValueError):
        theory.clv_multiple(1.2, 0.1)
