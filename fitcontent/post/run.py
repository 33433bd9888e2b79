"""Make each planned render (from the store when it has it), with its poster and caption files, into dist/."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from fitcontent.engine.run import BuildReport, ShotProgress
from fitcontent.post.captions import srt, webvtt
from fitcontent.post.compose import render_still, render_video
from fitcontent.post.plan import Render
from fitcontent.store import Store, cache_key, publish, write_text_if_changed

COMPOSITOR = "compositor"
COMPOSITOR_VERSION = "4"
"""Bumped whenever the compositor draws the same spec differently, so cached renders are redone."""
POSTER_QUALITY = 88
RENDER_WORKERS = 2
"""Renders made at once. x264 goes on encoding for a while after the last frame is sent and each input's
decoder takes a moment to start; a second render composing meanwhile keeps both cores of a small machine busy
(benchmarks/RESULTS.md)."""


def render_key(render: Render) -> str:
    """The spec's hash without file paths: clips, logo and font count by content (sha256), not location."""
    paths = {"font": True, "scenes": {"__all__": {"panels": {"__all__": {"clip"}}, "images": {"__all__": {"path"}}}}}
    spec = render.spec.model_dump(mode="json", exclude=paths)
    return cache_key(spec, COMPOSITOR, COMPOSITOR_VERSION)


def run_renders(renders: list[Render], out: Path, store: Store, report: BuildReport, use_cache: bool = True,
                progress: ShotProgress | None = None) -> None:
    """Make every render into ``out``, :data:`RENDER_WORKERS` at a time, listed in plan order; one failing
    render is logged and counted, the rest go on."""
    progress = progress or ShotProgress()
    progress.start(len(renders), "renders")
    pool = ThreadPoolExecutor(RENDER_WORKERS, thread_name_prefix="render")
    try:
        jobs = [(render, pool.submit(_make, render, out, store, use_cache, progress)) for render in renders]
        for render, job in jobs:
            try:
                made = job.result()
                report.built.append(_entry(render, made.key, made.sha256, made.poster, _captions(render, out)))
                report.cached += made.cached
                progress.done(render, "cached" if made.cached else "built")
            except Exception as exc:  # one bad render must not stop the batch
                report.fail(render, exc, progress)
    finally:
        pool.shutdown(cancel_futures=True)  # after Ctrl-C: no new render starts
    progress.close()


@dataclass(frozen=True)
class _Made:
    key: str
    sha256: str
    cached: bool
    poster: str  # its path in ``out``


def _make(render: Render, out: Path, store: Store, use_cache: bool, progress: ShotProgress) -> _Made:
    """The render's video and poster from the store, or made and stored now; published into ``out``."""
    key = render_key(render)
    entry = store.get(key) if use_cache else None
    cached, stills = entry is not None, []  # the poster frame, taken while the video is made
    if entry is None:
        frames = progress.shot(render)

        def produce(tmp: Path) -> None:
            stills.append(render_video(render.spec, tmp, frames, still_at=render.poster_time))

        entry = store.put(key, produce, "mp4", {"id": render.id, "kind": render.spec.kind})
    publish(entry.path, out / render.path)
    poster = _poster(render, key, out, store, use_cache, stills[-1] if stills else None)
    return _Made(key, entry.sha256, cached, poster)


def _poster(render: Render, key: str, out: Path, store: Store, use_cache: bool, still: Image.Image | None) -> str:
    """A JPEG of the composed frame at the key phase (``still``, or composed again), cached like the video."""
    poster_key = cache_key({"render": key, "t": render.poster_time}, "poster", COMPOSITOR_VERSION)
    entry = store.get(poster_key) if use_cache else None
    if entry is None:
        def produce(tmp: Path) -> None:
            picture = still or render_still(render.spec, render.poster_time)
            picture.save(tmp, format="JPEG", quality=POSTER_QUALITY, optimize=True, progressive=True)

        entry = store.put(poster_key, produce, "jpg", {"id": render.id, "kind": "poster"})
    path = render.path.with_suffix(".jpg")
    publish(entry.path, out / path)
    return path.as_posix()


def _captions(render: Render, out: Path) -> dict[str, dict[str, str]]:
    """WebVTT and SRT beside the video, in every language (the burned-in text is in one)."""
    files: dict[str, dict[str, str]] = {"vtt": {}, "srt": {}}
    for lang, events in render.captions.items():
        for kind, write in (("vtt", webvtt), ("srt", srt)):
            path = render.path.with_suffix(f".{lang}.{kind}")
            write_text_if_changed(out / path, write(events))
            files[kind][lang] = path.as_posix()
    return files


def _entry(render: Render, key: str, sha256: str, poster: str, captions: dict[str, dict[str, str]]) -> dict[str, Any]:
    spec = render.spec
    return {
        **render.entry, "path": render.path.as_posix(), "width": spec.width, "height": spec.height,
        "fps": spec.fps, "frames": spec.frames, "duration": round(spec.duration, 4), "poster": poster,
        "poster_time": round(render.poster_time, 4), "captions": captions["vtt"], "subtitles": captions["srt"],
        "backend": COMPOSITOR, "backend_version": COMPOSITOR_VERSION, "cache_key": key, "sha256": sha256,
    }
