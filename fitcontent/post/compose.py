"""The compositor: executes a :class:`RenderSpec` (every decision already made) into one H.264 file.

Fast by construction (compositing must not be the slow part of a build): each input is decoded by its
own ffmpeg process already scaled to its panel (moviepy's reader), static layers (background, borders,
cards, labels, logo) are drawn once per scene, and each output frame is one copy of the base plus one
slice assignment per panel plus small alpha blends for the text boxes, into a preallocated canvas that
moviepy's writer pipes to a single libx264 encode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict

from fitcontent.post.text import FontRef, draw_mark, fit_text, text_image

CRF = 20
Anchor = Literal["top-left", "top-center", "top-right", "center", "bottom-left", "bottom-center", "bottom-right"]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Box(_Spec):
    x: int
    y: int
    w: int
    h: int


class TextSpec(_Spec):
    """Text drawn inside ``box`` (shrink-wrapped at ``anchor``), shown from ``start`` to ``end`` seconds
    of its scene (None: the whole scene)."""

    text: str
    box: Box
    size: int
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
    crf: int = CRF

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.scenes)

    @property
    def frames(self) -> int:
        return round(self.duration * self.fps)


def rgba(color: str) -> tuple[int, int, int, int]:
    value = color.lstrip("#")
    alpha = int(value[6:8], 16) if len(value) == 8 else 255
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16), alpha


@dataclass
class _Overlay:
    """A premultiplied RGBA patch: out = premul + region * inverse_alpha / 255."""

    y: int
    x: int
    premul: np.ndarray
    inverse: np.ndarray
    start: float = 0.0
    end: float = float("inf")

    def blend(self, canvas: np.ndarray) -> None:
        h, w = self.inverse.shape[:2]
        region = canvas[self.y:self.y + h, self.x:self.x + w]
        region[:] = (self.premul + region.astype(np.uint16) * self.inverse) // 255


def _overlay(image: Image.Image, x: int, y: int, opacity: float = 1.0, start=None, end=None) -> _Overlay:
    array = np.asarray(image.convert("RGBA"), dtype=np.uint16)
    alpha = (array[:, :, 3:4] * opacity).astype(np.uint16)
    return _Overlay(y, x, array[:, :, :3] * alpha, 255 - alpha,
                    0.0 if start is None else start, float("inf") if end is None else end)


def text_box(spec: TextSpec, font: FontRef) -> tuple[Image.Image, int, int]:
    """The drawn text box (with its mark and background) and where it goes on the canvas."""
    pad = max(2, spec.size // 3)
    mark = round(spec.size * 1.1) if spec.mark else 0
    gap = spec.size // 3 if spec.mark else 0
    inner_w, inner_h = spec.box.w - 2 * pad - mark - gap, spec.box.h - 2 * pad
    fitted = fit_text(spec.text, font, spec.size, max(1, inner_w), max(1, inner_h))
    width, height = fitted.width + 2 * pad + mark + gap, max(fitted.height, mark) + 2 * pad
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
class _Scene:
    spec: SceneSpec
    start: float
    base: np.ndarray
    overlays: list[_Overlay] = field(default_factory=list)
    readers: list = field(default_factory=list)


class Compositor:
    """Prepares each scene once, then makes frames on demand (``frame(t)``) into one canvas."""

    def __init__(self, spec: RenderSpec):
        self.spec = spec
        self.font = FontRef(Path(spec.font), spec.font_index)
        self.canvas = np.zeros((spec.height, spec.width, 3), np.uint8)
        self.scenes: list[_Scene] = []
        start = 0.0
        for scene in spec.scenes:
            self.scenes.append(self._prepare(scene, start))
            start += scene.duration

    def _prepare(self, scene: SceneSpec, start: float) -> _Scene:
        image = Image.new("RGB", (self.spec.width, self.spec.height), rgba(scene.background)[:3])
        draw = ImageDraw.Draw(image)
        for panel in scene.panels:
            if panel.border and panel.border_width:
                b, d = panel.border_width, panel.dest
                draw.rectangle((d.x - b, d.y - b, d.x + d.w + b - 1, d.y + d.h + b - 1), fill=rgba(panel.border)[:3])
        base = np.array(image)
        prepared = _Scene(scene, start, base)
        for picture in scene.images:
            logo = Image.open(picture.path).convert("RGBA").resize((picture.box.w, picture.box.h), Image.LANCZOS)
            prepared.overlays.append(_overlay(logo, picture.box.x, picture.box.y, picture.opacity))
        texts = [p.label for p in scene.panels if p.label] + list(scene.texts)
        for text in texts:
            drawn, x, y = text_box(text, self.font)
            prepared.overlays.append(_overlay(drawn, x, y, 1.0, text.start, text.end))
        if not scene.panels:  # a card: everything is static, blend it into the base once
            for overlay in prepared.overlays:
                overlay.blend(prepared.base)
            prepared.overlays = []
        return prepared

    def _open(self, scene: _Scene) -> None:
        from moviepy import VideoFileClip

        if not scene.readers:
            scene.readers = [VideoFileClip(p.clip, audio=False, target_resolution=None if p.scaled == p.size
                                           else p.scaled) for p in scene.spec.panels]

    def close(self) -> None:
        for scene in self.scenes:
            for reader in scene.readers:
                reader.close()
            scene.readers = []

    def frame(self, t: float) -> np.ndarray:
        """The output frame at ``t`` seconds; inputs shorter than their scene hold their last frame."""
        scene = next((s for s in reversed(self.scenes) if t >= s.start - 1e-9), self.scenes[0])
        local = t - scene.start
        if not scene.spec.panels:
            return scene.base
        self._open(scene)
        canvas = self.canvas
        np.copyto(canvas, scene.base)
        for panel, reader in zip(scene.spec.panels, scene.readers, strict=True):
            last = (panel.frames - 1) / panel.fps
            image = reader.get_frame(min(local, last))
            d, (cx, cy) = panel.dest, panel.crop
            canvas[d.y:d.y + d.h, d.x:d.x + d.w] = image[cy:cy + d.h, cx:cx + d.w]
        for overlay in scene.overlays:
            if overlay.start <= local < overlay.end:
                overlay.blend(canvas)
        return canvas


def render_video(spec: RenderSpec, path: Path, progress: Callable[[int, int], None] | None = None) -> None:
    """Encode the composition once: H.264 High, yuv420p, +faststart, keyframe every half second."""
    from moviepy import VideoClip

    compositor = Compositor(spec)
    total, done = spec.frames, 0

    def make(t: float) -> np.ndarray:
        nonlocal done
        frame = compositor.frame(t)
        done += 1
        if progress and (done % 8 == 0 or done == total):
            progress(done, total)
        return frame

    try:
        clip = VideoClip(make, duration=spec.frames / spec.fps)
        clip.write_videofile(
            str(path), fps=spec.fps, codec="libx264", preset="medium", audio=False, logger=None,
            ffmpeg_params=["-crf", str(spec.crf), "-profile:v", "high", "-g", str(max(1, spec.fps // 2)),
                           "-movflags", "+faststart", "-f", "mp4"],
        )
    finally:
        compositor.close()


def render_still(spec: RenderSpec, t: float) -> Image.Image:
    """One frame of the composition (posters; checking a layout without encoding)."""
    compositor = Compositor(spec)
    try:
        return Image.fromarray(compositor.frame(min(t, spec.duration - 1 / spec.fps)).copy())
    finally:
        compositor.close()
