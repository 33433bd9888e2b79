"""A studio server killed in the middle of a job: its worker stops too, and the restarted server resumes the
job, taking the clips finished before the kill from the store."""

from __future__ import annotations

import signal
import time

import psutil

from tests.service.conftest import Server, wait_for

BIG = {"exercises": ["squat"], "angles": ["all"], "errors": ["all"], "layouts": ["none"]}


def test_a_killed_server_restarted_resumes_the_job_and_reuses_finished_clips(tmp_path) -> None:
    first = Server(tmp_path).start()
    with first.client() as client:
        total = len(client.post("/api/plan", json=BIG).json())
        job = client.post("/api/jobs", json={"request": BIG}).json()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until some clips are finished, not all
            current = client.get(f"/api/jobs/{job['id']}").json()
            shots = current["progress"].get("preview", {}).get("shots", {})
            if sum(outcome == "built" for outcome in shots.values()) >= 2:
                break
            time.sleep(0.05)
    assert current["state"] == "running", current
    assert first.process is not None
    workers = psutil.Process(first.process.pid).children(recursive=True)
    first.process.send_signal(signal.SIGKILL)
    first.process.wait()
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, "the workers stop once their server is gone"

    second = Server(tmp_path).start()
    try:
        with second.client() as client:
            done = wait_for(client, job["id"], ("done", "failed"))
    finally:
        second.stop()
    assert done["state"] == "done", done["error"]
    assert done["attempts"] == 2
    figures = done["figures"]["preview"]
    assert figures["clips_made"] + figures["clips_cached"] == total
    assert figures["clips_cached"] >= 2, "the clips finished before the kill came from the store"
    assert set(done["progress"]["preview"]["shots"].values()) <= {"built", "cached"}
