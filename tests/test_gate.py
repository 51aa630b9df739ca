"""The gate before every run (issue 10): each input that used to traceback or slip through.

Each test states one rule: the bad input is one ConfigError naming the key (or FILE:LINE) and
the value; the CLI turns it into exit code 2 with nothing written.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

import cxsim.memory
from cxsim import cli
from cxsim.config.loading import compose_config, load_config, searchpath_override
from cxsim.config.validation import LIMITS, ConfigError
from cxsim.designs import design_configs
from cxsim.memory import estimate_bytes
from cxsim.output import atomic_write_bytes, output_dir_problem


def _problems(overrides: list[str]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as info:
        compose_config(overrides, validate_it=True)
    return info.value.problems


@pytest.mark.parametrize(
    ("overrides", "key", "fragment"),
    [
        (["population.size=${nope}"], "population.size", "nope"),
        (["population.size=${oc.env:CXSIM_SURELY_UNSET}"], "population.size", "CXSIM_SURELY_UNSET"),
        (["journey.title=${journey.name}", "journey.name=${journey.title}"], "journey.", "Recursive"),
        (["+journey.touchpoints.kiosk={staffed:false}"], "journey.touchpoints.kiosk.channel", "mandatory"),
    ],
)
def test_unresolvable_config_names_the_key(overrides: list[str], key: str, fragment: str) -> None:
    """Interpolations and mandatory values are resolved up front, not in the middle of a run."""
    problems = _problems(overrides)
    assert len(problems) == 1 and problems[0][0].startswith(key) and fragment in problems[0][1], problems


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("scenario:\n  name: x\n  capex: [1, 2\n", 5, "expected ',' or ']'"),
        ("scenario:\n\tname: x\n", 3, "'\\t'"),
        ("scenario:\n  name: x\n  name: y\n", 4, "duplicate key"),
        ("scenario:\n  capex: !!python/object/apply:os.system [ls]\n", 3, "constructor"),
    ],
)
def test_yaml_syntax_error_in_a_user_folder_is_file_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    """Unclosed bracket, tab, duplicate key, unsafe tag: ``FILE:LINE: YAML syntax error: ...``."""
    f = tmp_path / "scenario" / "my_design.yaml"
    f.parent.mkdir()
    f.write_text("# @package _global_\n" + text)  # the header is line 1
    problems = _problems([searchpath_override([tmp_path]), "scenario=my_design"])
    assert problems[0][0] == f"{f}:{line}", problems
    assert "YAML syntax error" in problems[0][1] and fragment in problems[0][1], problems


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("journey.name=", "journey.name"),
        ("economics.currency=''", "economics.currency"),
        ("scenario.title=' '", "scenario.title"),
        ("scenario.name=", "scenario.name"),
    ],
)
def test_text_fields_are_checked_up_front(override: str, key: str) -> None:
    """Names the report and the files use are non-empty strings."""
    assert [k for k, _ in _problems([override])] == [key]


@pytest.mark.parametrize(
    ("override", "key", "value"),
    [
        ("population.size=10000000000", "population.size", "10000000000"),
        (f"population.size={2**63 - 1}", "population.size", str(2**63 - 1)),
        ("simulation.days=100000000000000000000", "simulation.days", "100000000000000000000"),
        ("simulation.warmup_days=36501", "simulation.warmup_days", "36501"),
        ("journey.touchpoints.contact_centre.servers=1000000000", "journey.touchpoints.contact_centre.servers", ""),
        (f"behaviour.max_contacts={10**29}", "behaviour.max_contacts", str(10**29)),
        ("economics.marketing_cost_per_day=1e308", "economics.marketing_cost_per_day", "1e+308"),
        ("population.segments.mass.revenue_per_day=1e308", "population.segments.mass.revenue_per_day", "1e+308"),
        ("scenario.opex_per_day=-2e12", "scenario.opex_per_day", "-2000000000000.0"),
    ],
)
def test_upper_bounds_name_key_value_and_range(override: str, key: str, value: str) -> None:
    """Every integer has a documented sane range and every number |x| <= 1e12."""
    problems = _problems([override])
    assert [k for k, _ in problems] == [key], problems
    assert value in problems[0][1] and ("[" in problems[0][1]), problems


def test_limits_are_accepted_at_the_bound() -> None:
    """The bounds are inclusive: the documented maximum itself is valid."""
    cfg = compose_config([f"simulation.days={LIMITS['simulation.days']}", "behaviour.max_contacts=1000"])
    assert cfg.simulation.days == 36_500


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("population.segments={}", "population.segments"),
        ("journey.touchpoints={}", "journey.touchpoints"),
        ("journey.journeys={}", "journey.journeys"),
        ("journey.journeys.support.steps={}", "journey.journeys.support.steps"),
    ],
)
def test_empty_group_is_an_error(override: str, key: str) -> None:
    """``X={}`` would silently change nothing (Hydra merges mappings): refuse it."""
    assert [k for k, _ in _problems([override])] == [key]


@pytest.mark.parametrize("override", ["~economics", "~behaviour", "~wom", "~simulation.days", "~wom.network"])
def test_deleted_group_is_an_error_naming_it(override: str) -> None:
    """A deleted group or key falls back to schema defaults that differ from the shipped YAML."""
    problems = _problems([override])
    assert problems[0][0] == override[1:] and "schema defaults" in problems[0][1], problems


def test_deleting_one_entry_of_a_group_is_still_fine() -> None:
    """Removing one segment or touchpoint is a legitimate edit (the rules then judge the result)."""
    problems = _problems(["~population.segments.affluent"])
    assert problems == [("population.segments", "segment shares must sum to 1, got 0.75")]


def test_a_touchpoint_and_a_step_can_be_added_from_the_command_line() -> None:
    """``+journey.touchpoints.kiosk={...}`` gets the schema's defaults for what it does not set."""
    cfg = load_config(
        [
            "+journey.touchpoints.kiosk={channel:digital,staffed:false,servers:0,p_resolve:0.5}",
            "+journey.journeys.support.steps.followup={touchpoints:[kiosk,app]}",
            "journey.journeys.support.steps.resolve.on_unresolved=followup",
        ]
    )
    kiosk = cfg.journey.touchpoints.kiosk
    assert kiosk.p_resolve == 0.5 and kiosk.close_min == 1440.0
    assert list(cfg.journey.journeys.support.steps) == ["resolve", "followup"]


