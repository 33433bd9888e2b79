"""The compositor: executes a :class:`RenderSpec` (every decision already made) into one H.264 file.

Fast by construction (compositing must not be the slow part of a build): each input is decoded by its
own ffmpeg process already scaled to its panel; static layers (background, borders, cards, labels,
logo) are drawn once per scene; each output frame is one copy of the base, one slice assignment per
panel and small alpha blends for the text boxes, into one preallocated buffer piped to a single libx264
encode. All of it in yuv420p, the encoder's format: moviepy's reader and writer work in RGB, and the
two conversions per frame made a 2x2 grid 1.6x slower than ffmpeg's own filter graph
(benchmarks/RESULTS.md); :func:`to_moviepy` hands a composition to moviepy for further editing.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict
from pydantic.main import IncEx

from fitcontent.errors import FitcontentError
from fitcontent.fonts import FontRef
from fitcontent.media import RENDER_CRF, decode_frames, h264_params
from fitcontent.post import yuv
from fitcontent.post.text import FittedText, draw_mark, fit_text, text_image
from fitcontent.store import cache_key

COMPOSITOR = "compositor"
COMPOSITOR_VERSION = "4"
"""Bumped whenever the compositor draws the same spec differently, so cached renders are redone."""
Anchor = Literal["top-left", "top-center", "top-right", "center", "bottom-left", "bottom-center", "bottom-right"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Box(_Spec):
    x: int
    y: int
    w: int
    h: int


class TextSpec(_Spec):
    """Text drawn inside ``box`` (shrink-wrapped at ``anchor``; ``size`` down to ``min_size`` to fit),
    shown from ``start`` to ``end`` seconds of its scene (None: the whole scene)."""

    text: str
    box: Box
    size: int
    min_size: int = 8
    color: str
    background: str | None = None
    anchor: Anchor = "top-left"
    align: Literal["left", "center"] = "center"
    mark: Literal["correct", "error"] | None = None
    start: float | None = None
    end: float | None = None


class ImageSpec(_Spec):
    path: str
    sha256: str
    box: Box
    opacity: float = 1.0


class PanelSpec(_Spec):
    """One input clip: decoded at ``scaled`` size, cropped at ``crop``, pasted at ``dest``."""

    clip: str
    sha256: str
    frames: int
    fps: int
    size: tuple[int, int]
    scaled: tuple[int, int]
    crop: tuple[int, int]
    dest: Box
    border: str | None = None
    border_width: int = 0
    label: TextSpec | None = None


class SceneSpec(_Spec):
    duration: float
    background: str
    panels: list[PanelSpec] = []
    texts: list[TextSpec] = []
    images: list[ImageSpec] = []


class RenderSpec(_Spec):
    """Everything one render depends on; equal specs make equal files (the cache key is its hash)."""

    id: str
    kind: str
    format: str
    width: int
    height: int
    fps: int
    font: str
    font_index: int
    font_sha256: str
    scenes: list[SceneSpec]
    crf: int = RENDER_CRF

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.scenes)

    @property
    def frames(self) -> int:
        return round(self.duration * self.fps)


def render_key(spec: RenderSpec) -> str:
    """The spec's store key without file paths: clips, logo and font count by content (sha256), not location."""
    paths: dict[str, IncEx | bool] = {
        "font": True, "scenes": {"__all__": {"panels": {"__all__": {"clip"}}, "images": {"__all__": {"path"}}}}}
    return cache_key(spec.model_dump(mode="json", exclude=paths), COMPOSITOR, COMPOSITOR_VERSION)


def rgba(color: str) -> tuple[int, int, int, int]:
    value = color.lstrip("#")
    alpha = int(value[6:8], 16) if len(value) == 8 else 255
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha


@dataclass(frozen=True)
class _Boxed:
    """A text's fitted lines and the parts of its box: padding, mark and the gap after the mark."""

    fitted: FittedText
    pad: int
    mark: int
    gap: int

    @property
    def size(self) -> tuple[int, int]:
        edge = 2 * self.pad
        return self.fitted.width + edge + self.mark + self.gap, max(self.fitted.height, self.mark) + edge


