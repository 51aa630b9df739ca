"""Closed-form theory the simulation is validated against, usable on its own for staffing.

Queueing (times in any one unit, used consistently):

* :func:`erlang_b`, :func:`erlang_c`, :func:`erlang_c_asa`, :func:`erlang_c_service_level`:
  the M/M/c queue (Poisson arrivals, exponential service, ``c`` agents, nobody hangs up);
  ``load`` is the offered traffic in Erlangs, ``arrival rate × mean service time``;
* :func:`agents_for_service_level`: the fewest agents meeting a service-level target (e.g.
  80 % of calls answered within 20 s);
* :func:`erlang_a`: the M/M/c+M queue (Erlang A, Palm 1943): callers also hang up after an
  exponential patience. Solved numerically on its birth–death chain, it gives the probability of
  waiting, of abandoning, the mean wait and the service level; with endless patience it reduces
  to Erlang C;
* :func:`queue_day_average`: the same metrics averaged over a day that *starts with an empty
  queue* and has arrivals at a constant rate for ``horizon`` time units, which is how the
  simulation runs a staffed touchpoint each day (the transient the steady-state formulas ignore).

Diffusion: :func:`bass_cdf` is the Bass (1969) adoption curve; :func:`bass_discrete` is the
mean-field recursion a daily simulation with the Goldenberg–Libai–Muller hazard follows.

Customer value: :func:`clv_multiple` is the margin multiple ``r / (1 + i − r)`` of Gupta &
Lehmann (2003).

Equations and references: ``docs/validation.md`` and ``docs/model.md``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.linalg import eigvalsh_tridiagonal, expm
from scipy.special import gammainc

__all__ = [
    "QueueMetrics",
    "agents_for_service_level",
    "bass_cdf",
    "bass_discrete",
    "clv_multiple",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "erlang_c_asa",
    "erlang_c_service_level",
    "queue_day_average",
]

_TAIL_TOL = 1e-13  # stationary probability left beyond the truncated birth–death chain


@dataclass(frozen=True)
class QueueMetrics:
    """What an arriving customer experiences, on average over arrivals.

    Attributes:
        p_wait: probability of not being answered at once (waiting time > 0).
        p_abandon: probability of hanging up before being answered.
        mean_wait: mean time in queue over all arrivals; a customer who hangs up counts the time
            they waited (their patience), one answered at once counts zero.
        service_level: share of arrivals answered within ``target`` (abandoners count as not
            answered); ``nan`` when no target was given.
    """

    p_wait: float
    p_abandon: float
    mean_wait: float
    service_level: float


# ----------------------------------------------------------------------------- Erlang B / C


def _check_servers(servers: int) -> int:
    if int(servers) != servers or servers < 1:
        raise ValueError(f"servers must be a positive integer, got {servers!r}")
    return int(servers)


def erlang_b(servers: int, load: float) -> float:
    """Erlang B: probability that all ``servers`` are busy in an M/M/c/c loss system.

    Computed with the stable recursion ``B(k) = A·B(k−1) / (k + A·B(k−1))``, ``B(0) = 1``.

    Args:
        servers: number of servers ``c`` (≥ 1).
        load: offered traffic ``A`` in Erlangs (≥ 0).
    """
    c = _check_servers(servers)
    if load < 0:
        raise ValueError(f"load must be >= 0, got {load!r}")
    b = 1.0
    for k in range(1, c + 1):
        b = load * b / (k + load * b)
    return b


def erlang_c(servers: int, load: float) -> float:
    """Erlang C: probability that a call has to wait in an M/M/c queue.

    ``C = c·B / (c − A·(1 − B))`` with ``B`` the Erlang B value. An overloaded queue
    (``load ≥ servers``) has no steady state: every call eventually waits, and 1.0 is returned.

    Args:
        servers: number of agents ``c``.
        load: offered traffic ``A = λ·h`` in Erlangs (``λ`` arrival rate, ``h`` mean handle time).
    """
    c = _check_servers(servers)
    if load >= c:
        return 1.0
    b = erlang_b(c, load)
    return c * b / (c - load * (1.0 - b))


def erlang_c_asa(servers: int, load: float, mean_service: float) -> float:
    """Average speed of answer of an M/M/c queue: ``C·h / (c − A)``, over all calls.

    Args:
        servers: number of agents ``c``.
        load: offered traffic ``A`` in Erlangs.
        mean_service: mean handle time ``h`` (the result is in the same unit).

    Returns:
        The mean time in queue, ``inf`` for an overloaded queue.
    """
    c = _check_servers(servers)
    if load >= c:
        return math.inf
    return erlang_c(c, load) * mean_service / (c - load)


def erlang_c_service_level(servers: int, load: float, mean_service: float, target: float) -> float:
    """Share of calls answered within ``target``: ``1 − C·exp(−(c − A)·target / h)``.

    Args:
        servers: number of agents ``c``.
        load: offered traffic ``A`` in Erlangs.
        mean_service: mean handle time ``h``.
        target: the answer-time target, in the unit of ``mean_service`` (20 s = 1/3 min).
    """
    c = _check_servers(servers)
    if load >= c:
        return 0.0
    return 1.0 - erlang_c(c, load) * math.exp(-(c - load) * target / mean_service)


def agents_for_service_level(load: float, mean_service: float, target: float, level: float) -> int:
    """The fewest agents that answer at least ``level`` of calls within ``target`` (Erlang C).

    Args:
        load: offered traffic in Erlangs (calls per unit time × mean handle time).
        mean_service: mean handle time.
        target: answer-time target, in the unit of ``mean_service``.
        level: required share answered within target, in (0, 1), e.g. 0.8 for "80/20".

    Example:
        >>> agents_for_service_level(10.0, 3.0, 1 / 3, 0.8)  # 100 calls per 30 min, 3-min AHT
        14
    """
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    c = max(1, math.floor(load) + 1)
    while erlang_c_service_level(c, load, mean_service, target) < level:
        c += 1
    return c


# ------------------------------------------------------------------ birth–death chain (Erlang A)


def _death_rates(n_states: int, servers: int, mu: float, theta: float) -> NDArray[np.float64]:
    n = np.arange(n_states, dtype=np.float64)
    return np.minimum(n, servers) * mu + np.maximum(n - servers, 0.0) * theta


def _stationary_truncation(servers: int, lam: float, mu: float, theta: float) -> int:
    """A state count beyond which the stationary distribution holds < ``_TAIL_TOL``."""
    log_w = 0.0
    log_total = 0.0
    n = 0
    while True:
        n += 1
        d = min(n, servers) * mu + max(n - servers, 0) * theta
        ratio = lam / d
        log_w += math.log(ratio)
        log_total = float(np.logaddexp(log_total, log_w))
        nxt = lam / (min(n + 1, servers) * mu + max(n + 1 - servers, 0) * theta)
        if n > servers and nxt < 1.0 and log_w + math.log(nxt / (1.0 - nxt)) - log_total < math.log(_TAIL_TOL):
            return n + 2


def _stationary(n_states: int, servers: int, lam: float, mu: float, theta: float) -> NDArray[np.float64]:
    """Stationary distribution of the chain cut at ``n_states`` (detailed balance, log scale)."""
    death = _death_rates(n_states, servers, mu, theta)
    log_w = np.concatenate(([0.0], np.cumsum(np.log(lam / death[1:]))))
    w = np.exp(log_w - log_w.max())
    return np.asarray(w / w.sum(), dtype=np.float64)


def _settled(q: NDArray[np.float64], pi: NDArray[np.float64], horizon: float) -> bool:
    """Whether the chain started empty is within 1e-15 of ``pi`` (total variation) by ``horizon``.

    For a reversible chain started in state 0, ``‖π(t) − π‖ ≤ ½·√((1 − π₀)/π₀)·e^{−gap·t}``
    with ``gap`` the spectral gap, the second eigenvalue of the symmetrised (tridiagonal)
    generator.
    """
    n = q.shape[0]
    off = np.sqrt(np.diag(q, 1) * np.diag(q, -1))
    second = eigvalsh_tridiagonal(np.diag(q), off, select="i", select_range=(n - 2, n - 2))[0]
    gap = -float(second)
    pi0 = float(pi[0])
    if gap <= 0 or pi0 <= 0:
        return False
    log_bound = 0.5 * (math.log1p(-pi0) - math.log(pi0)) - math.log(2.0) - gap * horizon
    return log_bound < math.log(1e-15)


def _generator(n_states: int, servers: int, lam: float, mu: float, theta: float) -> NDArray[np.float64]:
    """Generator of the number in system, reflected at ``n_states − 1`` (no arrival there)."""
    death = _death_rates(n_states, servers, mu, theta)
    q = np.zeros((n_states, n_states))
    idx = np.arange(n_states - 1)
    q[idx, idx + 1] = lam
    q[idx + 1, idx] = death[1:]
    q[np.arange(n_states), np.arange(n_states)] = -q.sum(axis=1)
    return q


def _arrival_outcomes(
    n_states: int, servers: int, mu: float, theta: float, target: float | None
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """What a customer arriving to ``n`` in system experiences, for every ``n``.

    A caller who finds ``i = n − c ≥ 0`` others queued moves up one place at rate ``cμ + jθ``
    while ``j`` are ahead (an answer or someone ahead hanging up), so the time ``S`` until they
    would be answered is a sum of exponentials with rates ``cμ + jθ``, ``j = i, …, 0``,
    independent of their own exponential patience ``Y``. Hence ``P(abandon) = 1 − E[e^{−θS}]``,
    ``E[wait] = E[min(S, Y)] = (1 − E[e^{−θS}]) / θ`` and ``P(answered within τ) =
    E[e^{−θS}; S ≤ τ]``, the latter a hypoexponential CDF with rates ``cμ + (j+1)θ`` obtained
    from one matrix exponential of a pure-death chain.

    Returns:
        ``(waits, p_abandon, mean_wait, answered_within_target)`` arrays indexed by ``n``.
    """
    n = np.arange(n_states)
    queued = n >= servers
    ahead = np.maximum(n - servers, 0)
    m_max = int(ahead.max()) + 1 if queued.any() else 0
    stage = servers * mu + np.arange(m_max + 1) * theta  # rate with j ahead, j = 0..m_max
    # E[exp(-θ S)] for i ahead: product over j = 0..i of stage_j / (stage_j + θ)
    log_factor = np.log(stage / (stage + theta)) if theta > 0 else np.zeros_like(stage)
    cum = np.cumsum(log_factor)
    no_ab = np.where(queued, np.exp(cum[ahead]), 1.0)
    p_ab = np.where(queued, -np.expm1(cum[ahead]), 0.0)  # 1 − E[e^{−θS}] without cancellation
    if theta > 0:
        mean_wait = np.where(queued, p_ab / theta, 0.0)
    else:
        mean_wait = np.where(queued, (ahead + 1) / (servers * mu), 0.0)
    within = np.full(n_states, np.nan)
    if target is not None:
        within = np.ones(n_states)
        if queued.any():
            stages = np.arange(m_max + 1)  # m = stages left before being answered
            if theta == 0.0:  # Erlang: m exponential stages at rate cμ
                absorbed = gammainc(np.maximum(stages, 1), servers * mu * target)
            else:  # pure-death chain m -> m-1 at rate cμ + mθ, 0 absorbing
                g = np.zeros((m_max + 1, m_max + 1))
                for m in range(1, m_max + 1):
                    rate = servers * mu + m * theta
                    g[m, m] = -rate
                    g[m, m - 1] = rate
                absorbed = expm(g * target)[:, 0]  # P(S' <= target | m stages left)
            within = np.where(queued, no_ab * absorbed[np.minimum(ahead + 1, m_max)], 1.0)
    waits = queued.astype(np.float64)
    return waits, p_ab, mean_wait, within


def _rates(arrival_rate: float, mean_service: float, mean_patience: float) -> tuple[float, float, float]:
    if arrival_rate <= 0 or mean_service <= 0 or mean_patience <= 0:
        raise ValueError("arrival_rate, mean_service and mean_patience must be > 0")
    theta = 0.0 if math.isinf(mean_patience) else 1.0 / mean_patience
    return float(arrival_rate), 1.0 / mean_service, theta


def _metrics(weights: NDArray[np.float64], servers: int, mu: float, theta: float, target: float | None) -> QueueMetrics:
    waits, p_ab, mean_wait, within = _arrival_outcomes(weights.shape[0], servers, mu, theta, target)
    w = weights / weights.sum()
    return QueueMetrics(
        p_wait=float(w @ waits),
        p_abandon=float(w @ p_ab),
        mean_wait=float(w @ mean_wait),
        service_level=float(w @ within) if target is not None else math.nan,
    )


def erlang_a(
    servers: int,
    arrival_rate: float,
    mean_service: float,
    mean_patience: float,
    target: float | None = None,
) -> QueueMetrics:
    """Steady state of the Erlang A (M/M/c+M) queue, solved on its birth–death chain.

    The number in system moves up at rate ``λ`` and down at rate ``min(n, c)·μ + (n − c)⁺·θ``
    (answers plus hang-ups, ``θ = 1 / mean_patience``). By PASTA an arrival sees the stationary
    distribution; each state's outcomes are exact (see ``_arrival_outcomes``). The chain is cut
    where less than 1e-13 of the probability lies beyond. The identity
    ``P(abandon) = θ·E[wait]`` holds exactly.

    Args:
        servers: number of agents ``c``.
        arrival_rate: ``λ`` calls per unit time.
        mean_service: mean handle time ``1/μ``.
        mean_patience: mean patience ``1/θ``; ``math.inf`` gives Erlang C (needs ``λ < cμ``).
        target: answer-time target for the service level (optional).

    Raises:
        ValueError: a non-positive rate, or endless patience with ``λ ≥ cμ`` (no steady state).
    """
    c = _check_servers(servers)
    lam, mu, theta = _rates(arrival_rate, mean_service, mean_patience)
    if theta == 0.0 and lam >= c * mu:
        raise ValueError(f"no steady state: load {lam / mu:.4g} Erlangs >= {c} servers and nobody hangs up")
    n_states = _stationary_truncation(c, lam, mu, theta)
    return _metrics(_stationary(n_states, c, lam, mu, theta), c, mu, theta, target)


def queue_day_average(
    servers: int,
    arrival_rate: float,
    mean_service: float,
    horizon: float,
    *,
    mean_patience: float = math.inf,
    target: float | None = None,
) -> QueueMetrics:
    """Erlang C / A metrics averaged over arrivals of a day that starts with an empty queue.

    Arrivals come at rate ``λ`` during ``[0, horizon]`` (a Poisson process, i.e. uniform times
    given the day's count) and the queue starts empty, as at each staffed touchpoint of the
    simulation. An arrival at ``t`` sees the transient distribution ``π(t) = e_0·exp(Q·t)``, so
    the day's expected share of, e.g., waiting arrivals is ``∫ π(t)·waits dt / horizon``; with a
    steady state ``π`` the integral is ``T·π + (π(T) − π(0))·(Q − 1π)⁻¹`` (one matrix exponential
    and one linear solve), otherwise it comes from the block generator ``[[Q, I], [0, 0]]``.
    Customers still queued at closing are served after it, as in the simulation.

    Args:
        servers: number of agents.
        arrival_rate: arrivals per unit time while open.
        mean_service: mean handle time.
        horizon: opening hours, in the same time unit.
        mean_patience: mean patience (``math.inf``: nobody hangs up).
        target: answer-time target for the service level (optional).
    """
    c = _check_servers(servers)
    lam, mu, theta = _rates(arrival_rate, mean_service, mean_patience)
    if horizon <= 0:
        raise ValueError(f"horizon must be > 0, got {horizon!r}")
    if theta > 0 or lam < c * mu:
        n_states = _stationary_truncation(c, lam, mu, theta)  # N(t) from empty is below stationary
    else:  # overloaded, nobody hangs up: the queue grows at most like arrivals over the day
        mean_arrivals = lam * horizon
        n_states = c + int(mean_arrivals + 12.0 * math.sqrt(mean_arrivals) + 50)
    q = _generator(n_states, c, lam, mu, theta)
    if theta > 0 or lam < c * mu:
        # ∫_0^T e^{Qt} dt = T·1π + (e^{QT} − I)(Q − 1π)^{-1}: one K×K exponential and one solve
        pi = _stationary(n_states, c, lam, mu, theta)
        start = np.zeros(n_states)
        start[0] = 1.0
        at_close = pi if _settled(q, pi, horizon) else expm(q * horizon)[0]
        y = np.linalg.solve((q - np.outer(np.ones(n_states), pi)).T, at_close - start)
        occupancy = pi + y / horizon
    else:  # no steady state: the block generator [[Q, I], [0, 0]] gives the integral directly
        block = np.zeros((2 * n_states, 2 * n_states))
        block[:n_states, :n_states] = q * horizon
        block[:n_states, n_states:] = np.eye(n_states) * horizon
        occupancy = expm(block)[0, n_states:] / horizon
    occupancy = np.clip(occupancy, 0.0, None)
    return _metrics(occupancy, c, mu, theta, target)


# ------------------------------------------------------------------------------------ diffusion


def bass_cdf(t: ArrayLike, p: float, q: float) -> NDArray[np.float64]:
    """Bass (1969) cumulative adoption ``F(t) = (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t})``.

    Args:
        t: time(s) in periods since launch.
        p: coefficient of innovation (external influence) per period, > 0.
        q: coefficient of imitation (internal influence) per period, ≥ 0.

    Returns:
        The share of the market that has adopted by ``t`` (an array shaped like ``t``).
    """
    if p <= 0 or q < 0:
        raise ValueError(f"need p > 0 and q >= 0, got p={p!r}, q={q!r}")
    e = np.exp(-(p + q) * np.asarray(t, dtype=np.float64))
    return np.asarray((1.0 - e) / (1.0 + (q / p) * e), dtype=np.float64)


def bass_discrete(p_step: float, q_step: float, population: int, steps: int) -> NDArray[np.float64]:
    """Expected adopter share after each step of the mean-field daily adoption process.

    Each step every non-adopter adopts with probability ``1 − (1 − p)(1 − q/(N−1))^A``
    (Goldenberg, Libai & Muller 2001: marketing and each of the ``A`` adopters' messages are
    independent chances), with ``A`` the adopters at the start of the step. Iterating the mean
    ``A ← A + (N − A)·h(A)`` is the deterministic skeleton of the simulation's mean-field case;
    with ``p = P/L`` and ``q = Q/L`` it converges to :func:`bass_cdf` with ``(P, Q)`` as the
    number of steps per period ``L`` grows (explicit Euler: the gap is O(1/L)).

    Args:
        p_step: marketing probability per step.
        q_step: imitation coefficient per step (divided by ``N − 1`` per message).
        population: market size ``N`` (≥ 2).
        steps: number of steps.

    Returns:
        Array of length ``steps``: the adopter share at the end of steps 1..steps.
    """
    if population < 2:
        raise ValueError(f"population must be >= 2, got {population!r}")
    n = float(population)
    a = 0.0
    out = np.empty(steps)
    log_keep = math.log1p(-q_step / (n - 1.0)) if q_step < n - 1.0 else -math.inf
    for s in range(steps):
        h = 1.0 - (1.0 - p_step) * math.exp(a * log_keep)
        a += (n - a) * h
        out[s] = a / n
    return out


# ------------------------------------------------------------------------------- customer value


def clv_multiple(retention: float, discount: float, periods: int | None = None) -> float:
    """Margin multiple of customer lifetime value (Gupta & Lehmann 2003).

    A customer who pays margin ``m`` at the end of every period they are still a customer, with
    per-period retention ``r`` and discount rate ``i``, is worth ``m·Σ_{t≥1} rᵗ/(1+i)ᵗ =
    m·r/(1 + i − r)``; over a finite horizon of ``T`` periods the sum stops at ``T`` and the
    multiple is ``r/(1 + i − r)·(1 − (r/(1+i))ᵀ)``.

    Args:
        retention: ``r`` in [0, 1).
        discount: ``i`` > −1 (per period).
        periods: horizon ``T``; ``None`` for an endless one.
    """
    if not 0.0 <= retention < 1.0 + discount:
        raise ValueError(f"need 0 <= retention < 1 + discount, got r={retention!r}, i={discount!r}")
    multiple = retention / (1.0 + discount - retention)
    if periods is None:
        return multiple
    return multiple * (1.0 - (retention / (1.0 + discount)) ** periods)
