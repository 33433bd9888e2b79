"""Every example runs, as CI promises, and prints what it says it does."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO

EXAMPLES = sorted((REPO / "examples").glob("*.py"))


def _run(path) -> str:
    result = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(example) -> None:
    assert _run(example).strip()


def test_marketing_batch_prints_one_vertical_hero_shot_per_movement() -> None:
    shots = [json.loads(line) for line in _run(REPO / "examples" / "marketing_batch.py").splitlines()]
    assert len(shots) == 8
    assert {(s["width"], s["height"]) for s in shots} == {(480, 848)}
    assert all("cinematic" in s["prompt"].lower() for s in shots)


def test_course_module_has_a_lesson_per_movement() -> None:
    lines = _run(REPO / "examples" / "course_module.py").splitlines()
    assert [line.split(":")[0] for line in lines if line.startswith("Lesson")] == ["Lesson", "Lesson"]
    assert lines[0].startswith("Lesson: Squat / 深蹲")