def _boxed(spec: TextSpec, font: FontRef) -> _Boxed:
    pad = max(2, spec.size // 3)
    mark = round(spec.size * 1.1) if spec.mark else 0
    gap = spec.size // 3 if spec.mark else 0
    inner_w, inner_h = spec.box.w - 2 * pad - mark - gap, spec.box.h - 2 * pad
    return _Boxed(fit_text(spec.text, font, spec.size, max(1, inner_w), max(1, inner_h), spec.min_size), pad, mark, gap)


def text_size(spec: TextSpec, font: FontRef) -> tuple[int, int]:
    """(w, h) of the text box :func:`text_box` draws, without drawing it (layout measures many)."""
    return _boxed(spec, font).size


def text_box(spec: TextSpec, font: FontRef) -> tuple[Image.Image, int, int]:
    """The drawn text box (with its mark and background) and where it goes on the canvas."""
    boxed = _boxed(spec, font)
    fitted, pad, mark, gap = boxed.fitted, boxed.pad, boxed.mark, boxed.gap
    width, height = boxed.size
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if spec.background:
        draw.rounded_rectangle((0, 0, width - 1, height - 1), radius=pad, fill=rgba(spec.background))
    if spec.mark:
        draw_mark(draw, spec.mark, pad, (height - mark) / 2, mark, spec.color)
    words = text_image(fitted, font, spec.color, spec.align)
    image.alpha_composite(words, (pad + mark + gap, (height - fitted.height) // 2))
    vertical, _, horizontal = spec.anchor.partition("-")
    if spec.anchor == "center":
        vertical, horizontal = "center", "center"
    x = {"left": spec.box.x, "center": spec.box.x + (spec.box.w - width) // 2,
         "right": spec.box.x + spec.box.w - width}[horizontal]
    y = {"top": spec.box.y, "center": spec.box.y + (spec.box.h - height) // 2,
         "bottom": spec.box.y + spec.box.h - height}[vertical]
    return image, x, y


@dataclass
class _Reader:
    """Sequential yuv420p frames of one input, decoded by ffmpeg already scaled and cropped to its panel
    (only the pixels shown cross the pipe)."""

    panel: PanelSpec
    frames: Generator[bytes, None, None]
    index: int = -1
    current: np.ndarray | None = None

    @classmethod
    def open(cls, panel: PanelSpec) -> _Reader:
        (width, height), (x, y), d = panel.scaled, panel.crop, panel.dest
        filters = [] if panel.scaled == panel.size else [f"scale={width}:{height}:flags=bicubic"]
        if (d.w, d.h) != panel.scaled:
            filters.append(f"crop={d.w}:{d.h}:{x}:{y}")
        return cls(panel, decode_frames(panel.clip, d.w, d.h, filters))

    def at(self, index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Planes of frame ``index`` (frames past the end hold the last one)."""
        index = min(index, self.panel.frames - 1)
        while self.index < index:
            data = next(self.frames, None)
            if data is None:  # shorter than its spec says: hold what we have
                break
            self.current = np.frombuffer(data, np.uint8)
            self.index += 1
        if self.current is None:
            raise FitcontentError(f"{self.panel.clip}: no frames could be decoded")
        return yuv.planes(self.current, self.panel.dest.w, self.panel.dest.h)

    def close(self) -> None:
        self.frames.close()


@dataclass
class _Scene:
    spec: SceneSpec
    start: float
    base: np.ndarray  # flat yuv420p: background, borders, and for cards every text
    overlays: list[yuv.Overlay] = field(default_factory=list)
    readers: list[_Reader] = field(default_factory=list)


class Compositor:
    """Prepares each scene once, then makes yuv420p frames on demand (``frame(i)``) into one buffer."""

    def __init__(self, spec: RenderSpec):
        self.spec = spec
        self.font = FontRef(Path(spec.font), spec.font_index)
        self.buffer = np.zeros(yuv.frame_bytes(spec.width, spec.height), np.uint8)
        self.planes = yuv.planes(self.buffer, spec.width, spec.height)
        self.scenes: list[_Scene] = []
        start = 0.0
        for scene in spec.scenes:
            self.scenes.append(self._prepare(scene, start))
            start += scene.duration

    def _prepare(self, scene: SceneSpec, start: float) -> _Scene:
        for panel in scene.panels:
            odd = [v for v in (panel.dest.x, panel.dest.y, panel.dest.w, panel.dest.h, *panel.crop) if v % 2]
            if odd:
                raise FitcontentError(f"{self.spec.id}: panel {panel.clip} is not on even pixels {panel.dest}")
        image = Image.new("RGB", (self.spec.width, self.spec.height), rgba(scene.background)[:3])
        draw = ImageDraw.Draw(image)
        for panel in scene.panels:
            if panel.border and panel.border_width:
                b, d = panel.border_width, panel.dest
                draw.rectangle((d.x - b, d.y - b, d.x + d.w + b - 1, d.y + d.h + b - 1), fill=rgba(panel.border)[:3])
        overlays: list[tuple[Image.Image, int, int, float, float | None, float | None]] = []
        for picture in scene.images:
            logo = Image.open(picture.path).convert("RGBA")
            logo = logo.resize((picture.box.w, picture.box.h), Image.Resampling.LANCZOS)
            overlays.append((logo, picture.box.x, picture.box.y, picture.opacity, None, None))
        for text in [p.label for p in scene.panels if p.label] + list(scene.texts):
            drawn, x, y = text_box(text, self.font)
            overlays.append((drawn, x, y, 1.0, text.start, text.end))
        if not scene.panels:  # a card is static: draw everything into its base once
            for drawn, x, y, opacity, _, _ in overlays:
                mask = drawn.getchannel("A").point(lambda a, o=opacity: round(a * o))
                image.paste(drawn.convert("RGB"), (x, y), mask)
            return _Scene(scene, start, yuv.from_rgb(np.asarray(image)))
        return _Scene(scene, start, yuv.from_rgb(np.asarray(image)),
                      [yuv.Overlay.of(np.asarray(d.convert("RGBA")), x, y, o, s, e) for d, x, y, o, s, e in overlays])

    def close(self) -> None:
        for scene in self.scenes:
            for reader in scene.readers:
                reader.close()
            scene.readers = []

    def frame(self, index: int) -> np.ndarray:
        """Output frame ``index`` as a flat yuv420p buffer (reused: consume it before the next call).
        Inputs are read forwards; inputs shorter than their scene hold their last frame."""
        t = index / self.spec.fps
        scene = next((s for s in reversed(self.scenes) if t >= s.start - 1e-9), self.scenes[0])
        if not scene.spec.panels:
            return scene.base
        if not scene.readers:
            scene.readers = [_Reader.open(panel) for panel in scene.spec.panels]
        local = t - scene.start
        np.copyto(self.buffer, scene.base)
        for reader in scene.readers:
            panel = reader.panel
            source = reader.at(round(local * panel.fps))
            d = panel.dest
            for plane, part, s in zip(self.planes, source, (1, 2, 2), strict=True):
                plane[d.y // s:(d.y + d.h) // s, d.x // s:(d.x + d.w) // s] = part
        for overlay in scene.overlays:
            if overlay.start <= local < overlay.end:
                overlay.blend(self.planes)
        return self.buffer


def render_video(spec: RenderSpec, path: Path, progress: Callable[[int, int], None] | None = None,
                 still_at: float | None = None) -> Image.Image | None:
    """Encode the composition once: H.264 High, yuv420p, +faststart, keyframe every half second. Frames go
    to the encoder in its own pixel format, so no colour conversion happens on either side.

    ``still_at``: also return the frame at that time as RGB, the same picture :func:`render_still` makes
    (a poster taken in passing costs no second decode)."""
    import imageio_ffmpeg

    compositor = Compositor(spec)
    still_index = None if still_at is None else _frame_index(spec, still_at)
    still = None
    writer = imageio_ffmpeg.write_frames(
        str(path), (spec.width, spec.height), pix_fmt_in="yuv420p", pix_fmt_out="yuv420p", fps=spec.fps,
        codec="libx264", quality=None, macro_block_size=1, ffmpeg_log_level="error",
        output_params=[*h264_params(spec.fps, spec.crf), "-f", "mp4"])
    try:
        writer.send(None)
        for index in range(spec.frames):
            frame = compositor.frame(index)
            if index == still_index:
                still = Image.fromarray(yuv.to_rgb(frame, spec.width, spec.height))
            writer.send(frame)
            if progress and ((index + 1) % 8 == 0 or index + 1 == spec.frames):
                progress(index + 1, spec.frames)
    finally:
        writer.close()
        compositor.close()
    return still


def _frame_index(spec: RenderSpec, t: float) -> int:
    return min(round(t * spec.fps), spec.frames - 1)


def render_still(spec: RenderSpec, t: float) -> Image.Image:
    """One frame of the composition as RGB (posters; checking a layout without encoding)."""
    compositor = Compositor(spec)
    try:
        return Image.fromarray(yuv.to_rgb(compositor.frame(_frame_index(spec, t)), spec.width, spec.height))
    finally:
        compositor.close()


def to_moviepy(spec: RenderSpec):
    """The composition as a moviepy ``VideoClip`` (RGB frames), to edit further with moviepy: add music,
    concatenate with other footage. fitcontent itself encodes through :func:`render_video`."""
    from moviepy import VideoClip

    compositor = Compositor(spec)
    clip = VideoClip(lambda t: yuv.to_rgb(compositor.frame(round(t * spec.fps)), spec.width, spec.height),
                     duration=spec.frames / spec.fps)
    clip.fps = spec.fps
    return clip
