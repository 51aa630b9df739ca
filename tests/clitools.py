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


def assert_refused(overrides: list[str], key: str, fragment: str) -> None:
    """``load_config(overrides)`` raises one problem, naming ``key``, whose message has ``fragment``."""
    import pytest

    from cxsim.config.loading import load_config
    from cxsim.config.validation import ConfigError

    with pytest.raises(ConfigError) as err:
        load_config(overrides)
    assert [k for k, _ in err.value.problems] == [key], err.value.problems
    assert fragment in err.value.problems[0][1]
