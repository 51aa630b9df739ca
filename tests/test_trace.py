"""Customer traces (``simulation.trace``): what they hold, that both engines write the same ones,
that tracing changes nothing, and that a market traced whole accounts for every event of the
daily KPIs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import cxsim
from cxsim.compare import replicate
from cxsim.config.validation import ConfigError, validate
from cxsim.designs import ignored_keys
from cxsim.rng import STREAM_TRACE, uniform
from cxsim.story import story
from cxsim.trace import COLUMNS, traced_people
from tests.clitools import assert_run_refuses

BASE = ["population.size=1500", "simulation.days=60", "simulation.warmup_days=0", "simulation.progress=false"]
HEAVY_QUEUES = [
    "journey.touchpoints.contact_centre.servers=1",
    "journey.touchpoints.branch.servers=1",
    "population.segments.mass.journey_rates.support=0.03",
    "population.segments.affluent.journey_rates.support=0.03",
]
CASES = {
    "default": [],
    "heavy_queues": HEAVY_QUEUES,
    "complete_mixing": ["wom=mean_field", "population.initial_customer_share=0.1", "acquisition.q_wom=0.05"],
}


def _run(overrides: list[str], engine: str = "vector") -> cxsim.SimulationResult:
    return cxsim.simulate(cxsim.load_config(BASE + overrides), engine=engine)


# ---- who is traced ---------------------------------------------------------------------------


def test_a_number_traces_the_people_with_the_smallest_keyed_draws() -> None:
    """``trace=n`` is the n smallest of uniform(seed, TRACE, person, 0, 0): keyed, nested, sorted."""
    draws = np.array([uniform(7, STREAM_TRACE, i, 0, 0) for i in range(300)])
    five = traced_people(7, 300, 5)
    assert five.tolist() == sorted(np.argsort(draws)[:5].tolist())
    assert set(five) <= set(traced_people(7, 300, 12))
    assert traced_people(7, 300, 5).tolist() == five.tolist()  # deterministic
    assert traced_people(8, 300, 5).tolist() != five.tolist()  # another seed, other people
    assert traced_people(7, 300, 300).tolist() == list(range(300))
    assert traced_people(7, 300, 0).size == 0
    assert traced_people(7, 300, [40, 3, 17]).tolist() == [3, 17, 40]


def test_tables_have_the_documented_columns_and_only_the_traced_people(small_overrides: list[str]) -> None:
    result = cxsim.simulate(cxsim.load_config([*small_overrides, "simulation.trace=[5, 17, 40]"]))
    traces = result.traces
    assert traces is not None and traces.people.tolist() == [5, 17, 40]
    for name in COLUMNS:
        assert tuple(getattr(traces, name).columns) == COLUMNS[name]
    start = traces.status[traces.status["day"] == 0]
    assert start["person"].tolist() == [5, 17, 40]  # day 0: the status each traced person starts with
    assert start["from_status"].isna().all() and start["segment"].isin(["mass", "affluent"]).all()
    assert set(traces.contacts["person"]) <= {5, 17, 40}
    involved = traces.wom["sender"].isin([5, 17, 40]) | traces.wom["receiver"].isin([5, 17, 40])
    assert involved.all()
    assert cxsim.simulate(cxsim.load_config(small_overrides)).traces is None  # off by default


# ---- both engines, and no effect ------------------------------------------------------------


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_engines_write_identical_traces(case: str) -> None:
    """Agent and vector engine trace the same people with the same rows (floats to 1e-9)."""
    overrides = [*CASES[case], "simulation.trace=60"]
    agent, vector = _run(overrides, "agent"), _run(overrides, "vector")
    assert agent.traces is not None and vector.traces is not None
    assert agent.traces.people.tolist() == vector.traces.people.tolist()
    for name, table in agent.traces.files().items():
        assert len(table) > 0, name
        pd.testing.assert_frame_equal(table, vector.traces.files()[name], check_exact=False, rtol=1e-9, atol=0)
    if case == "heavy_queues":
        assert (agent.traces.contacts["outcome"] == "abandoned").any()


@pytest.mark.parametrize("engine", ["vector", "agent"])
def test_tracing_changes_no_result(engine: str) -> None:
    """The daily KPIs and the touchpoint table of a traced run are those of the same run untraced."""
    small = ["population.size=800", *HEAVY_QUEUES]
    plain, traced = _run(small, engine), _run([*small, "simulation.trace=800"], engine)
    pd.testing.assert_frame_equal(plain.daily, traced.daily, check_exact=True)
    pd.testing.assert_frame_equal(plain.touchpoints, traced.touchpoints, check_exact=True)
    assert plain.summary == traced.summary


_THREADS_SCRIPT = """
import sys, numba, cxsim
import cxsim.engines.vector as vector
vector.PARALLEL_MIN_PEOPLE = 0  # every thread, whatever the size
cfg = cxsim.load_config(["population.size=20000", "simulation.days=40", "simulation.warmup_days=0",
                         "simulation.progress=false", "simulation.trace=400"])
