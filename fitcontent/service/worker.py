"""Worker processes: each claims queued job stages and runs them through ``fitcontent.api.build``, the engine
the CLI uses, keeping its video model loaded from one job to the next.

A stage's per-shot progress goes into the job as it happens (at most twice a second, and at each shot's
end); a cancelled job stops at its next step. Files go into the job's folder, clips into the shared store,
so a stage that is run again (after a restart) takes the clips it already made from the store.
"""

from __future__ import annotations

import importlib.util
import logging
import multiprocessing
import os
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import fitcontent.api as api
from fitcontent.artifacts import Approval
from fitcontent.engine.executor import ShotProgress
from fitcontent.errors import FitcontentError
from fitcontent.export.manifest import record_approval
from fitcontent.generation.base import Backend, Progress
from fitcontent.service.jobs import Job, JobStore, State
from fitcontent.service.uploads import photo_path
from fitcontent.settings import Settings

log = logging.getLogger(__name__)
FLUSH_SECONDS = 0.5
POLL_SECONDS = 0.3


class Cancelled(BaseException):
    """The job was cancelled: leaves the build at once (a BaseException, so no shot counts it as failed)."""


class ServerGone(BaseException):
    """The server process died: this worker stops, leaving its job running for the next server to requeue."""


def server_alive() -> bool:
    parent = multiprocessing.parent_process()
    return parent is None or parent.is_alive()


class JobProgress(ShotProgress):
    """Writes a stage's per-shot progress into its job and stops the build once the job is cancelled."""

    def __init__(self, jobs: JobStore, job: Job) -> None:
        self.jobs, self.job_id = jobs, job.id
        self.progress = dict(job.progress)
        self.here: dict[str, dict[str, Any]] = self.progress.setdefault(job.stage, {})
        self.what = "shots"
        self.flushed = 0.0
        self.lock = threading.Lock()  # renders report from two threads

    def start(self, total: int, what: str = "shots") -> None:
        with self.lock:
            self.what = what
            self.here.setdefault(what, {})
        self._flush(force=True)

    def shot(self, item: Any) -> Progress:
        what = self.what

        def step(done: int, total: int) -> None:
            with self.lock:
                self.here[what][item.id] = round(done / max(total, 1), 3)
            self._flush()

        return step

    def done(self, item: Any, outcome: str) -> None:
        with self.lock:
            self.here[self.what][item.id] = outcome
        self._flush(force=True)

    def _flush(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.flushed < FLUSH_SECONDS:
            return
        self.flushed = now
        with self.lock:
            snapshot = {stage: {what: dict(shots) for what, shots in whats.items()}
                        for stage, whats in self.progress.items()}
        if not server_alive():
            raise ServerGone
        self.jobs.save_progress(self.job_id, os.getpid(), snapshot)
        if self.jobs.cancelled(self.job_id):
            raise Cancelled


@dataclass
class Worker:
    """One worker process's state: the settings, and the video model once loaded."""

    settings: Settings
    video_options: dict[str, Any]
    video: tuple[Path | None, Backend] | None = field(default=None, repr=False)

    def video_backend(self, image: Path | None) -> Backend:
        """The render stage's backend for a job's photo (or none): made once and kept, with its model, for
        the next jobs; a job with another photo replaces it (one model in GPU memory at a time)."""
        if self.video is None or self.video[0] != image:
            if self.video is not None:
                self.video = None
                free_gpu_memory()
            options = {"compile_cache": self.settings.cache_dir / "compiled", **self.video_options,
                       **({"image": image} if image else {})}
            self.video = (image, api.make_backend("cogvideox", api.load_catalog(self.settings), **options))
        return self.video[1]

    def run(self, jobs: JobStore, job: Job) -> None:
        """Run the job's current stage and record how it went."""
        folder = jobs.folder(job.id) / job.stage
        try:
            request = api.make_request(**job.request)
            if job.stage == "preview":
                report = api.build(request, self.settings, folder, "preview", progress=JobProgress(jobs, job))
            else:
                shots = job.approved_shots or []
                record_approval(folder, Approval(by=job.approved_by or "", shots=shots, job=job.id,
                                                 at=datetime.fromtimestamp(job.approved_at or 0, UTC).isoformat()))
                image = photo_path(jobs.uploads, job.image) if job.image else None
                report = api.build(request, self.settings, folder, self.video_backend(image),
                                   progress=JobProgress(jobs, job), shots=shots)
        except Cancelled:
            jobs.finish(job.id, os.getpid(), "cancelled")
            return
        except FitcontentError as exc:
            jobs.finish(job.id, os.getpid(), "failed", error=str(exc))
            return
        except Exception as exc:  # a bug: the job says so, the worker goes on
            log.exception("job %s failed", job.id)
            jobs.finish(job.id, os.getpid(), "failed", error=f"internal error: {type(exc).__name__}: {exc}")
            return
        figures = report.figures()
        peaks = [(clip.generation or {}).get("peak_gpu_gib") or 0.0 for clip in report.clips]
        summary = {"summary": report.summary(), "failed": [f"{i}: {why}" for i, why in report.failed],
                   "peak_gpu_gib": max(peaks, default=0.0), **(figures.model_dump() if figures else {})}
        done: State = "awaiting_approval" if job.stage == "preview" and job.render else "done"
        error = f"{len(report.failed)} failed: " + "; ".join(summary["failed"]) if report.failed else None
        jobs.finish(job.id, os.getpid(), "failed" if report.failed else done,
                    figures={**job.figures, job.stage: summary}, error=error)


def free_gpu_memory() -> None:
    """Give the GPU back what a dropped model held (nothing to do without torch or a GPU)."""
    import gc

    gc.collect()
    if importlib.util.find_spec("torch") is not None:
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def use_gpu(index: int) -> None:
    """Worker ``index`` works on GPU ``index`` (modulo the GPUs there are), before any model loads."""
    if importlib.util.find_spec("torch") is None:
        return
    import torch

    if torch.cuda.is_available():
        torch.cuda.set_device(index % torch.cuda.device_count())


def work(index: int, data: Path, settings: Settings, video_options: dict[str, Any], stop: Event) -> None:
    """Worker ``index``'s loop: claim a queued stage, run it, until ``stop`` is set or the server is gone."""
    logging.basicConfig(level=logging.INFO, format=f"worker {os.getpid()}: %(message)s")
    use_gpu(index)
    jobs = JobStore(data)
    worker = Worker(settings, video_options)
    while not stop.is_set() and server_alive():
        job = jobs.claim(os.getpid())
        if job is None:
            stop.wait(POLL_SECONDS)
            continue
        log.info("job %s: %s", job.id, job.stage)
        try:
            worker.run(jobs, job)
        except ServerGone:
            return
