"""Run a build: plan -> generate each missing clip into the store -> publish into dist/ -> manifest.

One failing shot never stops the batch; the report counts it. Everything written is atomic, so a
killed build leaves the store and dist/ consistent and a rerun redoes only what is missing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fitcontent.errors import FitcontentError
from fitcontent.export.manifest import write_manifest
from fitcontent.generation.base import Backend, ShotSpec
from fitcontent.store import TEMP_PREFIX, Entry, Store, cache_key, publish

log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    built: list[dict[str, Any]] = field(default_factory=list)  # manifest entries of this build
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (shot id, reason)
    seconds: float = 0.0

    def fail(self, item, exc: Exception, progress: ShotProgress) -> None:
        """Log and count one failed shot or render (anything with an ``id``); the batch goes on."""
        log.error("%s failed: %s", item.id, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        self.failed.append((item.id, str(exc)))
        progress.done(item, "failed")

    def summary(self) -> str:
        clips = sum(e["kind"] == "clip" for e in self.built)
        renders = len(self.built) - clips
        text = f"Built {clips} clip{'s' if clips != 1 else ''}"
        if renders:
            text += f" and {renders} render{'s' if renders != 1 else ''}"
        text += f" ({self.cached} cached)"
        if self.failed:
            text += f", {len(self.failed)} failed"
        return f"{text} in {self.seconds:.1f} s"


class ShotProgress:
    """Receives build events; the CLI shows them as bars on a terminal, as log lines elsewhere.

    Events name shots and renders alike: anything with ``id`` and ``frames``."""

    def start(self, total: int, what: str = "shots") -> None: ...
    def shot(self, spec: ShotSpec) -> Callable[[int, int], None] | None: ...
    def done(self, spec: ShotSpec, outcome: str) -> None: ...
    def close(self) -> None: ...


def clip_path(spec: ShotSpec, suffix: str = ".mp4") -> Path:
    """Readable output path: ``squat/bodyweight-front-correct.mp4`` (``...-correct.overlays.mp4`` with overlays)."""
    return Path(spec.exercise) / f"{spec.stem}{suffix}"


def build(specs: list[ShotSpec], backend: Backend, out: Path, store: Store, use_cache: bool = True,
          progress: ShotProgress | None = None, pose_writer: Callable[[ShotSpec, Path], dict[str, Any]] | None = None,
          ) -> BuildReport:
    """Make every spec's clip (from the store when it has it) and publish it with its pose track;
    ``pose_writer`` writes the track and returns fields for the clip's manifest entry."""
    started = time.perf_counter()
    progress = progress or ShotProgress()
    report = BuildReport()
    if out.exists() and not out.is_dir():
        raise FitcontentError(f"--out {out}: is a file, not a directory; choose a directory for the clips")
    out.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_files(out)
    loaded, load_error = False, None
    progress.start(len(specs))
    for spec in specs:
        key = cache_key(spec.model_dump(mode="json"), backend.name, backend.version)
        try:
            entry = store.get(key) if use_cache else None
            outcome = "cached"
            if entry is None:
                if load_error is not None:  # the model could not be loaded: do not try again for every shot
                    raise load_error
                if not loaded:
                    try:
                        backend.load()
                    except Exception as exc:
                        load_error = exc
                        raise
                    loaded = True
                frames = progress.shot(spec)
                entry = store.put(key, lambda tmp, spec=spec, frames=frames: backend.generate(spec, tmp, frames),
                                  "mp4", lambda spec=spec: _meta(spec, backend))
                outcome = "built"
            else:
                report.cached += 1
            publish(entry.path, out / clip_path(spec))
            described = pose_writer(spec, out / clip_path(spec, ".pose.json")) if pose_writer else {}
            report.built.append({**_entry(spec, backend, key, entry), **described})
            progress.done(spec, outcome)
        except Exception as exc:  # one bad shot must not stop the batch
            report.fail(spec, exc, progress)
    progress.close()
    write_manifest(out, report.built)
    report.seconds = time.perf_counter() - started
    return report


def _meta(spec: ShotSpec, backend: Backend) -> dict[str, Any]:
    """What the store keeps beside a clip: for a video model, how it was made (profile, time, memory)."""
    provenance = backend.provenance() if hasattr(backend, "provenance") else None
    return {"id": spec.id, "backend": backend.name, **({"generation": provenance} if provenance else {})}


def _entry(spec: ShotSpec, backend: Backend, key: str, stored: Entry) -> dict[str, Any]:
    return {
        "id": spec.id, "exercise": spec.exercise, "variation": spec.variation, "angle": spec.angle,
        "form": spec.form, "kind": "clip", "path": clip_path(spec).as_posix(),
        "pose": clip_path(spec, ".pose.json").as_posix(), "width": spec.width, "height": spec.height,
        "frames": spec.frames, "fps": spec.fps, "duration": round(spec.frames / spec.fps, 4),
        "backend": backend.name, "backend_version": backend.version, "model": getattr(backend, "model", None),
        "seed": spec.seed, "prompt": spec.prompt, "negative_prompt": spec.negative_prompt,
        "cache_key": key, "sha256": stored.sha256,
        **({"generation": stored.meta["generation"]} if "generation" in stored.meta else {}),
        **({"overlays": True} if spec.overlays else {}),  # absent when off: older manifests read the same
    }


def _remove_stale_temp_files(out: Path) -> None:
    """Temp files a killed build left in dist/ (publishing and manifest writes are temp + rename)."""
    for stale in out.rglob(f"{TEMP_PREFIX}*"):
        stale.unlink(missing_ok=True)
