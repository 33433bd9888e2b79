"""``/metrics`` for Prometheus, read from the job store at each scrape (so every worker process counts)."""

from __future__ import annotations

from typing import get_args

from prometheus_client import CollectorRegistry, Gauge, generate_latest

from fitcontent.service.jobs import JobStore, State

SCRAPED_JOBS = 10_000
"""The most recent jobs whose shots and figures are summed."""


def metrics_text(jobs: JobStore, workers: int) -> str:
    registry = CollectorRegistry()
    by_state = Gauge("fitcontent_jobs", "Jobs by state.", ["state"], registry=registry)
    counts = jobs.counts()
    for state in get_args(State):
        by_state.labels(state).set(counts.get(state, 0))
    shots = Gauge("fitcontent_shots", "Shots and renders of recent jobs by stage and outcome.",
                  ["stage", "kind", "outcome"], registry=registry)
    per_clip = Gauge("fitcontent_seconds_per_clip", "Worker-seconds per clip made, mean over recent jobs' stages.",
                     ["stage"], registry=registry)
    gpu = Gauge("fitcontent_gpu_memory_peak_gib", "Peak GPU memory of a clip in recent jobs.", registry=registry)
    Gauge("fitcontent_job_failures", "Jobs that failed.", registry=registry).set(counts.get("failed", 0))
    Gauge("fitcontent_workers", "Worker processes alive.", registry=registry).set(workers)
    outcomes: dict[tuple[str, str, str], int] = {}
    seconds: dict[str, list[float]] = {}
    peak = 0.0
    for job in jobs.recent(SCRAPED_JOBS):
        for stage, whats in job.progress.items():
            for kind, items in whats.items():
                for outcome in items.values():
                    key = (stage, kind, outcome if isinstance(outcome, str) else "running")
                    outcomes[key] = outcomes.get(key, 0) + 1
        for stage, figures in job.figures.items():
            if figures.get("worker_seconds_per_clip"):
                seconds.setdefault(stage, []).append(figures["worker_seconds_per_clip"])
            peak = max(peak, figures.get("peak_gpu_gib") or 0.0)
    for labels, count in outcomes.items():
        shots.labels(*labels).set(count)
    for stage, values in seconds.items():
        per_clip.labels(stage).set(sum(values) / len(values))
    gpu.set(peak)
    return generate_latest(registry).decode()
