"""Every ready-made study in ``experiments/`` runs end to end at a tiny size and draws its figure."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
STUDIES = ["service_level", "silos", "wom_network", "memory_rule", "replications"]


@pytest.mark.parametrize("study", STUDIES)
def test_study_runs_quick_and_draws_its_figure(study: str, tmp_path: Path) -> None:
    folder = ROOT / "experiments" / study
    for name in ("README.md", "study.py", "figure.png"):
        assert (folder / name).is_file(), name
    assert (ROOT / "configs" / "experiment" / f"{study}.yaml").is_file()
    assert "figure.png" in (folder / "README.md").read_text()
    env = dict(os.environ, MPLBACKEND="Agg")
    env.setdefault("NUMBA_CACHE_DIR", str(Path(tempfile.gettempdir()) / "cxsim-numba-cache"))
    cmd = [sys.executable, str(folder / "study.py"), "--quick", "--sweep-dir", str(tmp_path / "sweep"),
           "--out", str(tmp_path / "figure.png")]  # fmt: skip
    out = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    table = pd.read_parquet(tmp_path / "sweep" / "sweep.parquet")
    assert len(table) >= 2 and (table["status"] == "ok").all()
    png = (tmp_path / "figure.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
