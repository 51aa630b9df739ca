"""Composing the designs of a comparison: user folders, overrides a design overrides, ignored keys.

Each test reproduces a problem a strategist met one step past the README (issue "The main job's
answer must be right"): designs in their own folder, overrides that silently won or vanished,
incomplete "unknown option" lists.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import cxsim
from cxsim.cli import config_dir_args
from cxsim.config.loading import group_options, searchpath_override
from cxsim.designs import design_configs, ignored_keys

MINE = """# @package _global_
scenario:
  name: mine
  title: My video desk
  description: A design kept in the strategist's own folder.
  capex: 1000.0
  opex_per_day: -5.0
journey:
  touchpoints:
    branch:
      servers: 2
"""


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    d = tmp_path / "mydesigns"
    (d / "scenario").mkdir(parents=True)
    (d / "scenario" / "mine.yaml").write_text(MINE)
    return d


def test_user_folder_design_composes(user_dir: Path) -> None:
    """A scenario in a user folder joins the built-in ones and composes (negative opex allowed)."""
    over = [searchpath_override([user_dir]), "compare.candidates=[mine]"]
    base, (mine,) = design_configs(over)
    assert base.scenario.name == "as_is"
    assert mine.scenario.title == "My video desk"
    assert mine.scenario.opex_per_day == -5.0
    assert mine.journey.touchpoints.branch.servers == 2
    assert "mine" in group_options("scenario", over)


def test_design_patch_wins_over_the_command_line_with_a_warning() -> None:
    """servers=4 on the command line must not erase more_agents' own change (it would become the AS-IS)."""
    notes: list[str] = []
    over = ["journey.touchpoints.contact_centre.servers=5", "compare.candidates=[more_agents]"]
    base, (more,) = design_configs(over, notes)
    assert base.journey.touchpoints.contact_centre.servers == 5  # applies to the AS-IS
    assert more.journey.touchpoints.contact_centre.servers == 4  # the design's own value
    assert any("more_agents" in n and "servers" in n for n in notes)


def test_override_that_no_design_patches_applies_to_all_without_warning() -> None:
    notes: list[str] = []
    base, cands = design_configs(["population.size=1234", "compare.candidates=[more_agents,better_app]"], notes)
    assert all(c.population.size == 1234 for c in [base, *cands])
    assert notes == []


def test_ignored_keys_are_named_with_the_key_that_applies() -> None:
    cfg = cxsim.load_config([])
    notes = ignored_keys("compare", ["simulation.days=90", "simulation.seed=3"], cfg)
    assert any("compare.horizon_days" in n for n in notes)
    assert any("compare.seed" in n for n in notes)
    assert ignored_keys("run", ["compare.replications=5"], cfg)
    assert ignored_keys("compare", ["population.size=5000"], cfg) == []


def test_unknown_scenario_lists_every_option(user_dir: Path) -> None:
    over = [searchpath_override([user_dir]), "compare.candidates=[nowhere]"]
    with pytest.raises(cxsim.ConfigError) as err:
        design_configs(over)
    text = str(err.value)
    for name in ("as_is", "better_app", "fewer_agents", "more_agents", "onboarding_wow", "shared_context", "mine"):
        assert name in text


def test_unknown_group_option_lists_every_option(user_dir: Path) -> None:
    with pytest.raises(cxsim.ConfigError) as err:
        cxsim.load_config([searchpath_override([user_dir]), "scenario=nowhere"])
    assert "mine" in str(err.value) and "shared_context" in str(err.value)


def test_user_file_with_a_builtin_name_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "shadow"
    (d / "scenario").mkdir(parents=True)
    (d / "scenario" / "better_app.yaml").write_text(MINE)
    with pytest.raises(cxsim.ConfigError, match="rename"):
        cxsim.load_config([searchpath_override([d])])


def test_config_dir_flag(user_dir: Path, tmp_path: Path) -> None:
    assert config_dir_args(["--config-dir", str(user_dir), "a=1"]) == [searchpath_override([user_dir]), "a=1"]
    with pytest.raises(cxsim.ConfigError, match="does not exist"):
        config_dir_args(["--config-dir", str(tmp_path / "missing")])


def _cli(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cxsim.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
def test_cli_compares_a_design_from_a_user_folder(user_dir: Path, tmp_path: Path) -> None:
    """validate, then compare, a design that lives in the user's folder (it used to crash in compare)."""
    work = tmp_path / "work"
    work.mkdir()
    ok = _cli(["validate", "--config-dir", str(user_dir), "scenario=mine"], work)
    assert ok.returncode == 0, ok.stderr
    small = ["population.size=2000", "compare.horizon_days=40", "compare.robustness_horizons_days=[]",
             "simulation.warmup_days=10", "compare.replications=2", "compare.n_jobs=1"]  # fmt: skip
    out = _cli(["compare", "--config-dir", str(user_dir), "compare.candidates=[mine]", *small], work)
    assert out.returncode == 0, out.stderr
    assert "My video desk" in out.stdout
    (run_dir,) = list((work / "outputs").glob("*/*"))
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [d["name"] for d in summary["designs"]] == ["as_is", "mine"]


@pytest.mark.slow
def test_cli_warns_about_ignored_and_overridden_keys(tmp_path: Path) -> None:
    small = ["population.size=1500", "compare.horizon_days=30", "compare.robustness_horizons_days=[]",
             "simulation.warmup_days=5", "compare.replications=2", "compare.n_jobs=1"]  # fmt: skip
    out = _cli(
        ["compare", "simulation.days=90", "journey.touchpoints.contact_centre.servers=5",
         "compare.candidates=[more_agents]", *small],
        tmp_path,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "compare.horizon_days" in out.stderr
    assert "more_agents" in out.stderr and "servers" in out.stderr
    assert out.stderr.count("does not apply to design") == 1  # said once, not once per composition


def test_cli_missing_config_dir_exits_2(tmp_path: Path) -> None:
    out = _cli(["compare", "--config-dir", str(tmp_path / "nope")], tmp_path)
    assert out.returncode == 2 and "does not exist" in out.stderr and "Traceback" not in out.stderr


def test_readme_walkthrough_design_validates(tmp_path: Path) -> None:
    """The README's own design file, written to a user folder as the README says, composes and validates."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    head = "cat > mydesigns/scenario/video_branch.yaml <<'YAML'\n"
    assert head in readme
    body = readme.split(head, 1)[1].split("\nYAML\n", 1)[0]
    d = tmp_path / "mydesigns" / "scenario"
    d.mkdir(parents=True)
    (d / "video_branch.yaml").write_text(body + "\n")
    cfg = cxsim.load_config([searchpath_override([d.parent]), "scenario=video_branch"])
    assert cfg.journey.touchpoints.branch.servers == 2
    assert cfg.journey.touchpoints.contact_centre.servers == 4
