"""Keyed random streams: uniformity, independence of neighbouring keys, variate moments, determinism.

Every statistical tolerance is a few standard errors of the statistic under the null hypothesis
(the draws are i.i.d. from the stated distribution). The draws are a pure function of their key,
so each test is deterministic: it either always passes or always fails.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pytest
from scipy import stats

from cxsim.rng import (
    STREAM_ARRIVAL,
    STREAM_CHOICE,
    STREAM_PATIENCE,
    STREAM_SERVICE,
    STREAM_TRIGGER,
    _to_unit,
    exponential,
    key_bits,
    key_prefix,
    lognormal,
    normal,
    uniform,
    uniform_array,
    uniform_from,
)

N = 10**6  # draws (or pairs) per statistical test
SEED = 20240601
Z = 5.0  # tolerance in standard errors: P(|N(0,1)| > 5) ≈ 6e-7
ALPHA = 1e-4  # significance level of the chi-square tests

_NORMAL, _EXPONENTIAL, _LOGNORMAL = 0, 1, 2


@numba.njit
def _draws(kind: int, seed: int, stream: int, n: int, mean: float, cv: float) -> np.ndarray:
    """``n`` draws of one variate for entities ``0..n-1`` (day 0, k 0)."""
    out = np.empty(n)
    for i in range(n):
        if kind == 0:
            out[i] = normal(seed, stream, i, 0, 0)
        elif kind == 1:
            out[i] = exponential(seed, stream, i, 0, 0, mean)
        else:
            out[i] = lognormal(seed, stream, i, 0, 0, mean, cv)
    return out


@numba.njit
def _xor_popcounts(seed: int, stream: int, n: int, component: int) -> np.ndarray:
    """Number of differing bits between the key bits of a key and its neighbour in ``component``."""
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        a = key_bits(seed, stream, i, 7, 3)
        if component == 0:
            b = key_bits(seed, stream, i + 1, 7, 3)
        elif component == 1:
            b = key_bits(seed, stream, i, 8, 3)
        elif component == 2:
            b = key_bits(seed, stream + 1, i, 7, 3)
        elif component == 3:
            b = key_bits(seed, stream, i, 7, 4)
        else:
            b = key_bits(seed + 1, stream, i, 7, 3)
        x = a ^ b
        c = 0
        for _ in range(64):
            c += np.int64(x & np.uint64(1))
            x = x >> np.uint64(1)
        out[i] = c
    return out


def _chi2_uniform(u: np.ndarray, bins: int) -> float:
    counts = np.bincount(np.minimum((u * bins).astype(np.int64), bins - 1), minlength=bins)
    expected = u.shape[0] / bins
    return float(((counts - expected) ** 2 / expected).sum())


def _assert_chi2_within(stat: float, df: int) -> None:
    lo, hi = stats.chi2.ppf(ALPHA / 2, df), stats.chi2.ppf(1 - ALPHA / 2, df)
    assert lo < stat < hi, f"chi-square {stat:.1f} outside [{lo:.1f}, {hi:.1f}] (df={df})"


@pytest.fixture(scope="module")
def uniforms() -> np.ndarray:
    return uniform_array(SEED, STREAM_TRIGGER, np.arange(N, dtype=np.int64), 3, 0)


COMPONENTS = ["entity", "day", "stream", "k", "seed"]


def _neighbour_pairs(component: str) -> tuple[np.ndarray, np.ndarray]:
    """N pairs of draws whose keys differ by one in ``component`` (disjoint pairs)."""
    ents = np.arange(N, dtype=np.int64)
    s, st, d, k = SEED, STREAM_CHOICE, 11, 2
    if component == "entity":
        base = uniform_array(s, st, np.arange(2 * N, dtype=np.int64), d, k)
        return base[0::2], base[1::2]
    if component == "day":
        return uniform_array(s, st, ents, d, k), uniform_array(s, st, ents, d + 1, k)
    if component == "stream":
        return uniform_array(s, st, ents, d, k), uniform_array(s, st + 1, ents, d, k)
    if component == "k":
        return uniform_array(s, st, ents, d, k), uniform_array(s, st, ents, d, k + 1)
    return uniform_array(s, st, ents, d, k), uniform_array(s + 1, st, ents, d, k)


# ---------------------------------------------------------------- uniformity


def test_uniform_mean(uniforms: np.ndarray) -> None:
    """The mean of 10^6 uniforms is 1/2 within 5 standard errors (SE = sqrt(1/12/n))."""
    se = math.sqrt(1.0 / 12.0 / N)
    assert abs(uniforms.mean() - 0.5) < Z * se


def test_uniform_variance(uniforms: np.ndarray) -> None:
    """The variance of 10^6 uniforms is 1/12 within 5 SE (SE = sqrt((1/80 − 1/144)/n))."""
    se = math.sqrt((1.0 / 80.0 - 1.0 / 144.0) / N)
    assert abs(uniforms.var() - 1.0 / 12.0) < Z * se


def test_uniform_chi_square_100_bins(uniforms: np.ndarray) -> None:
    """Counts in 100 equal bins pass a two-sided chi-square test (df 99, alpha 1e-4)."""
    _assert_chi2_within(_chi2_uniform(uniforms, 100), 99)


def test_uniform_fine_bins_near_edges(uniforms: np.ndarray) -> None:
    """The first and last 1/1000 of the unit interval get their share of draws (5 SE)."""
    p = 1e-3
    se = math.sqrt(p * (1 - p) * N)
    assert abs((uniforms < p).sum() - p * N) < Z * se
    assert abs((uniforms > 1 - p).sum() - p * N) < Z * se


def test_uniform_strictly_inside_unit_interval(uniforms: np.ndarray) -> None:
    """Every draw lies strictly inside (0, 1)."""
    assert uniforms.min() > 0.0
    assert uniforms.max() < 1.0


def test_to_unit_extreme_bits_stay_below_one() -> None:
    """The largest possible 64 random bits still map strictly below 1 (and the smallest above 0)."""
    assert _to_unit(np.uint64(0)) > 0.0
    assert _to_unit(np.uint64(2**64 - 1)) < 1.0


# ---------------------------------------------------------------- independence of neighbouring keys


@pytest.mark.parametrize("component", COMPONENTS)
def test_neighbouring_keys_uncorrelated(component: str) -> None:
    """Draws whose keys differ by one in a single component have |r| < 5/sqrt(n) over 10^6 pairs."""
    x, y = _neighbour_pairs(component)
    r = np.corrcoef(x, y)[0, 1]
    assert abs(r) < Z / math.sqrt(N), f"{component}: r = {r:.5f}"


@pytest.mark.parametrize("component", COMPONENTS)
def test_neighbouring_keys_joint_uniform(component: str) -> None:
    """Pairs of neighbouring-key draws fill a 20×20 grid evenly (2-D chi-square, df 399, alpha 1e-4)."""
    x, y = _neighbour_pairs(component)
    bins = 20
    ix = np.minimum((x * bins).astype(np.int64), bins - 1)
    iy = np.minimum((y * bins).astype(np.int64), bins - 1)
    counts = np.bincount(ix * bins + iy, minlength=bins * bins)
    expected = N / bins**2
    stat = float(((counts - expected) ** 2 / expected).sum())
    _assert_chi2_within(stat, bins * bins - 1)


@pytest.mark.parametrize("component", range(5), ids=COMPONENTS)
def test_neighbouring_keys_avalanche(component: int) -> None:
    """Neighbouring keys differ in 32 of 64 bits on average (5 SE; each bit flips with p = 1/2)."""
    n = 200_000
    c = _xor_popcounts(SEED, STREAM_ARRIVAL, n, component)
    se = math.sqrt(64 * 0.25 / n)
    assert abs(c.mean() - 32.0) < Z * se
    assert c.min() > 0  # never identical


def test_first_draws_of_consecutive_seeds_uncorrelated() -> None:
    """Entity 0's draw across 10^5 consecutive seeds is uniform and serially uncorrelated."""
    n = 100_000
    u = np.array([uniform(s, STREAM_CHOICE, 0, 0, 0) for s in range(n)])
    assert abs(u.mean() - 0.5) < Z * math.sqrt(1.0 / 12.0 / n)
    assert abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < Z / math.sqrt(n - 1)


