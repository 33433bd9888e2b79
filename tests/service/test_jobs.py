"""The job store's state changes that races decide: a worker that lost its job writes nothing, and a job
that keeps killing its worker fails instead of going round."""

from __future__ import annotations

from fitcontent.service.jobs import MAX_ATTEMPTS, JobStore

REQUEST = {"exercises": ["squat"]}


def test_a_worker_whose_job_was_requeued_writes_nothing(tmp_path) -> None:
    jobs = JobStore(tmp_path)
    job = jobs.create("alice", REQUEST, False, 10)
    assert job is not None and jobs.claim(worker=111) is not None
    assert jobs.requeue_stopped(alive=lambda pid: False) == [job.id]
    assert jobs.claim(worker=222) is not None
    jobs.save_progress(job.id, 111, {"preview": {"shots": {"x": "built"}}})
    assert not jobs.finish(job.id, 111, "done"), "the old worker's last word"
    assert (jobs.get(job.id).state, jobs.get(job.id).progress) == ("running", {})
    assert jobs.finish(job.id, 222, "done")
    assert jobs.get(job.id).state == "done"


def test_a_cancel_that_lands_as_the_worker_finishes_wins(tmp_path) -> None:
    jobs = JobStore(tmp_path)
    job = jobs.create("alice", REQUEST, True, 10)
    jobs.claim(worker=111)
    assert jobs.cancel(job.id)
    assert jobs.finish(job.id, 111, "awaiting_approval")
    assert jobs.get(job.id).state == "cancelled"
    assert not jobs.approve(job.id, "bob", ["squat.bodyweight.front.correct"])


def test_a_job_that_keeps_killing_its_worker_fails(tmp_path) -> None:
    jobs = JobStore(tmp_path)
    job = jobs.create("alice", REQUEST, False, 10)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert jobs.claim(worker=100 + attempt) is not None
        requeued = jobs.requeue_stopped(alive=lambda pid, dead=100 + attempt: pid != dead)
        assert requeued == ([job.id] if attempt < MAX_ATTEMPTS else [])
    failed = jobs.get(job.id)
    assert failed.state == "failed" and f"stopped {MAX_ATTEMPTS} times" in failed.error
    assert jobs.claim(worker=999) is None


def test_a_job_whose_worker_lives_is_left_alone(tmp_path) -> None:
    jobs = JobStore(tmp_path)
    job = jobs.create("alice", REQUEST, False, 10)
    jobs.claim(worker=111)
    assert jobs.requeue_stopped(alive=lambda pid: True) == []
    assert jobs.get(job.id).state == "running"
