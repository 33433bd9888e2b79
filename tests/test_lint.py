"""The code base stays ruff clean (part of the one test command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_ruff_is_clean() -> None:
    ruff = Path(sys.executable).with_name("ruff")  # installed beside python by the [test] extra
    assert ruff.exists(), "ruff is in the [test] extra; install with pip install -e '.[test]'"
    result = subprocess.run([str(ruff), "check", str(REPO)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