assert numba.get_num_threads() == int(sys.argv[2])
for name, table in cxsim.simulate(cfg).traces.files().items():
    table.to_parquet(f"{sys.argv[1]}/{sys.argv[2]}-{name}")
"""


@pytest.mark.slow
def test_traces_identical_at_any_thread_count(tmp_path: Path) -> None:
    """The vector engine writes bit-identical traces with 1 and 2 numba threads."""
    for threads in ("1", "2"):
        env = {**os.environ, "NUMBA_NUM_THREADS": threads}
        subprocess.run(
            [sys.executable, "-c", _THREADS_SCRIPT, str(tmp_path), threads], check=True, env=env, timeout=600
        )
    for name in COLUMNS:
        one, two = (pd.read_parquet(tmp_path / f"{n}-trace_{name}.parquet") for n in ("1", "2"))
        assert len(one) > 0, name
        pd.testing.assert_frame_equal(one, two, check_exact=True)


# ---- a market traced whole accounts for every event ------------------------------------------


def _per_day(table: pd.DataFrame, days: pd.Series, mask: pd.Series | None = None, weight: str | None = None) -> list:
    rows = table if mask is None else table[mask]
    counts = rows.groupby("day")[weight].sum() if weight else rows.groupby("day").size()
    return counts.reindex(days, fill_value=0).astype(int).tolist()


@pytest.mark.parametrize("wom", ["default", "mean_field"])
def test_everyone_traced_accounts_for_every_daily_count(wom: str) -> None:
    """Tracing the whole market gives, day by day, the daily table's contacts, outcomes, journeys,
    acquisitions by channel, churn and WOM messages sent."""
    result = _run(["population.size=500", f"wom={wom}", *HEAVY_QUEUES, "simulation.trace=500"])
    d, t = result.daily, result.traces
    assert t is not None
    days = d["day"]
    c, j, s, w = t.contacts, t.journeys, t.status, t.wom
    assert _per_day(c, days) == d["visits"].tolist()
    assert _per_day(c, days, c["outcome"] == "abandoned") == d["abandoned"].tolist()
    assert _per_day(c, days, c["outcome"] == "resolved") == d["resolved"].tolist()
    assert _per_day(j, days, j["outcome"] == "completed") == d["journeys_completed"].tolist()
    assert _per_day(j, days, j["outcome"] == "given_up") == d["journeys_failed"].tolist()
    assert _per_day(s, days, s["via"] == "marketing") == d["acquired_marketing"].tolist()
    assert _per_day(s, days, s["via"] == "referral") == d["acquired_referral"].tolist()
    assert _per_day(s, days, s["to_status"] == "churned") == d["churned"].tolist()
    sent = w["sender"] >= 0  # with complete mixing a heard row (sender -1) repeats messages already sent
    assert _per_day(w, days, sent & (w["sign"] > 0), "messages") == d["wom_positive"].tolist()
    assert _per_day(w, days, sent & (w["sign"] < 0), "messages") == d["wom_negative"].tolist()
    assert d["wom_negative" if wom == "default" else "wom_positive"].sum() > 0  # mean field: everyone praises
    assert d["abandoned"].sum() > 0 and d["churned"].sum() > 0
    end = s[s["day"] > 0].groupby("to_status").size()
    assert int(end.get("churned", 0)) == int(d["churned"].sum())


def _remembered(values: list[float], weights: list[float], rule: str) -> float:
    """The memory rules of docs/model.md, by hand: weighted mean, or mean of peak and end."""
    if rule == "mean":
        return float(np.clip(np.dot(values, weights) / sum(weights), -1, 1))
    moments = [float(np.clip(w * v, -1, 1)) for v, w in zip(values, weights, strict=True)]
    peak = max(moments) if abs(max(moments)) >= abs(min(moments)) else min(moments)
    return float(np.clip(0.5 * (peak + moments[-1]), -1, 1))


@pytest.mark.parametrize("rule", ["peak_end", "mean"])
def test_a_journey_row_is_the_memory_of_its_contacts(rule: str) -> None:
    """Each finished journey's remembered value follows from its contacts' moment values; its
    satisfaction_before is the satisfaction the person's previous journey left."""
    cfg = cxsim.load_config([*BASE, *HEAVY_QUEUES, f"behaviour.memory.rule={rule}", "simulation.trace=300"])
    t = cxsim.simulate(cfg).traces
    assert t is not None
    weight = {f"{jn}.{sn}": float(st.weight) for jn, jt in cfg.journey.journeys.items() for sn, st in jt.steps.items()}
    penalty = float(cfg.behaviour.give_up_penalty)
    checked = 0
    for person, contacts in t.contacts.groupby("person"):
        journeys = t.journeys[t.journeys["person"] == person].sort_values("day")
        start = 0
        for _, row in journeys.iterrows():  # a journey's contacts follow the previous journey's
            mine = contacts.iloc[start : start + int(row["contacts"])]
            start += len(mine)
            assert mine["day"].iloc[-1] == row["day"] and (mine["journey"] == row["journey"]).all()
            assert mine["contact"].tolist() == list(range(1, int(row["contacts"]) + 1))
            assert mine["next"].iloc[-1] == ("done" if row["outcome"] == "completed" else "give_up")
            w = [weight[f"{a}.{b}"] for a, b in zip(mine["journey"], mine["step"], strict=True)]
            expect = _remembered(mine["moment_value"].tolist(), w, rule)
            assert row["remembered"] == pytest.approx(expect, abs=1e-12)
            lost = penalty if row["outcome"] == "given_up" else 0.0
            assert row["value"] == pytest.approx(float(np.clip(expect - lost, -1, 1)), abs=1e-12)
            checked += 1
        before = journeys["satisfaction_before"].to_numpy()[1:]
        assert before.tolist() == journeys["satisfaction"].to_numpy()[:-1].tolist()
    assert checked >= 20 and (t.journeys["outcome"] == "given_up").any()


