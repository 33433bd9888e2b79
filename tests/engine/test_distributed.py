"""A build over several processes (accelerate's process state, gloo between CPU processes, started by torchrun)
makes the same files and manifest as one process, each process doing a share balanced by cost."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fitcontent.engine.distributed import balanced_shares

pytest.importorskip("accelerate")
pytest.importorskip("torch")

BUILD = ["build", "squat", "--angles", "front,side", "--size", "160x96", "--frames", "9"]


def test_shares_hold_every_index_once_and_balance_the_cost() -> None:
    costs = [90, 10, 10, 10, 30, 30, 40, 5, 5, 70]
    shares = balanced_shares(costs, 3)
    assert sorted(i for share in shares for i in share) == list(range(len(costs)))
    assert all(share == sorted(share) for share in shares)
    loads = [sum(costs[i] for i in share) for share in shares]
    assert max(loads) - min(loads) <= max(costs) and loads == [100, 100, 100]
    assert balanced_shares([5, 5], 4) == [[0], [1], [], []]


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in ("manifest.json", ".lock")}


def _build(tmp_path: Path, name: str, extra: list[str], processes: int) -> tuple[Path, str]:
    out = tmp_path / name
    env = {**os.environ, "FITCONTENT_CACHE": str(tmp_path / f"cache-{name}")}  # a store of its own
    command = [sys.executable, "-m", "fitcontent", *BUILD, *extra, "--out", str(out)]
    if processes > 1:
        command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc-per-node={processes}",
                   "-m", "fitcontent", *BUILD, *extra, "--out", str(out), "--executor", "accelerate"]
    done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    return out, done.stdout + done.stderr


@pytest.mark.parametrize("backend", ["preview", "cogvideox"])
def test_two_processes_make_what_one_makes(tmp_path: Path, backend: str, request) -> None:
    extra = []
    if backend == "cogvideox":
        model = request.getfixturevalue("tiny_model")
        extra = ["--backend", "cogvideox", "--model", str(model), "--steps", "2", "--size", "720x480",
                 "--layouts", "none", "--angles", "front"]  # two clips: one for each process
    one, _ = _build(tmp_path, "one", extra, 1)
    two, log = _build(tmp_path, "two", extra, 2)
    assert _files(two) == _files(one) and _files(one)
    figures = json.loads((two / "manifest.json").read_text(encoding="utf-8"))["last_build"]
    assert (figures["executor"], figures["workers"], figures["clips_made"]) == ("accelerate", 2, len(_clips(one)))
    manifest = _without_timings(json.loads((one / "manifest.json").read_text(encoding="utf-8")))
    assert _without_timings(json.loads((two / "manifest.json").read_text(encoding="utf-8"))) == manifest
    shares = {int(rank): int(made) for rank, made in re.findall(r"process (\d) of 2: (\d+) of \d+ shots", log)}
    assert sorted(shares) == [0, 1] and all(shares.values()), "each process made clips"
    assert sum(shares.values()) == sum(entry["kind"] == "clip" for entry in manifest["artifacts"])
    assert log.count("Built ") == 1, "only the main process reports"


def _clips(folder: Path) -> list[dict]:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return [entry for entry in manifest["artifacts"] if entry["kind"] == "clip"]


def _without_timings(manifest: dict) -> dict:
    for entry in manifest["artifacts"]:
        entry.get("generation", {}).pop("seconds", None)
    manifest.pop("last_build")  # the figures of each build: checked in tests/engine/test_build.py
    return manifest