# ---------------------------------------------------------------- moments of the variates


@pytest.fixture(scope="module")
def normals() -> np.ndarray:
    return _draws(_NORMAL, SEED, STREAM_PATIENCE, N, 0.0, 0.0)


def test_normal_mean(normals: np.ndarray) -> None:
    """Normal draws have mean 0 within 5 SE (SE = 1/sqrt(n))."""
    assert abs(normals.mean()) < Z / math.sqrt(N)


def test_normal_variance(normals: np.ndarray) -> None:
    """Normal draws have variance 1 within 5 SE (SE = sqrt(2/n))."""
    assert abs(normals.var() - 1.0) < Z * math.sqrt(2.0 / N)


def test_normal_skewness(normals: np.ndarray) -> None:
    """Normal draws have skewness 0 within 5 SE (SE = sqrt(6/n))."""
    assert abs(stats.skew(normals)) < Z * math.sqrt(6.0 / N)


def test_normal_kurtosis(normals: np.ndarray) -> None:
    """Normal draws have kurtosis 3 within 5 SE (SE = sqrt(24/n))."""
    assert abs(stats.kurtosis(normals, fisher=False) - 3.0) < Z * math.sqrt(24.0 / N)


@pytest.mark.parametrize("mean", [1.0, 3.0])
def test_exponential_mean_and_variance(mean: float) -> None:
    """Exponential(mean) draws have mean m (SE m/sqrt(n)) and variance m² (SE m²·sqrt(8/n)) within 5 SE."""
    x = _draws(_EXPONENTIAL, SEED, STREAM_PATIENCE, N, mean, 0.0)
    assert x.min() >= 0.0
    assert abs(x.mean() - mean) < Z * mean / math.sqrt(N)
    assert abs(x.var() - mean**2) < Z * mean**2 * math.sqrt(8.0 / N)


