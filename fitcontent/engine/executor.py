"""One executor for every kind of work: get from the store or make, publish into dist/, count, go on.

A :class:`WorkItem` is data (a pydantic model: it can be sent to another process or machine) that knows its
store key, how to make its file and how to publish it. A :class:`Workshop` is what one worker makes things
with (the store, dist/, a loaded model); each worker builds its own and never shares it. Results come back
as :class:`Outcome` records, in the order of the items, so nothing is shared or mutated across workers.
:class:`LocalExecutor` runs items in threads of this process; executors for many processes or machines
implement the same :class:`Executor` protocol.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from fitcontent.artifacts import BuildFigures, ClipArtifact, RenderArtifact
from fitcontent.generation.base import Backend, Progress, ShotSpec
from fitcontent.store import Entry, Store

log = logging.getLogger(__name__)


class ShotProgress:
    """Receives build events; the CLI shows them as bars on a terminal, as log lines elsewhere.

    Events name work items: anything with ``id`` and ``frames``."""

    def start(self, total: int, what: str = "shots") -> None: ...
    def shot(self, item: Any) -> Progress | None: ...
    def done(self, item: Any, outcome: str) -> None: ...
    def close(self) -> None: ...


@dataclass
class Workshop:
    """What one worker makes things with. Built once per worker (a model loads once), never sent elsewhere.

    ``pose_writer`` writes a clip's pose track into dist/ and returns facts for its manifest entry."""

    store: Store
    out: Path
    use_cache: bool = True
    backend: Backend | None = None
    pose_writer: Callable[[ShotSpec, Path], dict[str, Any]] | None = None
    _load_error: Exception | None = field(default=None, repr=False)
    _loaded: bool = field(default=False, repr=False)

    def loaded_backend(self) -> Backend:
        """The backend, loaded on first use; a failed load fails every later item at once, not again."""
        if self.backend is None:
            raise RuntimeError("this workshop has no backend: it makes renders, not clips")
        if self._load_error is not None:
            raise self._load_error
        if not self._loaded:
            try:
                self.backend.load()
            except Exception as exc:
                self._load_error = exc
                raise
            self._loaded = True
        return self.backend


@dataclass(frozen=True)
class Made:
    """What making an item returned: the store sidecar's facts, and anything ``publish`` can reuse."""

    meta: dict[str, Any]
    extra: Any = None


class WorkItem(Protocol):
    """One independent piece of work, serializable, that the store keeps under :meth:`key`."""

    suffix: str

    @property
    def id(self) -> str: ...
    @property
    def frames(self) -> int: ...
    @property
    def cost(self) -> int: ...
    def key(self) -> str: ...
    def make(self, tmp: Path, shop: Workshop, progress: Progress | None) -> Made: ...
    def publish(self, stored: Entry, shop: Workshop, made: Made | None) -> ClipArtifact | RenderArtifact: ...


class Outcome(BaseModel):
    """The result of one item: its artifact (built or cached), or why it failed."""

    id: str
    artifact: ClipArtifact | RenderArtifact | None = None
    cached: bool = False
    error: str | None = None
    seconds: float = 0.0  # making it, in the worker that did (0 when it came from the store)