def test_a_story_reads_one_person_from_the_written_tables(tmp_path: Path) -> None:
    """``cxsim.story.story`` lists the person's status changes, contacts and journeys from the files."""
    result = _run([*HEAVY_QUEUES, "simulation.trace=300"])
    assert result.traces is not None
    for name, table in result.traces.files().items():
        table.to_parquet(tmp_path / name)
    journeys = result.traces.journeys
    person = int(journeys["person"].value_counts().index[0])  # the person with the most journeys
    text = story(tmp_path, person)
    mine = result.traces.contacts[result.traces.contacts["person"] == person]
    contact_rows = [ln for ln in text.split("### Contacts")[1].split("###")[0].splitlines() if ln.startswith("| ")]
    assert len(contact_rows) == 1 + len(mine)  # header and one row per contact
    assert f"| {mine['day'].iloc[0]} | {mine['journey'].iloc[0]} | {mine['step'].iloc[0]} | 1 |" in text
    assert "| 0 |  | customer | initial |" in text or "| 0 |  | prospect |  |" in text
    with pytest.raises(ValueError, match="was not traced"):
        story(tmp_path, 10**6)


def test_a_comparison_traces_nobody_and_says_so() -> None:
    """``compare`` reads no traces, so its replications follow nobody, and the override gets a warning."""
    cfg = cxsim.load_config(
        ["population.size=300", "simulation.days=10", "simulation.warmup_days=0", "simulation.trace=5"]
    )
    assert cxsim.simulate(cfg).traces is not None
    assert all(r.traces is None for r in replicate([cfg], 1, None, cfg.simulation.days))
    notes = ignored_keys("compare", ["simulation.trace=5"], cfg)
    assert len(notes) == 1 and "simulation.trace=5 is not used by compare" in notes[0]


# ---- bad input and the command line ------------------------------------------------------------


@pytest.mark.parametrize(
    ("trace", "words"),
    [
        (-1, "must be >= 0"),
        (1501, "asks for 1,501 people but the market has 1,500"),
        (2.5, "must be a number of people"),
        ("five", "must be a number of people"),
        (True, "must be a number of people"),
        ([3, 1500], "person id 1500 is outside the market: ids run from 0 to 1499"),
        ([-2], "person id -2 is outside the market"),
        ([3, "x"], "person ids must be whole numbers, got 'x'"),
        ([4, 4], "lists person 4 more than once"),
    ],
)
def test_bad_traces_are_refused_naming_the_key(trace: object, words: str) -> None:
    cfg = cxsim.load_config(BASE)
    cfg.simulation.trace = trace
    with pytest.raises(ConfigError) as exc:
        validate(cfg)
    assert exc.value.problems == [("simulation.trace", exc.value.problems[0][1])]
    assert words in str(exc.value)


@pytest.mark.parametrize("override", ["simulation.trace=[7,50000]", "simulation.trace=1.5"])
def test_cxsim_run_refuses_a_bad_trace(tmp_path: Path, override: str) -> None:
    """Exit 2, the key named, no traceback, nothing written (the market has 50,000 people)."""
    assert_run_refuses(tmp_path, override, "simulation.trace")


def test_cxsim_run_writes_the_trace_tables(tmp_path: Path) -> None:
    """``cxsim run simulation.trace=5`` writes the four tables; they hold the five people's story."""
    out = subprocess.run(
        [sys.executable, "-m", "cxsim.cli", "run", "population.size=2000", "simulation.days=30",
         "simulation.warmup_days=5", "simulation.trace=5", "hydra.run.dir=run"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    run = tmp_path / "run"
    status = pd.read_parquet(run / "trace_status.parquet")
    assert tuple(status.columns) == COLUMNS["status"]
    assert status[status["day"] == 0]["person"].tolist() == traced_people(42, 2000, 5).tolist()
    for name in COLUMNS:
        table = pd.read_parquet(run / f"trace_{name}.parquet")
        assert tuple(table.columns) == COLUMNS[name]
        assert table["day"].between(0, 35).all()
