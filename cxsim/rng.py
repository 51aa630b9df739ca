"""Keyed random numbers: every draw is a pure function of ``(seed, stream, entity, day, k)``.

A draw is never taken from a stateful generator. Its 64 random bits come from hashing the key
with the SplitMix64 finaliser, then turning them into a uniform, normal, lognormal or
exponential variate. Consequences the model relies on (``docs/model.md`` §2.4):

* results do not depend on the order in which customers are visited, nor on thread count;
* the agent engine and the vector engine draw exactly the same numbers;
* two designs (AS-IS, TO-BE) share every draw that concerns the same customer, purpose and
  day (common random numbers).

Streams are named constants below; ``k`` separates several draws of one purpose on the same
day (e.g. one per journey type).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "STREAM_ADOPTION",
    "STREAM_ARRIVAL",
    "STREAM_CHOICE",
    "STREAM_CHURN",
    "STREAM_INIT_ATTITUDE",
    "STREAM_INIT_PHASE",
    "STREAM_INIT_SEGMENT",
    "STREAM_INIT_STATUS",
    "STREAM_NETWORK",
    "STREAM_PATIENCE",
    "STREAM_REFERRER",
    "STREAM_RESOLVE",
    "STREAM_SERVICE",
    "STREAM_TALK",
    "STREAM_TRACE",
    "STREAM_TRIGGER",
    "STREAM_VOC",
    "STREAM_WOW",
    "exponential",
    "key_bits",
    "key_prefix",
    "lognormal",
    "normal",
    "uniform",
    "uniform_array",
    "uniform_from",
]

# Named streams: one per purpose. Never reuse a number for a different purpose.
STREAM_INIT_SEGMENT = 1
STREAM_INIT_STATUS = 2
STREAM_INIT_ATTITUDE = 3
STREAM_INIT_PHASE = 4
STREAM_TRIGGER = 10
STREAM_CHOICE = 11
STREAM_ARRIVAL = 12
STREAM_SERVICE = 13
STREAM_PATIENCE = 14
STREAM_RESOLVE = 15
STREAM_WOW = 16
STREAM_TALK = 20
STREAM_ADOPTION = 21
STREAM_CHURN = 22
STREAM_NETWORK = 30
STREAM_TRACE = 50  # who is traced (simulation.trace): an observation, never a model draw
# Observation only: nothing in the model reads a draw of these streams, so they never change behaviour.
STREAM_VOC = 40  # surveys: k = SURVEY_* x 3 + (0 invitation, 1 response, 2 answer noise)
STREAM_REFERRER = 41  # which of the praise a new customer heard gets the referral

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S12 = np.uint64(12)
_SECOND = np.uint64(0xD1B54A32D192ED03)
_TWO_M52 = 1.0 / 4503599627370496.0  # 2**-52


@njit(cache=True, inline="always")
def _mix(z: np.uint64) -> np.uint64:
    # SplitMix64 finaliser (Steele, Lea & Flood 2014): a bijection with full avalanche.
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True, inline="always")
def key_prefix(seed: int, stream: int) -> np.uint64:
    """The part of :func:`key_bits` that depends on ``seed`` and ``stream`` only: an engine's loop
    over people computes it once, then :func:`uniform_from` gives each person's draw."""
    # NOTE: every operand is cast to uint64 explicitly; mixing int64 and uint64 in numba
    # silently promotes to float64.
    h = _mix(np.uint64(seed) + _GOLDEN)
    return _mix(h ^ (np.uint64(stream) + _GOLDEN))


@njit(cache=True, inline="always")
def _key_tail(prefix: np.uint64, entity: int, day: int, k: int) -> np.uint64:
    # The rest of the chain after key_prefix: entity, day, k absorbed in turn.
    h = _mix(prefix ^ (np.uint64(entity) + _GOLDEN))
    h = _mix(h ^ (np.uint64(day) + _GOLDEN))
    return _mix(h ^ (np.uint64(k) + _GOLDEN))


@njit("uint64(int64, int64, int64, int64, int64)", cache=True)
def key_bits(seed: int, stream: int, entity: int, day: int, k: int) -> np.uint64:
    """64 random bits for one key.

    Each key component is absorbed in turn (add a Weyl constant, mix), so neighbouring keys
    (entity i and i+1, day d and d+1, ...) give unrelated bits.
    """
    return _key_tail(key_prefix(seed, stream), entity, day, k)


@njit(cache=True, inline="always")
def _to_unit(h: np.uint64) -> float:
    # Top 52 bits, centred in their cell: every value is exact in float64 and lies in
    # [2**-53, 1 - 2**-53], strictly inside (0, 1), so log() is always finite.
    # NOTE: with 53 bits, (2**53 - 1) + 0.5 rounds up to 2**53 and the draw would be 1.0.
    return (float(h >> _S12) + 0.5) * _TWO_M52


@njit(cache=True, inline="always")
def uniform_from(prefix: np.uint64, entity: int, day: int, k: int) -> float:
    """``uniform(seed, stream, entity, day, k)`` bit for bit, given ``key_prefix(seed, stream)``."""
    return _to_unit(_key_tail(prefix, entity, day, k))


@njit("float64(int64, int64, int64, int64, int64)", cache=True)
def uniform(seed: int, stream: int, entity: int, day: int, k: int) -> float:
    """Uniform variate on the open interval (0, 1)."""
    return _to_unit(key_bits(seed, stream, entity, day, k))


@njit("float64(int64, int64, int64, int64, int64)", cache=True)
def normal(seed: int, stream: int, entity: int, day: int, k: int) -> float:
    """Standard normal variate (Box–Muller on two uniforms derived from one key)."""
    h = key_bits(seed, stream, entity, day, k)
    u1 = _to_unit(h)
    u2 = _to_unit(_mix(h ^ _SECOND))
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit("float64(int64, int64, int64, int64, int64, float64)", cache=True)
def exponential(seed: int, stream: int, entity: int, day: int, k: int, mean: float) -> float:
    """Exponential variate with the given mean (inversion)."""
    return -mean * math.log(uniform(seed, stream, entity, day, k))


@njit("float64(int64, int64, int64, int64, int64, float64, float64)", cache=True)
def lognormal(seed: int, stream: int, entity: int, day: int, k: int, mean: float, cv: float) -> float:
    """Lognormal variate parameterised by its mean and coefficient of variation."""
    s2 = math.log(1.0 + cv * cv)
    mu = math.log(mean) - 0.5 * s2
    return math.exp(mu + math.sqrt(s2) * normal(seed, stream, entity, day, k))


@njit(cache=True)
def uniform_array(seed: int, stream: int, entities: np.ndarray, day: int, k: int) -> np.ndarray:
    """Uniform variates for many entities at once (same draws as :func:`uniform`)."""
    out = np.empty(entities.shape[0], dtype=np.float64)
    for i in range(entities.shape[0]):
        out[i] = uniform(seed, stream, entities[i], day, k)
    return out
