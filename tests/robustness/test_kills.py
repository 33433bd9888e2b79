"""A build, a course export and a marketing export killed at seeded random moments, then run again: each
rerun ends well, and leaves files true to their listing, decodable, with no temp file behind. A few rounds here;
benchmarks/kill_rounds.py runs many."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.robustness.kills import (
    BUILD,
    course_problems,
    dist_problems,
    kill_then_rerun,
    marketing_problems,
    timed,
)

ROUNDS = 3


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, float]]:
    """A folder, the environment of its runs, and how long each command takes whole (kills fall inside)."""
    root = tmp_path_factory.mktemp("kills")
    env = {"FITCONTENT_CACHE": str(root / "warm-cache"), "PATH": "/usr/bin:/bin"}
    took = {"build": timed([*BUILD, "--out", "dist"], root, env)}
    for kind in ("course", "marketing"):
        took[kind] = timed(["export", kind, "dist", "--out", kind], root, env)
    return root, env, took


@pytest.mark.parametrize("seed", range(ROUNDS))
def test_a_build_killed_anywhere_finishes_on_the_rerun(seed: int, place, tmp_path: Path) -> None:
    _, _, took = place
    env = {"FITCONTENT_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"}  # an empty store: all is made
    kill_then_rerun([*BUILD, "--out", "dist"], tmp_path, env, seed, took["build"] * 1.5)
    assert dist_problems(tmp_path / "dist") == []


EXPORTS = {"course": course_problems, "marketing": marketing_problems}


@pytest.mark.parametrize("seed", range(ROUNDS))
@pytest.mark.parametrize("kind", sorted(EXPORTS))
def test_an_export_killed_anywhere_finishes_on_the_rerun(kind: str, seed: int, place, tmp_path: Path) -> None:
    root, env, took = place
    shutil.copytree(root / "dist", tmp_path / "dist")
    kill_then_rerun(["export", kind, "dist", "--out", "exported"], tmp_path, env, seed, took[kind])
    assert EXPORTS[kind](tmp_path / "exported") == []
