"""A real studio server for the API tests: ``fitcontent serve`` in its own process on 127.0.0.1."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")

JOB = {"exercises": ["squat"], "angles": ["front"], "errors": ["none"], "frames": 9, "layouts": ["demo"]}
"""A small job: one clip and its demo render."""


class Server:
    """``fitcontent serve`` on a free port, with its own data folder and store."""

    def __init__(self, root: Path, *options: str) -> None:
        self.root, self.options = root, options
        self.data = root / "data"
        self.log = root / "server.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> Server:
        env = {**os.environ, "FITCONTENT_CACHE": str(self.root / "store"), "CUDA_VISIBLE_DEVICES": ""}
        start = self.log.stat().st_size if self.log.exists() else 0  # a restart appends to the same log
        with self.log.open("a") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "fitcontent", "serve", "--data", str(self.data), "--port", "0", *self.options],
                stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            text = self.log.read_bytes()[start:].decode(errors="replace")
            found = re.findall(r"Uvicorn running on (http://127\.0\.0\.1:\d+)", text)
            if found:
                self.url = found[-1]
                return self
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            time.sleep(0.1)
        raise AssertionError(f"the server did not start: {self.log.read_text()[-3000:]}")

    def token(self, name: str = "alice") -> str:
        from fitcontent.service.jobs import JobStore

        return JobStore(self.data).create_token(name)

    def client(self, name: str = "alice"):
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token(name)}"}, timeout=60)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def wait_for(client, job_id: str, states: tuple[str, ...], timeout: float = 240) -> dict:
    """The job once it reaches one of ``states``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in states:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s: {job}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, tiny_model: Path) -> Iterator[Server]:
    """One server for a module's tests; approved jobs render on a tiny CogVideoX-5B with 2 steps."""
    running = Server(tmp_path_factory.mktemp("studio"), "--model", str(tiny_model), "--steps", "2").start()
    yield running
    running.stop()
