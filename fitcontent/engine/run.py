"""Run a build: each planned clip, then each render planned from those clips, through one executor; then the
manifest.

Clips and renders are both :class:`fitcontent.engine.executor.WorkItem`: from the store when it has them,
else made into it, then published into dist/. One failing item never stops the batch; the report counts it.
Everything written is atomic, so a killed build leaves the store and dist/ consistent and a rerun redoes
only what is missing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fitcontent.artifacts import ClipArtifact
from fitcontent.engine.executor import BuildReport, Executor, LocalExecutor, ShotProgress, Workshop
from fitcontent.engine.work import RENDER_WORKERS, ClipWork, RenderWork
from fitcontent.export.manifest import write_manifest
from fitcontent.generation.base import ShotSpec
from fitcontent.post.plan import Render
from fitcontent.store import output_dir, remove_stale_temp_files


def build(specs: list[ShotSpec], shop: Workshop, plan_renders: Callable[[list[ClipArtifact]], list[Render]] | None,
          progress: ShotProgress | None = None, executor: Executor | None = None,
          started: float | None = None) -> BuildReport:
    """Make every spec's clip with the workshop's backend, then the renders ``plan_renders`` plans from the
    clips made, into ``shop.out``; write the manifest with the build's figures. ``started``: when the build
    began (``time.perf_counter()``; default now)."""
    started = time.perf_counter() if started is None else started
    progress = progress or ShotProgress()
    executor = executor or LocalExecutor()
    backend = shop.backend
    if backend is None:
        raise ValueError("building clips needs a workshop with a backend")
    out = output_dir(shop.out)
    remove_stale_temp_files(out)  # a killed build's; another build's work in progress is younger
    report = BuildReport(main=executor.is_main, executor=getattr(executor, "name", type(executor).__name__),
                         workers=getattr(executor, "workers", 1))  # executors of the user's own making predate both
    clips = [ClipWork(spec=spec, backend=backend.name, backend_version=backend.version) for spec in specs]
    report.add(executor.run(clips, shop, progress))
    report.seconds = time.perf_counter() - started
    if report.main:  # one process writes the manifest; every process has every outcome
        write_manifest(out, report.built, report.figures())  # the clips are listed even if a render fails hard
    if plan_renders is not None:  # every process plans the same renders from the same clips
        renders = [RenderWork(render=render) for render in plan_renders(report.clips)]
        report.add(executor.run(renders, shop, progress, "renders", RENDER_WORKERS))
        report.seconds = time.perf_counter() - started
        if report.main:
            write_manifest(out, report.built, report.figures())
    return report