@pytest.mark.parametrize(("mean", "cv"), [(6.0, 0.5), (2.0, 1.0)])
def test_lognormal_mean_and_cv(mean: float, cv: float) -> None:
    """Lognormal(mean, cv) draws have that mean (SE m·cv/sqrt(n)) and that CV (delta-method SE), within 5 SE."""
    x = _draws(_LOGNORMAL, SEED, STREAM_SERVICE, N, mean, cv)
    assert x.min() > 0.0
    assert abs(x.mean() - mean) < Z * mean * cv / math.sqrt(N)
    # delta method for s/m: Var ≈ cv²/n · (cv² − skew·cv + (kurt − 1)/4), lognormal moments with w = 1 + cv²
    w = 1.0 + cv * cv
    skew = (w + 2.0) * math.sqrt(w - 1.0)
    kurt = w**4 + 2.0 * w**3 + 3.0 * w**2 - 3.0
    se_cv = math.sqrt(cv * cv / N * (cv * cv - skew * cv + (kurt - 1.0) / 4.0))
    assert abs(x.std() / x.mean() - cv) < Z * se_cv


@pytest.mark.parametrize("kind", ["normal", "exponential", "lognormal"])
def test_variate_probability_integral_transform_uniform(kind: str) -> None:
    """Each variate pushed through its own CDF is uniform (100-bin chi-square, alpha 1e-4): the whole shape is right."""
    if kind == "normal":
        u = stats.norm.cdf(_draws(_NORMAL, SEED, STREAM_ARRIVAL, N, 0.0, 0.0))
    elif kind == "exponential":
        u = -np.expm1(-_draws(_EXPONENTIAL, SEED, STREAM_ARRIVAL, N, 2.5, 0.0) / 2.5)
    else:
        mean, cv = 4.0, 0.7
        s2 = math.log(1.0 + cv * cv)
        mu = math.log(mean) - 0.5 * s2
        u = stats.norm.cdf((np.log(_draws(_LOGNORMAL, SEED, STREAM_ARRIVAL, N, mean, cv)) - mu) / math.sqrt(s2))
    _assert_chi2_within(_chi2_uniform(u, 100), 99)


