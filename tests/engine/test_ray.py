"""--executor ray on a local Ray instance with two CPU workers: the same files and manifest as one process,
and a worker killed in the middle of a build loses and duplicates nothing."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from fitcontent import api
from fitcontent.engine.executor import ShotProgress
from fitcontent.settings import Settings

ray = pytest.importorskip("ray")
psutil = pytest.importorskip("psutil")  # accelerate's dependency: finds the busy worker's process
REQUEST = {"exercises": ["squat"], "angles": ["front", "side"], "width": 160, "height": 96, "frames": 9,
           "layouts": ["demo", "comparison"]}


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in ("manifest.json", ".lock")}


def _manifest(folder: Path) -> dict:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["artifacts"]:
        entry.get("generation", {}).pop("seconds", None)  # timings aside
    manifest.pop("last_build")  # the figures of each build: checked in tests/engine/test_build.py
    return manifest


class KillOnce(ShotProgress):
    """When the clips start, kills (SIGKILL) the first worker seen running a shot: Ray names a busy actor's
    process ``ray::_Worker.run``, so the kill lands in the middle of a task, which must be retried."""

    def __init__(self) -> None:
        self.killed: int | None = None
        self.thread: threading.Thread | None = None

    def start(self, total: int, what: str = "shots") -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._kill_a_busy_worker, daemon=True)
            self.thread.start()

    def _kill_a_busy_worker(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for process in psutil.process_iter(["cmdline"]):
                if any("_Worker.run" in part for part in process.info["cmdline"] or []):
                    os.kill(process.pid, signal.SIGKILL)
                    self.killed = process.pid
                    return
            time.sleep(0.02)


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


def test_a_worker_killed_mid_build_loses_and_duplicates_nothing(tmp_path: Path, local_ray) -> None:
    from fitcontent.engine.distributed import RayExecutor

    request = api.make_request(**REQUEST)
    alone = api.build(request, Settings(cache=tmp_path / "cache-one"), tmp_path / "one")
    executor = RayExecutor(workers=2)
    progress = KillOnce()
    try:
        report = api.build(request, Settings(cache=tmp_path / "cache-ray"), tmp_path / "ray", progress=progress,
                           executor=executor)
        restarted = executor.worker_pids()
    finally:
        executor.close()
    assert progress.killed and progress.killed not in restarted, "a busy worker was killed, then restarted"
    assert not report.failed and len(report.built) == len(alone.built)
    assert _files(tmp_path / "ray") == _files(tmp_path / "one")
    manifest = _manifest(tmp_path / "ray")
    assert manifest == _manifest(tmp_path / "one")
    ids = [entry["id"] for entry in manifest["artifacts"]]
    assert len(ids) == len(set(ids)), "nothing listed twice"


def test_ray_on_a_tiny_cogvideox_makes_what_one_process_makes(tmp_path: Path, local_ray) -> None:
    """Through the command line: the driver ships the backend (unloaded) to each actor, which loads it once."""
    pytest.importorskip("diffusers")
    from fitcontent.api import prompt_corpus
    from fitcontent.generation.models import FAMILIES
    from fitcontent.generation.tiny import make_tiny

    model = make_tiny(FAMILIES["cogvideox-fun-v1.1-5b-pose"], tmp_path / "tiny", prompt_corpus())
    build = ["build", "squat", "--angles", "front", "--backend", "cogvideox", "--model", str(model), "--steps", "2",
             "--size", "256x256", "--frames", "9", "--layouts", "none"]  # the pose family: any size, so a small one
    for name, extra in (("one", []), ("ray", ["--executor", "ray"])):
        env = {**os.environ, "FITCONTENT_CACHE": str(tmp_path / f"cache-{name}")}
        done = subprocess.run([sys.executable, "-m", "fitcontent", *build, "--out", str(tmp_path / name), *extra],
                              capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
    assert _files(tmp_path / "ray") == _files(tmp_path / "one") and _files(tmp_path / "one")
    assert _manifest(tmp_path / "ray") == _manifest(tmp_path / "one")


def test_ray_address_without_the_ray_executor_is_one_line() -> None:
    from click.testing import CliRunner

    from fitcontent.cli import cli

    result = CliRunner().invoke(cli, ["build", "squat", "--ray-address", "ray://head:10001"])
    assert result.exit_code == 1
    assert "--ray-address is for --executor ray (this build uses --executor local)" in result.output
