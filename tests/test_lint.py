"""Lint, format and types are part of the test command, so nobody forgets them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed: install the dev extra (pip install -e '.[dev]')")
    return [found]


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)


def test_ruff_lint() -> None:
    """ruff finds nothing to complain about in the package, tests, benchmarks and experiments."""
    out = _run([*_tool("ruff"), "check", "."])
    assert out.returncode == 0, out.stdout + out.stderr


def test_ruff_format() -> None:
    """The code is ruff-formatted."""
    out = _run([*_tool("ruff"), "format", "--check", "."])
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_mypy_package() -> None:
    """mypy type-checks the cxsim package cleanly."""
    out = _run([*_tool("mypy")])
    assert out.returncode == 0, out.stdout + out.stderr