def test_memory_estimate_refuses_a_run_that_cannot_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The estimate and the machine's available memory are both in the message."""
    monkeypatch.setattr(cxsim.memory, "available_bytes", lambda: 512 * 2**20)
    problems = _problems(["population.size=2000000"])
    assert problems[0][0] == "population.size"
    assert "2,000,000 people" in problems[0][1] and "512 MB available" in problems[0][1], problems
    compose_config(["population.size=1000"])  # small runs still fit


def test_memory_estimate_grows_with_people_degree_and_engine() -> None:
    """More people, a denser network and the agent engine all need more memory."""
    base = compose_config(["population.size=100000"], validate_it=False)
    denser = compose_config(["population.size=100000", "wom.network.mean_degree=40"], validate_it=False)
    agent = compose_config(["population.size=100000", "simulation.engine=agent"], validate_it=False)
    assert estimate_bytes(base) < estimate_bytes(denser) < estimate_bytes(agent)
    per_person = (estimate_bytes(base) - cxsim.memory.BASE_BYTES) / 100_000
    assert 180 <= per_person <= 300  # benchmarks/bytes_per_person.py measured ~215 B per person at mean degree 10


def test_duplicate_design_names_are_a_config_error(tmp_path: Path) -> None:
    """Two designs with the same scenario.name are refused before the comparison starts."""
    f = tmp_path / "scenario" / "my_twin.yaml"
    f.parent.mkdir()
    f.write_text("# @package _global_\nscenario:\n  name: as_is\n  title: Twin of the AS-IS\n")
    with pytest.raises(ConfigError) as info:
        design_configs([searchpath_override([tmp_path]), "compare.candidates=[my_twin]"])
    assert info.value.problems[0][0] == "scenario=my_twin" and "'as_is'" in info.value.problems[0][1]


def test_validate_checks_the_designs_of_a_comparison(capsys: pytest.CaptureFixture[str]) -> None:
    """``cxsim validate compare.candidates=[nope]`` fails as ``cxsim compare`` would."""
    assert cli.main(["validate", "compare.candidates=[nope]"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxsim: ") and "unknown scenario 'nope'" in err


@pytest.mark.parametrize("where", ["/proc/cxsim-nope/run", "FILE/run"])
def test_unwritable_output_folder_exits_2_before_running(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str
) -> None:
    """An output folder that cannot be created: exit 2, one message, nothing written."""
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    target = where.replace("FILE", str(blocker))
    before = sorted(tmp_path.iterdir())
    assert cli.main(["run", f"hydra.run.dir={target}", "population.size=100"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxsim: cannot write the outputs: hydra.run.dir=") and "Traceback" not in err
    assert sorted(tmp_path.iterdir()) == before


def test_writable_output_folder_leaves_nothing_behind(tmp_path: Path) -> None:
    """The check itself writes nothing."""
    assert output_dir_problem(tmp_path / "new" / "run") is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_output_files_respect_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    """Files are readable by colleagues as the umask allows (mkstemp alone makes them 0600)."""
    old = os.umask(umask)
    try:
        atomic_write_bytes(tmp_path / "summary.json", b"{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "summary.json").stat().st_mode) == mode


@pytest.mark.parametrize(
    "args",
    [
        ["run", "population.size=${nope}"],
        ["run", "economics.marketing_cost_per_day=1e308"],
        ["compare", "compare.candidates=[nope]"],
        ["run", "-m", "hydra.sweep.dir=/proc/cxsim-nope", "simulation.seed=1,2"],
    ],
)
def test_bad_run_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    """``run``/``compare`` with a bad input: exit 2, one "cxsim: " line, no folder in the working directory."""
    monkeypatch.chdir(tmp_path)
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("cxsim: ") and len(err.strip().splitlines()) == 1, err
    assert list(tmp_path.iterdir()) == []


def test_errors_of_an_added_entry_name_the_users_override() -> None:
    """An added entry is merged as a whole, but its errors quote what the user typed."""
    problems = _problems(["+journey.touchpoints.app.servers=abc"])
    assert problems[0][0] == "journey.touchpoints.app.servers"
    assert "+journey.touchpoints.app.servers=abc" in problems[0][1] and "'abc'" in problems[0][1]


def test_cli_runs_with_a_touchpoint_added_on_the_command_line(tmp_path: Path) -> None:
    """``cxsim run +journey.touchpoints.kiosk={...}`` (once "dict is not a subclass of TouchpointConfig") runs."""
    import subprocess
    import sys

    import pandas as pd

    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "cxsim.cli", "run", "+journey.touchpoints.kiosk={channel:digital,p_resolve:0.5}",
         "+journey.journeys.support.steps.followup={touchpoints:[kiosk]}",
         "journey.journeys.support.steps.resolve.on_unresolved=followup", "population.size=500",
         "simulation.days=10", f"hydra.run.dir={out}"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    tps = pd.read_parquet(out / "touchpoints.parquet")
    assert "kiosk" in set(tps["touchpoint"])
    assert stat.S_IMODE((out / "summary.json").stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
