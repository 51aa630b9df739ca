"""A command line that explains itself: per-command help, ``cxsim help KEY``, did-you-mean.

The key documentation comes from the schema's field comments (:mod:`cxsim.config.keys`); the
test of every documented range against :func:`cxsim.config.validation.validate` keeps the help
and the gate from drifting apart.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from cxsim import cli
from cxsim.config.keys import bounds, find_key, key_docs, suggest_key
from cxsim.config.loading import compose_config, searchpath_override
from cxsim.config.validation import LIMITS, ConfigError, validate

ROOT = Path(__file__).resolve().parents[1]


def _main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


# ---- the documentation of the keys ----------------------------------------------------------


def test_key_docs_carry_meaning_and_ranges() -> None:
    size = key_docs()["population.size"]
    assert size.type == "int" and size.schema_default == 20000
    assert "people in the market" in size.meaning
    assert bounds(size) == (1.0, True, float(LIMITS["population.size"]), True)
    servers = find_key("journey.touchpoints.contact_centre.servers")
    assert servers is not None and servers.path == "journey.touchpoints.*.servers"
    assert bounds(servers) == (1.0, True, float(LIMITS["servers"]), True)
    mean = key_docs()["journey.touchpoints.*.service_time.mean_min"]
    assert mean.unit == "minutes" and bounds(mean)[:2] == (0.0, False)
    assert bounds(key_docs()["compare.ci_level"]) == (0.0, False, 1.0, False)


def _concrete(path: str, cfg: object) -> str:
    """A key of the shipped config matching a ``*`` pattern: the first entry of each dict."""
    parts: list[str] = []
    for p in path.split("."):
        if p == "*":
            parts.append(next(iter(OmegaConf.select(cfg, ".".join(parts)))))
        else:
            parts.append(p)
    return ".".join(parts)


def _outside(lo: float | None, lo_in: bool, hi: float | None, hi_in: bool, integer: bool) -> list[float]:
    step = 1 if integer else 1e-3
    out = []
    if lo is not None:
        out.append(lo - step if lo_in else lo)
    if hi is not None and math.isfinite(hi):
        out.append(hi + step if hi_in else hi)
    return out


def test_every_documented_range_is_enforced_by_validation() -> None:
    """A value just outside the range help prints is refused, and the problem names that key."""
    fixed = "journey.touchpoints.contact_centre.staffing.policy=fixed"  # a fixed team needs servers >= 1
    base = compose_config(["journey.touchpoints.contact_centre.staffed=true", fixed], validate_it=False)
    validate(base)
    checked = 0
    for path, doc in key_docs().items():
        if doc.type not in ("int", "float", "list[int]", "dict[str, float]") or not doc.range_text:
            continue
        key = _concrete(path, base)
        if path.endswith(".servers"):
            key = "journey.touchpoints.contact_centre.servers"  # staffed: servers >= 1
        if doc.type == "dict[str, float]":
            key = f"{key}.{next(iter(OmegaConf.select(base, key)))}"
        lo, lo_in, hi, hi_in = bounds(doc)
        for bad in _outside(lo, lo_in, hi, hi_in, doc.type in ("int", "list[int]")):
            cfg = base.copy()
            value: object = int(bad) if doc.type in ("int", "list[int]") else bad
            OmegaConf.update(cfg, key, [value] if doc.type == "list[int]" else value, force_add=True)
            with pytest.raises(ConfigError) as exc:
                validate(cfg)
            keys = [k for k, _ in exc.value.problems]
            expect = key.replace(".close_min", ".open_min")  # opening hours are reported at open_min
            parent = expect.rsplit(".", 1)[0]
            assert any(k.startswith(expect) or k == parent for k in keys), (path, bad, keys)
            checked += 1
    assert checked >= 80, checked


# ---- per-command help -----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare", "validate"])
def test_command_help_lists_keys_with_ranges(
    command: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = _main(capsys, command, "--help")
    assert code == 0
    assert f"usage: cxsim {command}" in out
    lines = out.splitlines()
    i = next(i for i, ln in enumerate(lines) if ln.startswith("  population.size  (int, default 50000)"))
    assert "range ≥ 1, ≤ 50,000,000" in lines[i + 1]
    j = next(i for i, ln in enumerate(lines) if ln.startswith("  journey.touchpoints.*.servers  (int"))
    assert "contact_centre=3" in lines[j] and "range ≥ 1, ≤ 100,000" in lines[j + 1]
    assert ("compare.replications" in out) == (command != "run")  # run does not read compare.*
    assert "scenario: as_is, better_app" in out  # the options of the config groups
    assert list(tmp_path.iterdir()) == []


def test_run_and_compare_declare_overwrite(capsys: pytest.CaptureFixture[str]) -> None:
    for command in ("run", "compare"):
        _, out, _ = _main(capsys, command, "--help")
        assert "--overwrite" in out and "hydra.run.dir" in out


def test_overwrite_reaches_the_launch_function(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(cli, "_launch", lambda args, app, designs: seen.append(args) or 0)
    assert cli.main(["run", "--overwrite", "population.size=100"]) == 0
    assert cli.main(["compare", "population.size=100"]) == 0
    assert seen == [["population.size=100", "--overwrite"], ["population.size=100"]]


@pytest.mark.parametrize(
    "args",
    [["--help"], ["run", "--help"], ["compare", "-h"], ["validate", "--help"], ["validate-model", "--help"],
     ["collect", "--help"], ["help"], ["help", "run"], ["run", "population.size=5", "--help"]],
)  # fmt: skip
def test_every_help_exits_0_and_writes_nothing(args: list[str], tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "cxsim.cli", *args],
        cwd=tmp_path,
        env={**os.environ, "MPLBACKEND": "Agg"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "usage: cxsim" in out.stdout
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []


# ---- cxsim help KEY -------------------------------------------------------------------------


def test_help_key_shows_range_value_and_the_file_that_set_it(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(capsys, "help", "population.size")
    assert code == 0
    assert "range ≥ 1, ≤ 50,000,000" in out
    assert "value: 50000, set by" in out and str(Path("population") / "retail_bank.yaml") in out
    _, out, _ = _main(capsys, "help", "population.size", "population.size=700")
    assert "value: 700, set by the override 'population.size=700'" in out
    _, out, _ = _main(capsys, "help", "journey.touchpoints.contact_centre.servers", "scenario=more_agents")
    assert "value: 4" in out and "more_agents.yaml (group option scenario=more_agents)" in out


def test_help_group_lists_its_keys_and_options_with_user_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "my_design.yaml").write_text("# @package _global_\nscenario:\n  name: my_design\n")
    code, out, _ = _main(capsys, "help", "scenario", "--config-dir", str(tmp_path))
    assert code == 0
    assert "scenario.capex" in out and "range ≥ 0" in out
    assert "better_app" in out and f"my_design: {tmp_path / 'scenario' / 'my_design.yaml'}" in out
    _, out, _ = _main(capsys, "help", "journey.touchpoints")
    assert "entries now: app, contact_centre, branch" in out or "entries: app, contact_centre, branch" in out


def test_help_unknown_key_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _main(capsys, "help", "behaviour.loss_weigth")
    assert code == 2
    assert "did you mean behaviour.loss_weight?" in err


def test_compare_cfg_prints_every_design(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _main(capsys, "compare", "--cfg", "job", "compare.candidates=[better_app,more_agents]")
    assert code == 0
    heads = [ln for ln in out.splitlines() if ln.startswith("# ---- ")]
    assert [h.split("scenario=")[1].split()[0] for h in heads] == ["as_is", "better_app", "more_agents"]
    assert "capex: 60000.0" in out


# ---- did you mean ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "key", "hint"),
    [
        ("population.sizee=5", "population.sizee", "did you mean population.size?"),
        ("+population.sizee=5", "population.sizee", "did you mean population.size?"),
        ("journey.touchpoints.branch.servrs=2", "journey.touchpoints.branch.servrs",
         "did you mean journey.touchpoints.branch.servers?"),
        ("+journey.touchpoints.branch.servrs=2", "journey.touchpoints.branch.servrs",
         "did you mean journey.touchpoints.branch.servers?"),
        ("scenario=better_ap", "scenario", "did you mean scenario=better_app?"),
    ],
)  # fmt: skip
def test_typo_gets_did_you_mean_not_the_append_tip(
    override: str, key: str, hint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str]
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    for command in ("validate", "run"):
        code, _, err = _main(capsys, command, override)
        assert code == 2
        assert err.startswith(f"cxsim: invalid config: {key}:"), err
        assert hint in err and "To append" not in err
        assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_suggest_key_keeps_entry_names() -> None:
    assert suggest_key("population.segments.mass.shar") == ["population.segments.mass.share"]
    assert suggest_key("simulation.sed") == ["simulation.seed"]
    assert suggest_key("zzzz.qqqq") == []
    assert suggest_key("wom.sise") == []  # a group's own name among the candidates (found by test_fuzz)


def test_unknown_command_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _main(capsys, "compar")
    assert code == 2 and "did you mean compare?" in err


# ---- shell completion -----------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh"])
def test_shell_completion_script(shell: str, tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "cxsim.cli", "-sc", f"install={shell}"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "hydra_bash_completion" in out.stdout and "complete" in out.stdout


def test_shell_completion_query_skips_the_command_word(tmp_path: Path) -> None:
    line = "cxsim compare scenario="
    env = {**os.environ, "COMP_LINE": line, "COMP_POINT": str(len(line))}
    out = subprocess.run([sys.executable, "-m", "cxsim.cli", "-sc", "query=bash"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "scenario=better_app" in out.stdout.split()


# ---- validate-model writes to an output folder ----------------------------------------------


@pytest.mark.parametrize("extra", [["--quick", "--update-docs"], ["--update-docs", "--out", "x"]])
def test_update_docs_refused_with_quick_or_out(
    extra: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = _main(capsys, "validate-model", *extra)
    assert code == 2 and "--update-docs" in err
    assert list(tmp_path.iterdir()) == []


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout  # fmt: skip


@pytest.mark.slow
def test_validate_model_quick_leaves_the_checkout_clean(tmp_path: Path) -> None:
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    before = _git_status()
    docs = (ROOT / "docs" / "validation.md").read_bytes()
    out = subprocess.run([sys.executable, "-m", "cxsim.cli", "validate-model", "--quick"], cwd=tmp_path,
                         env={**os.environ, "MPLBACKEND": "Agg"}, capture_output=True, text=True, timeout=900,
                         check=False)  # fmt: skip
    assert out.returncode in (0, 1), out.stderr
    assert (tmp_path / "validation" / "validation.md").is_file()
    assert (tmp_path / "validation" / "figures" / "validation_bass.png").is_file()
    assert _git_status() == before
    assert (ROOT / "docs" / "validation.md").read_bytes() == docs


def test_searchpath_override_is_what_config_dir_builds(tmp_path: Path) -> None:
    assert cli.config_dir_args(["--config-dir", str(tmp_path)]) == [searchpath_override([tmp_path])]
