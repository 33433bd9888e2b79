"""Two builds into one --out at the same moment: both finish, and dist/ stays true to its manifest."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fitcontent import api
from fitcontent.media import probe
from fitcontent.settings import Settings
from fitcontent.store import file_sha256, owner_tag

ROUNDS = 20
BUILD = ["build", "squat", "--angles", "front,side", "--errors", "none", "--layouts", "demo", "--frames", "9"]


def _start(dist: Path, cache: Path, size: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "fitcontent", *BUILD, "--size", size, "--out", str(dist)]
    return subprocess.Popen(command, env={"FITCONTENT_CACHE": str(cache), "PATH": "/usr/bin:/bin"},
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _problems(dist: Path) -> list[str]:
    """How dist/ differs from its manifest: unlisted or missing files, wrong sha256, undecodable videos,
    temp files left behind."""
    listed = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    problems = [f"{e['path']}: sha256 differs" for e in listed if file_sha256(dist / e["path"])[1] != e["sha256"]]
    videos = {p.relative_to(dist).as_posix() for p in dist.rglob("*.mp4")}
    problems += [f"{path}: not listed" for path in sorted(videos - {e["path"] for e in listed})]
    problems += [f"{p.name}: temp file left" for p in dist.rglob(".tmp-*")]
    for path in videos:
        info = probe(dist / path)
        if info.frames < 1:
            problems.append(f"{path}: does not decode")
    return problems


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_builds_into_one_out_leave_a_true_manifest(round_: int, tmp_path: Path) -> None:
    """The second build starts while the first runs (a seeded delay), with another size: the same file
    names with other bytes, so the builds replace each other's files."""
    delay = random.Random(round_).uniform(0.0, 1.5)
    first = _start(tmp_path / "dist", tmp_path / "cache-a", "160x96")
    time.sleep(delay)
    second = _start(tmp_path / "dist", tmp_path / "cache-b", "192x112")
    outputs = [build.communicate(timeout=120)[0] for build in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    assert not any("Traceback" in output for output in outputs)
    assert _problems(tmp_path / "dist") == []


WRITER = """
import sys
from pathlib import Path
from fitcontent.artifacts import BuildFigures, ClipArtifact
from fitcontent.export.manifest import write_manifest
from fitcontent.store import file_sha256
dist, name = Path(sys.argv[1]), sys.argv[2]
for i in range(int(sys.argv[3])):
    path = dist / f"{name}-{i}.mp4"
    path.write_bytes(f"{name} {i}".encode())
    entry = ClipArtifact(id=f"{name}.{i}", exercise="squat", variation="v", angle="a", form="correct",
                         path=path.name, pose="p.json", width=16, height=16, frames=1, fps=8, duration=0.125,
                         backend="test", backend_version="1", model=None, seed=0, prompt="", negative_prompt="",
                         cache_key="0" * 64, sha256=file_sha256(path)[1])
    write_manifest(dist, [entry], BuildFigures(executor="local", workers=1, clips_made=1, clips_cached=0,
                                              seconds=1, worker_seconds_per_clip=1, clips_per_hour=3600))
"""


def test_manifest_writers_at_once_lose_no_entry(tmp_path: Path) -> None:
    """Four processes each merging 25 entries, one write at a time, as fast as they can: read-merge-write
    under dist/'s lock keeps all 100 (without it, most rounds lose some)."""
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), f"w{n}", "25"]) for n in range(4)]
    assert [w.wait(timeout=120) for w in writers] == [0] * 4
    listed = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    assert sorted(e["id"] for e in listed) == sorted(f"w{n}.{i}" for n in range(4) for i in range(25))


def test_a_build_removes_a_killed_builds_temp_files_but_not_another_live_builds(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    (dist / "squat").mkdir(parents=True)
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process of this machine that no longer runs
    live = dist / "squat" / f".tmp-clip.mp4-{owner_tag(os.getppid())}-0123456789ab.mp4"
    killed = dist / f".tmp-manifest.json-{owner_tag(gone.pid)}-0123456789ab"
    old = dist / ".tmp-manifest.json-written-by-an-older-fitcontent"
    live.write_bytes(b"another build is writing this")
    killed.write_bytes(b"left by a build killed a moment ago")
    old.write_bytes(b"left by a build killed an hour ago")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], layouts=["none"],
                               width=160, height=96, frames=9)
    report = api.build(request, Settings(cache=tmp_path / "cache"), out=dist)
    assert not report.failed
    assert live.read_bytes() == b"another build is writing this"
    assert not killed.exists() and not old.exists()