def run_item(item: WorkItem, shop: Workshop, progress: ShotProgress, look_up: bool = True,
             found: Entry | None = None) -> Outcome:
    """Get ``item`` from the store or make it, then publish it; a failure is returned, not raised.
    ``look_up=False``: the caller looked in the store already and ``found`` is what it found (None: make it)."""
    try:
        key = item.key()
        stored = (shop.store.get(key) if shop.use_cache else None) if look_up else found
        made: list[Made] = []
        started = time.perf_counter()
        if stored is None:
            frames = progress.shot(item)
            stored = shop.store.put(key, lambda tmp: made.append(item.make(tmp, shop, frames)), item.suffix,
                                    lambda: made[-1].meta)
        seconds = time.perf_counter() - started if made else 0.0
        return Outcome(id=item.id, artifact=item.publish(stored, shop, made[-1] if made else None), cached=not made,
                       seconds=round(seconds, 3))
    except Exception as exc:  # one bad item must not stop the batch
        log.error("%s failed: %s", item.id, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        return Outcome(id=item.id, error=str(exc))


class Executor(Protocol):
    """Runs items and returns their outcomes in the items' order, in every process it spans; ``is_main``:
    this process writes what the whole run shares (the manifest). Ours also have a ``name`` and the
    number of ``workers`` (processes or actors) that make items, for the manifest's figures."""

    is_main: bool

    def close(self) -> None: ...

    def run(self, items: Sequence[WorkItem], shop: Workshop, progress: ShotProgress, what: str = "shots",
            workers: int = 1) -> list[Outcome]: ...


class LocalExecutor:
    """This process: one item at a time, or ``workers`` threads (renders: x264 and the decoders overlap)."""

    name = "local"
    is_main = True
    workers = 1

    def close(self) -> None:
        """Nothing to release."""

    def run(self, items: Sequence[WorkItem], shop: Workshop, progress: ShotProgress, what: str = "shots",
            workers: int = 1) -> list[Outcome]:
        progress.start(len(items), what)
        outcomes = []
        pool = ThreadPoolExecutor(workers, thread_name_prefix=what) if workers > 1 else None
        try:
            pending = [pool.submit(run_item, item, shop, progress) for item in items] if pool else None
            for i, item in enumerate(items):
                outcome = pending[i].result() if pending else run_item(item, shop, progress)
                progress.done(item, "failed" if outcome.error else "cached" if outcome.cached else "built")
                outcomes.append(outcome)
        finally:
            if pool:
                pool.shutdown(cancel_futures=True)  # after Ctrl-C: nothing new starts
        progress.close()
        return outcomes


@dataclass
class BuildReport:
    """What a build did: the artifacts it listed in the manifest, how many came from the store, what failed."""

    built: list[ClipArtifact | RenderArtifact] = field(default_factory=list)
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)
    seconds: float = 0.0
    main: bool = True  # False in the other processes of a run over several (they print nothing)
    executor: str = "local"
    workers: int = 1
    made_clips: int = 0
    clip_seconds: float = 0.0
    """Seconds spent making the clips that were made, summed over workers: GPU-seconds where each worker holds
    a GPU."""

    def add(self, outcomes: list[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.artifact is None:
                self.failed.append((outcome.id, outcome.error or "failed"))
            else:
                self.built.append(outcome.artifact)
                self.cached += outcome.cached
                if isinstance(outcome.artifact, ClipArtifact) and not outcome.cached:
                    self.made_clips += 1
                    self.clip_seconds += outcome.seconds

    @property
    def clips_per_hour(self) -> float:
        """Clips made per hour of this build's wall time, every worker together (0 when none was made)."""
        return self.made_clips * 3600 / self.seconds if self.seconds and self.made_clips else 0.0

    @property
    def clips(self) -> list[ClipArtifact]:
        return [a for a in self.built if isinstance(a, ClipArtifact)]

    def figures(self) -> BuildFigures | None:
        """The figures the manifest keeps of this build; None when it made nothing (everything came from the
        store), so that such a build leaves dist/ untouched."""
        if len(self.built) == self.cached:
            return None
        return BuildFigures(executor=self.executor, workers=self.workers, clips_made=self.made_clips,
                            clips_cached=len(self.clips) - self.made_clips, seconds=round(self.seconds, 3),
                            worker_seconds_per_clip=round(self.clip_seconds / self.made_clips, 3)
                            if self.made_clips else None, clips_per_hour=round(self.clips_per_hour, 1))

    def summary(self) -> str:
        clips = len(self.clips)
        renders = len(self.built) - clips
        text = f"Built {clips} clip{'s' if clips != 1 else ''}"
        if renders:
            text += f" and {renders} render{'s' if renders != 1 else ''}"
        text += f" ({self.cached} cached)"
        if self.failed:
            text += f", {len(self.failed)} failed"
        text += f" in {self.seconds:.1f} s"
        if self.made_clips:
            text += (f"; {self.clip_seconds / self.made_clips:.1f} worker-seconds a clip, "
                     f"{self.clips_per_hour:.0f} clips an hour")
        return text
