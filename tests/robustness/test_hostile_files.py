"""Hostile files in a catalog: each is one line naming the file, exit 1, no traceback, and no hang (the
timeout here only stops a hung test; how fast and how lean each case is lives in benchmarks/hostile_input.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.robustness.hostile import CASES, catalog_with


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_catalog_file_is_one_line(case: str, tmp_path: Path) -> None:
    catalog, named = catalog_with(case, tmp_path)
    done = subprocess.run([sys.executable, "-m", "fitcontent", "catalog", "validate", "--catalog", str(catalog)],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.strip() and not line.endswith("catalog error")]
    assert len(errors) == 1 and named in errors[0], done.stderr


def test_a_template_that_runs_away_stops_at_the_output_limit(tmp_path: Path) -> None:
    """40 MB of prompt used to keep `validate` busy for minutes; rendering now stops at 1,000,000 characters."""
    prompts = tmp_path / "templates" / "prompts" / "cogvideox"
    prompts.mkdir(parents=True)
    (prompts / "prompt.j2").write_text('{% for i in range(100000) %}{{ "x" * 400 }}{% endfor %}\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "fitcontent", "catalog", "validate", "--templates",
                           str(tmp_path / "templates")], capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.strip() and not line.endswith("catalog error")]
    assert errors == ["prompts/cogvideox/prompt.j2: renders more than 1,000,000 characters (a loop that runs away?); "
                      "a template makes a prompt or a page"], done.stderr