# ---------------------------------------------------------------- determinism and common random numbers


def test_same_key_same_value() -> None:
    """The same key always yields the same bits and the same variates."""
    key = (SEED, STREAM_SERVICE, 12345, 67, 2)
    assert key_bits(*key) == key_bits(*key)
    assert uniform(*key) == uniform(*key)
    assert normal(*key) == normal(*key)
    assert exponential(*key, 3.0) == exponential(*key, 3.0)
    assert lognormal(*key, 6.0, 0.5) == lognormal(*key, 6.0, 0.5)


def test_uniform_array_matches_scalar_uniform() -> None:
    """uniform_array gives exactly the scalar uniform draws of each entity."""
    ents = np.array([0, 1, 2, 999, 10**9, 2**40], dtype=np.int64)
    arr = uniform_array(SEED, STREAM_CHOICE, ents, 5, 1)
    assert [float(v) for v in arr] == [uniform(SEED, STREAM_CHOICE, int(e), 5, 1) for e in ents]


@numba.njit
def _from_prefix(seed: int, stream: int, ents: np.ndarray, day: int, k: int) -> np.ndarray:
    out = np.empty(ents.shape[0])
    pre = key_prefix(seed, stream)
    for e in range(ents.shape[0]):
        out[e] = uniform_from(pre, ents[e], day, k)
    return out


def test_uniform_from_prefix_is_uniform_bit_for_bit() -> None:
    """uniform_from(key_prefix(seed, stream), e, d, k) is uniform(seed, stream, e, d, k), also at
    extreme keys (the engines' hoisted draws rely on it)."""
    ents = np.array([0, 1, 2, 999, 10**9, 2**40, 2**62], dtype=np.int64)
    for seed, stream, day, k in [(SEED, STREAM_CHOICE, 5, 1), (0, 0, 0, 0), (2**62, STREAM_TRIGGER, 10**6, 7)]:
        got = _from_prefix(seed, stream, ents, day, k)
        assert [float(v) for v in got] == [uniform(seed, stream, int(e), day, k) for e in ents]


def test_compiled_loop_matches_python_calls() -> None:
    """Variates drawn inside a compiled loop equal the same keys drawn one by one from Python."""
    n = 50
    assert list(_draws(_NORMAL, SEED, 3, n, 0.0, 0.0)) == [normal(SEED, 3, i, 0, 0) for i in range(n)]
    assert list(_draws(_EXPONENTIAL, SEED, 3, n, 2.0, 0.0)) == [exponential(SEED, 3, i, 0, 0, 2.0) for i in range(n)]
    assert list(_draws(_LOGNORMAL, SEED, 3, n, 5.0, 0.4)) == [lognormal(SEED, 3, i, 0, 0, 5.0, 0.4) for i in range(n)]


def test_exponential_is_inversion_of_the_same_uniform() -> None:
    """exponential(key, m) = −m·log(uniform(key)): both share one draw (common random numbers)."""
    for e in range(20):
        u = uniform(SEED, STREAM_PATIENCE, e, 4, 0)
        assert exponential(SEED, STREAM_PATIENCE, e, 4, 0, 3.0) == -3.0 * math.log(u)


def test_lognormal_is_transform_of_the_same_normal() -> None:
    """lognormal(key, m, cv) = exp(μ + σ·normal(key)) with σ² = log(1 + cv²), μ = log m − σ²/2."""
    mean, cv = 6.0, 0.5
    s2 = math.log(1.0 + cv * cv)
    mu = math.log(mean) - 0.5 * s2
    for e in range(20):
        z = normal(SEED, STREAM_SERVICE, e, 4, 0)
        assert lognormal(SEED, STREAM_SERVICE, e, 4, 0, mean, cv) == pytest.approx(
            math.exp(mu + math.sqrt(s2) * z), rel=1e-14
        )


def test_any_key_component_changes_the_value() -> None:
    """Changing any one component of the key changes the draw."""
    base = (SEED, STREAM_SERVICE, 5, 6, 7)
    u0 = uniform(*base)
    for pos in range(5):
        key = list(base)
        key[pos] += 1
        assert uniform(*key) != u0
