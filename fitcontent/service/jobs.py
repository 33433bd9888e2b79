"""The service's job store: jobs, their per-shot progress and approvals, and API tokens, in SQLite (WAL).

A job runs in two stages. ``preview``: the pose-rendered clips and renders, seconds and no GPU. Then, if the
job asked for it, the job waits for approval; once approved, ``render`` makes the approved shots with the
video model. Workers (other processes) claim queued stages one at a time; every change is one short
transaction, so the web server and the workers share the file safely.

States: queued -> running -> awaiting_approval -> queued -> running -> done, or failed / cancelled from any
of them. ``stage`` says which stage a queued or running job is at.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

State = Literal["queued", "running", "awaiting_approval", "done", "failed", "cancelled"]
Stage = Literal["preview", "render"]
TERMINAL = ("done", "failed", "cancelled")
UPDATABLE = {"figures", "error"}
MAX_ATTEMPTS = 3
"""Times a stage may be started; a job whose worker dies on it this often fails instead of going round."""
SCHEMA = """
create table if not exists jobs (
    id text primary key, owner text not null, created real not null, updated real not null,
    state text not null, stage text not null, request text not null, render integer not null,
    progress text not null default '{}', figures text not null default '{}', error text,
    approved_by text, approved_at real, approved_shots text, cancel integer not null default 0,
    attempts integer not null default 0, worker integer, image text
);
create index if not exists jobs_state on jobs(state, created);
create table if not exists tokens (name text primary key, digest text not null unique, created real not null);
"""


class Job(BaseModel):
    """One job as the API shows it."""

    id: str
    owner: str = Field(description="the name of the token that created it")
    created: float
    updated: float
    state: State
    stage: Stage
    request: dict[str, Any]
    render: bool = Field(description="whether the approved shots are made with the video model after the preview")
    progress: dict[str, Any] = Field(description="per stage: shots (id -> built, cached, failed, or a share "
                                                 "done), and totals")
    figures: dict[str, Any] = Field(description="per stage: the build's summary and figures")
    error: str | None
    approved_by: str | None
    approved_at: float | None
    approved_shots: list[str] | None
    attempts: int = Field(description="how often a worker started one of its stages (more than 2: a restart)")
    image: str | None = Field(description="the upload the video model starts from (image-to-video)")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class JobStore:
    """Jobs and tokens in ``<data>/jobs.sqlite``; safe to open from several processes at once."""

    def __init__(self, data: Path) -> None:
        self.data = Path(data)
        self.data.mkdir(parents=True, exist_ok=True)
        self.path = self.data / "jobs.sqlite"
        self.uploads = self.data / "uploads"
        """Photos uploaded for image-to-video jobs (:mod:`fitcontent.service.uploads`)."""
        setup = sqlite3.connect(self.path, timeout=30)
        try:
            setup.execute("pragma journal_mode=wal")  # readers never wait for the writer
            setup.executescript(SCHEMA)
        finally:
            setup.close()

    @contextmanager
    def _connect(self, write: bool = True) -> Iterator[sqlite3.Connection]:
        """One connection per operation, in one transaction: a writer's taken at once (no lock upgrades, so
        no deadlocks), a reader's deferred (WAL: readers never wait)."""
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("pragma synchronous=normal")  # WAL stays consistent; a power cut may lose the last commit
            db.execute("begin immediate" if write else "begin")
            yield db
            db.execute("commit")
        except BaseException:
            if db.in_transaction:
                db.execute("rollback")
            raise
        finally:
            db.close()

    def folder(self, job_id: str) -> Path:
        """Where a job's files live: ``preview/`` and ``render/`` (each a dist/ folder)."""
        return self.data / "jobs" / job_id

    # tokens

    def create_token(self, name: str) -> str:
        """A new token for ``name`` (replacing its old one); only its digest is kept."""
        token = secrets.token_urlsafe(32)
        with self._connect() as db:
            db.execute("insert or replace into tokens values (?, ?, ?)", (name, digest(token), time.time()))
        return token

    def token_owner(self, token: str) -> str | None:
        with self._connect(write=False) as db:
            row = db.execute("select name from tokens where digest = ?", (digest(token),)).fetchone()
        return row["name"] if row else None

    # jobs

    def create(self, owner: str, request: dict[str, Any], render: bool, queue_limit: int,
               image: str | None = None) -> Job | None:
        """A new queued job; None when ``queue_limit`` jobs are already waiting or running."""
        now = time.time()
        job_id = uuid.uuid4().hex[:16]
        with self._connect() as db:
            active = db.execute("select count(*) from jobs where state in ('queued', 'running')").fetchone()[0]
            if active >= queue_limit:
                return None
            db.execute("insert into jobs (id, owner, created, updated, state, stage, request, render, image) "
                       "values (?, ?, ?, ?, 'queued', 'preview', ?, ?, ?)",
                       (job_id, owner, now, now, json.dumps(request), int(render), image))
        return self.get(job_id)

    def get(self, job_id: str) -> Job | None:
        with self._connect(write=False) as db:
            row = db.execute("select * from jobs where id = ?", (job_id,)).fetchone()
        return _job(row) if row else None

    def recent(self, limit: int = 100) -> list[Job]:
        with self._connect(write=False) as db:
            rows = db.execute("select * from jobs order by created desc limit ?", (limit,)).fetchall()
        return [_job(row) for row in rows]

    def counts(self) -> dict[str, int]:
        """Jobs by state."""
        with self._connect(write=False) as db:
            rows = db.execute("select state, count(*) from jobs group by state").fetchall()
        return {row[0]: row[1] for row in rows}

    def claim(self, worker: int) -> Job | None:
        """The oldest queued job, now running in process ``worker`` (None when none waits)."""
        with self._connect() as db:
            row = db.execute("select id from jobs where state = 'queued' and cancel = 0 "
                             "order by created limit 1").fetchone()
            if row is None:
                return None
            db.execute("update jobs set state = 'running', worker = ?, attempts = attempts + 1, updated = ? "
                       "where id = ?", (worker, time.time(), row["id"]))
        return self.get(row["id"])

    def save_progress(self, job_id: str, worker: int, progress: dict[str, Any]) -> None:
        """The per-shot progress of the stage ``worker`` runs (nothing, if the job is no longer its)."""
        with self._connect() as db:
            db.execute("update jobs set progress = ?, updated = ? where id = ? and worker = ? and state = 'running'",
                       (json.dumps(progress), time.time(), job_id, worker))

    def approve(self, job_id: str, by: str, shots: list[str]) -> bool:
        """Queue the render stage of a job waiting for approval; False if it was not waiting."""
        with self._connect() as db:
            changed = db.execute(
                "update jobs set state = 'queued', stage = 'render', approved_by = ?, approved_at = ?, "
                "approved_shots = ?, updated = ? where id = ? and state = 'awaiting_approval'",
                (by, time.time(), json.dumps(shots), time.time(), job_id)).rowcount
        return bool(changed)

    def cancel(self, job_id: str) -> bool:
        """Cancel a job that has not ended: a queued or waiting one at once, a running one at its worker's
        next step. False if it had ended."""
        with self._connect() as db:
            row = db.execute("select state from jobs where id = ?", (job_id,)).fetchone()
            if row is None or row["state"] in TERMINAL:
                return False
            state = "running" if row["state"] == "running" else "cancelled"
            db.execute("update jobs set cancel = 1, state = ?, updated = ? where id = ?", (state, time.time(), job_id))
        return True

    def cancelled(self, job_id: str) -> bool:
        with self._connect(write=False) as db:
            row = db.execute("select cancel from jobs where id = ?", (job_id,)).fetchone()
        return bool(row and row["cancel"])

    def finish(self, job_id: str, worker: int, state: State, **fields: Any) -> bool:
        """End the stage ``worker`` ran: ``state`` (or cancelled, if that was asked meanwhile) with
        ``fields`` (figures, error). False, and nothing written, when the job is no longer this worker's
        (requeued after a restart, say)."""
        columns = {k: json.dumps(v) if isinstance(v, dict | list) else v for k, v in fields.items()}
        if unknown := set(columns) - UPDATABLE:
            raise ValueError(f"not a job column to set: {', '.join(sorted(unknown))}")
        with self._connect() as db:
            row = db.execute("select state, worker, cancel from jobs where id = ?", (job_id,)).fetchone()
            if row is None or row["state"] != "running" or row["worker"] != worker:
                return False
            columns.update(state="cancelled" if row["cancel"] else state, updated=time.time())
            assignments = ", ".join(f"{name} = ?" for name in columns)
            db.execute(f"update jobs set {assignments} where id = ?", (*columns.values(), job_id))
        return True

    def requeue_stopped(self, alive: Callable[[int], bool]) -> list[str]:
        """Jobs whose worker process is gone (a server restart, a crash, out of memory) go back to the queue,
        their finished clips to come from the store; cancelled if that was asked; failed once a worker has
        died on them ``MAX_ATTEMPTS`` times. The ids requeued."""
        requeued = []
        with self._connect() as db:
            rows = db.execute("select id, worker, cancel, attempts from jobs where state = 'running'").fetchall()
            for row in rows:
                if row["worker"] is not None and alive(row["worker"]):
                    continue
                state, error = ("cancelled", None) if row["cancel"] else ("queued", None)
                if state == "queued" and row["attempts"] >= MAX_ATTEMPTS:
                    state, error = "failed", (f"its worker stopped {row['attempts']} times while running it (a crash, "
                                              f"or out of memory): see the server's log")
                db.execute("update jobs set state = ?, error = ?, updated = ? where id = ?",
                           (state, error, time.time(), row["id"]))
                requeued += [row["id"]] if state == "queued" else []
        return requeued


def _job(row: sqlite3.Row) -> Job:
    data = dict(row)
    for name in ("request", "progress", "figures", "approved_shots"):
        data[name] = json.loads(data[name]) if data[name] is not None else None
    data["render"] = bool(data["render"])
    return Job(**{k: v for k, v in data.items() if k in Job.model_fields})
