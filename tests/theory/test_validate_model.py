"""``cxsim validate-model``: the command runs every check and writes the report and figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from cxsim.cli import main
from cxsim.theory_checks import Settings, default_out_dir, run_validation

TINY = Settings(
    queue_runs=3,
    queue_days=2,
    fifo_arrivals=40_000,
    fifo_batches=10,
    sweep_agents=(13, 15),
    sweep_days=2,
    bass_runs=3,
    bass_population=2_000,
    sparse_runs=1,
    clv_population=4_000,
    nps_population=4_000,
)


def test_report_and_figures_are_written(tmp_path: Path) -> None:
    """One table row per check, both figures as PNG, no temporary files left behind."""
    ok = run_validation(tmp_path, settings=TINY)
    text = (tmp_path / "validation.md").read_text(encoding="utf-8")
    assert text.startswith("# Validation against theory")
    assert "| # | area | check | reference | published / closed form | simulated [95% CI] |" in text
    for name in ("validation_erlang_c.png", "validation_bass.png"):
        assert (tmp_path / "figures" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list(tmp_path.rglob("*.tmp"))
    assert ("all passed" in text) == ok


def test_cli_help_and_default_out() -> None:
    """The command parses its options; the report goes to ./validation, never to docs/ by default."""
    with pytest.raises(SystemExit) as exc:
        main(["validate-model", "--help"])
    assert exc.value.code == 0
    assert default_out_dir() == Path.cwd() / "validation"


@pytest.mark.slow
def test_cli_quick_run(tmp_path: Path) -> None:
    """``cxsim validate-model --quick --out DIR`` exits 0 when every check passes."""
    assert main(["validate-model", "--quick", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "validation.md").is_file()
