"""Build progress: rich bars (shots and frames) on a terminal, one plain line per shot elsewhere."""

from __future__ import annotations

import logging
from typing import IO

from fitcontent.engine.executor import ShotProgress
from fitcontent.generation.base import ShotSpec

log = logging.getLogger("fitcontent.build")


class LineProgress(ShotProgress):
    """One line per finished shot: logs and CI stay readable."""

    def start(self, total: int, what: str = "shots") -> None:
        self.total, self.count = total, 0

    def shot(self, spec: ShotSpec):
        return None

    def done(self, spec: ShotSpec, outcome: str) -> None:
        self.count += 1
        log.info("[%d/%d] %s: %s", self.count, self.total, spec.id, outcome)


class BarProgress(ShotProgress):
    """Two bars: shots of the build, frames of the clip being made."""

    def __init__(self, stream: IO[str]):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.bars = Progress(TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=Console(file=stream), transient=True)

    def start(self, total: int, what: str = "shots") -> None:
        for task in list(self.bars.task_ids):  # the clips' bars go when the renders' begin
            self.bars.remove_task(task)
        self.bars.start()
        self.shots = self.bars.add_task(what, total=total)
        self.frames = self.bars.add_task("frames", total=1, visible=False)

    def shot(self, spec: ShotSpec):
        self.bars.update(self.frames, description=spec.id, completed=0, total=spec.frames, visible=True)
        return lambda done, total: self.bars.update(self.frames, completed=done, total=total)

    def done(self, spec: ShotSpec, outcome: str) -> None:
        self.bars.update(self.frames, visible=False)
        self.bars.advance(self.shots)

    def close(self) -> None:
        self.bars.stop()


def progress_for(stream: IO[str]) -> ShotProgress:
    return BarProgress(stream) if stream.isatty() else LineProgress()
