"""The two kinds of work a build does: a clip from a backend, a render from the compositor.

Each is a :class:`fitcontent.engine.executor.WorkItem`: plain data (it pickles and dumps to JSON) with its
store key, how to make its file and how to publish it into dist/ as a typed artifact.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image
from pydantic import BaseModel, ConfigDict

from fitcontent.artifacts import ClipArtifact, RenderArtifact
from fitcontent.engine.executor import Made, Workshop
from fitcontent.generation.base import Progress, ShotSpec
from fitcontent.post.captions import srt, webvtt
from fitcontent.post.compose import COMPOSITOR, COMPOSITOR_VERSION, render_key, render_still, render_video
from fitcontent.post.plan import Render
from fitcontent.store import Entry, cache_key, publish, write_text_if_changed

POSTER_QUALITY = 88
RENDER_WORKERS = 2
"""Renders made at once. x264 goes on encoding for a while after the last frame is sent and each input's
decoder takes a moment to start; a second render composing meanwhile keeps both cores of a small machine busy
(benchmarks/RESULTS.md)."""


def clip_path(spec: ShotSpec, suffix: str = ".mp4") -> Path:
    """Readable output path: ``squat/bodyweight-front-correct.mp4`` (``...-correct.overlays.mp4`` with overlays)."""
    return Path(spec.exercise) / f"{spec.stem}{suffix}"


class _Work(BaseModel):
    """A work item named and sized by what it makes (a shot's spec, a render)."""

    model_config = ConfigDict(frozen=True)
    suffix: str = "mp4"

    def _product(self) -> ShotSpec | Render:
        raise NotImplementedError

    @property
    def id(self) -> str:
        return self._product().id

    @property
    def frames(self) -> int:
        return self._product().frames

    @property
    def cost(self) -> int:
        """Frames x pixels: what sharing work between processes balances."""
        product = self._product()
        size = product if isinstance(product, ShotSpec) else product.spec
        return product.frames * size.width * size.height


class ClipWork(_Work):
    """One shot for the workshop's backend, whose name and version key it in the store."""

    spec: ShotSpec
    backend: str
    backend_version: str

    def _product(self) -> ShotSpec:
        return self.spec

    def key(self) -> str:
        return cache_key(self.spec.model_dump(mode="json"), self.backend, self.backend_version)

    def make(self, tmp: Path, shop: Workshop, progress: Progress | None) -> Made:
        backend = shop.loaded_backend()
        clip = backend.generate(self.spec, tmp, progress)
        made = (clip.width, clip.height, clip.frames, clip.fps)
        wanted = (self.spec.width, self.spec.height, self.spec.frames, self.spec.fps)
        if made != wanted:
            raise RuntimeError(f"the {backend.name} backend made {made[0]}x{made[1]}, {made[2]} frames at "
                               f"{made[3]} fps; the shot asks for {wanted[0]}x{wanted[1]}, {wanted[2]} at {wanted[3]}")
        provenance = backend.provenance()
        return Made({"id": self.id, "backend": backend.name, **({"generation": provenance} if provenance else {})})

    def publish(self, stored: Entry, shop: Workshop, made: Made | None) -> ClipArtifact:
        """The clip and its pose track into dist/."""
        spec = self.spec
        publish(stored.path, shop.out / clip_path(spec))
        described = shop.pose_writer(spec, shop.out / clip_path(spec, ".pose.json")) if shop.pose_writer else {}
        return ClipArtifact(
            id=spec.id, exercise=spec.exercise, variation=spec.variation, angle=spec.angle, form=spec.form,
            path=clip_path(spec).as_posix(), pose=clip_path(spec, ".pose.json").as_posix(), width=spec.width,
            height=spec.height, frames=spec.frames, fps=spec.fps, duration=round(spec.frames / spec.fps, 4),
            backend=self.backend, backend_version=self.backend_version,
            model=shop.backend.model if shop.backend else None, seed=spec.seed, prompt=spec.prompt,
            negative_prompt=spec.negative_prompt, cache_key=stored.key, sha256=stored.sha256,
            generation=stored.meta.get("generation"), overlays=spec.overlays, **described)


class RenderWork(_Work):
    """One planned render: its video, then its poster and caption files."""

    render: Render

    def _product(self) -> Render:
        return self.render

    def key(self) -> str:
        return render_key(self.render.spec)

    def make(self, tmp: Path, shop: Workshop, progress: Progress | None) -> Made:
        """The video, and the poster frame taken while it is encoded."""
        still = render_video(self.render.spec, tmp, progress, still_at=self.render.poster_time)
        return Made({"id": self.id, "kind": self.render.spec.kind}, still)

    def publish(self, stored: Entry, shop: Workshop, made: Made | None) -> RenderArtifact:
        render, spec = self.render, self.render.spec
        publish(stored.path, shop.out / render.path)
        poster = self._poster(stored.key, shop, made.extra if made else None)
        captions = self._captions(shop.out)
        return RenderArtifact(
            **render.info.model_dump(), path=render.path.as_posix(), width=spec.width, height=spec.height,
            fps=spec.fps, frames=spec.frames, duration=round(spec.duration, 4), poster=poster,
            poster_time=round(render.poster_time, 4), captions=captions["vtt"], subtitles=captions["srt"],
            backend=COMPOSITOR, backend_version=COMPOSITOR_VERSION, cache_key=stored.key, sha256=stored.sha256)

    def _poster(self, key: str, shop: Workshop, still: Image.Image | None) -> str:
        """A JPEG of the composed frame at the key phase (``still``, or composed again), cached like the video."""
        render = self.render
        poster_key = cache_key({"render": key, "t": render.poster_time}, "poster", COMPOSITOR_VERSION)
        entry = shop.store.get(poster_key) if shop.use_cache else None
        if entry is None:
            def produce(tmp: Path) -> None:
                picture = still or render_still(render.spec, render.poster_time)
                picture.save(tmp, format="JPEG", quality=POSTER_QUALITY, optimize=True, progressive=True)

            entry = shop.store.put(poster_key, produce, "jpg", {"id": render.id, "kind": "poster"})
        path = render.path.with_suffix(".jpg")
        publish(entry.path, shop.out / path)
        return path.as_posix()

    def _captions(self, out: Path) -> dict[str, dict[str, str]]:
        """WebVTT and SRT beside the video, in every language (the burned-in text is in one)."""
        files: dict[str, dict[str, str]] = {"vtt": {}, "srt": {}}
        for lang, events in self.render.captions.items():
            for kind, write in (("vtt", webvtt), ("srt", srt)):
                path = self.render.path.with_suffix(f".{lang}.{kind}")
                write_text_if_changed(out / path, write(events))
                files[kind][lang] = path.as_posix()
        return files
