"""Kill a command at a seeded random moment, run it again, and say how the result differs from a sound one:
shared by tests/robustness/test_kills.py (a few rounds) and benchmarks/kill_rounds.py (many)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from fitcontent.media import probe
from fitcontent.store import file_sha256

BUILD = ["build", "squat", "--angles", "front,side", "--errors", "none", "--layouts", "demo,comparison,lesson",
         "--size", "160x96", "--frames", "9", "--draft"]


def fitcontent(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "fitcontent", *args], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def kill_then_rerun(args: list[str], cwd: Path, env: dict[str, str], seed: int, longest: float) -> str:
    """Start ``args``, SIGKILL it after a seeded delay up to ``longest`` seconds (if it is still running), then
    run it again to the end; returns the second run's stderr, or raises with it when it fails."""
    delay = random.Random(seed).uniform(0.05, longest)
    first = fitcontent(args, cwd, env)
    try:
        first.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        first.send_signal(signal.SIGKILL)
    first.communicate()
    again = fitcontent(args, cwd, env)
    _, stderr = again.communicate(timeout=300)
    if again.returncode != 0 or "Traceback" in stderr:
        raise AssertionError(f"the rerun after a kill at {delay:.2f} s failed: {stderr}")
    return stderr


def temp_files(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob(".tmp-*")]


def dist_problems(dist: Path) -> list[str]:
    """How dist/ differs from its manifest: wrong sha256, unlisted or undecodable videos, temp files."""
    listed = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    problems = [f"{e['path']}: sha256 differs" for e in listed if file_sha256(dist / e["path"])[1] != e["sha256"]]
    videos = {p.relative_to(dist).as_posix() for p in dist.rglob("*.mp4")}
    problems += [f"{path}: not listed" for path in sorted(videos - {e["path"] for e in listed})]
    problems += [f"{path}: does not decode" for path in sorted(videos) if probe(dist / path).frames < 1]
    return problems + [f"{name}: temp file left" for name in temp_files(dist)]


def course_problems(course: Path) -> list[str]:
    """How a course export differs from its course.json: files' sha256, a zip that does not read, temp files."""
    listed = json.loads((course / "course.json").read_text(encoding="utf-8"))["files"]
    problems = [f"{f['path']}: sha256 differs" for f in listed if file_sha256(course / f["path"])[1] != f["sha256"]]
    with zipfile.ZipFile(course / "course-scorm12.zip") as package:
        bad = package.testzip()
        problems += [f"course-scorm12.zip: {bad} is damaged"] if bad else []
    return problems + [f"{name}: temp file left" for name in temp_files(course)]


def marketing_problems(social: Path) -> list[str]:
    """How a marketing export differs from its marketing.json: cuts' sha256, undecodable cuts, temp files."""
    platforms = json.loads((social / "marketing.json").read_text(encoding="utf-8"))["platforms"]
    cuts = [cut for cuts in platforms.values() for cut in cuts]
    problems = [f"{c['path']}: sha256 differs" for c in cuts if file_sha256(social / c["path"])[1] != c["sha256"]]
    problems += [f"{c['path']}: does not decode" for c in cuts if probe(social / c["path"]).frames < 1]
    return problems + [f"{name}: temp file left" for name in temp_files(social)]


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> float:
    """How long ``args`` takes to the end (the range kills are drawn from)."""
    started = time.monotonic()
    done = fitcontent(args, cwd, env)
    _, stderr = done.communicate(timeout=300)
    assert done.returncode == 0, stderr
    return time.monotonic() - started
