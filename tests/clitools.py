"""Running ``cxsim`` as a user would, for tests of the command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def assert_run_refuses(tmp_path: Path, override: str, key: str) -> None:
    """``cxsim run OVERRIDE`` in an empty folder: exit 2, ``key`` named, no traceback, nothing written."""
    out = subprocess.run(
        [sys.executable, "-m", "cxsim.cli", "run", override],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 2, out.stderr
    assert key in out.stderr
    assert "Traceback" not in out.stderr
    assert list(tmp_path.iterdir()) == []
