"""Coaching overlays: the metric a form error is judged by, drawn on the preview with its measured number.

The marks and numbers come from fitcontent/pose/metrics.py, measured the way ``catalog validate`` measures
a signature (signatures.py), so an overlay shows exactly what the catalog's check measured: an error shot
shows its error's metric, a correct shot the metrics of the errors its camera shows (the same measurement
on both sides of a right-vs-wrong comparison).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.models import FormError, Movement, Variation
from fitcontent.pose.camera import Camera
from fitcontent.pose.metrics import METRICS, Mark, Metric, Reading
from fitcontent.pose.motion import PoseTrack, pose_track
from fitcontent.pose.signatures import measure
from fitcontent.pose.skeleton import HEIGHT
from fitcontent.pose.stills import ShotMotion, pick

COLOURS = ((250, 204, 21), (34, 211, 238), (232, 121, 249))
"""Amber, cyan, then violet for a third metric: none is the mannequin's blue or the error's red."""
OUTLINE = (15, 23, 42)
"""Dark edge around every mark, so amber and cyan stay readable on the light sky and floor."""
BOX, TEXT = (15, 23, 42, 225), (255, 255, 255)
SCALE = 2
"""Marks and labels are drawn at twice the size and reduced: anti-aliased edges."""
ARC_RADIUS = 0.08
"""An angle's arc, as a fraction of the figure's height at the joint's depth."""
LINE, DOT, FONT, MARGIN = 0.007, 0.012, 0.042, 0.02
"""Line width, dot radius, label text size and the label's distance from the edges: fractions of the frame's
short side."""
PAD = 0.45
"""The label box's padding around its text, in text heights."""
MAX_GAUGES = len(COLOURS)
WORDS = {"knee-ankle-ratio": "Knee/ankle", "depth": "Hip above knee", "ear-shoulder": "Ear above shoulder",
         "bar-drift": "Bar ahead of mid-foot", "range-fraction": "Range vs correct",
         "rebound": "Rebound vs correct"}
"""Metric names in words where the id does not read well; others are the id with spaces."""

FontAt = Callable[[int], ImageFont.FreeTypeFont]
"""A font at a pixel size (``fitcontent.fonts.FontRef.at``)."""
Box = tuple[float, float, float, float]


def label_text(metric: Metric, value: float) -> str:
    """What the label says: the metric in words and the number as the catalog report prints it."""
    words = WORDS.get(metric.name, metric.name.replace("-", " ").capitalize())
    return f"{words} {metric.format(value)}"


@dataclass(frozen=True)
class Gauge:
    """One signature metric followed through a clip: a frame metric is measured on every frame (on the
    side ``catalog validate`` picks), a motion metric once for the clip while its trace grows."""

    metric: Metric
    side: str | None
    whole: Reading | None  # motion metrics: the clip's reading

    def reading(self, joints: np.ndarray, frame: int) -> Reading:
        if self.whole is None:
            return self.metric.measure(joints[frame], self.side)
        return Reading(self.whole.value, [_until(mark, frame) for mark in self.whole.marks])


def _until(mark: Mark, frame: int) -> Mark:
    return Mark(mark.kind, mark.points[:frame + 1]) if mark.kind == "trace" else mark


def gauges(movement: Movement, variation: Variation, error: FormError | None, angle: str,
           track: PoseTrack) -> list[Gauge]:
    """An error shot: its error's signature. A correct shot: the signatures of the errors that list this
    camera, one per metric, at most :data:`MAX_GAUGES`."""
    first: dict[str, FormError] = {}
    for candidate in [error] if error is not None else movement.errors:
        if candidate.signature and (error is not None or angle in candidate.angles):
            first.setdefault(candidate.signature.metric, candidate)
    chosen = list(first.values())[:MAX_GAUGES]
    motion = error is not None and any(METRICS[metric].motion for metric in first)
    correct = pose_track(movement, variation, None, track.frames, track.fps) if motion else track
    return [_gauge(e, track, correct) for e in chosen]


def _gauge(error: FormError, track: PoseTrack, correct: PoseTrack) -> Gauge:
    signature = error.signature
    assert signature is not None
    metric = METRICS[signature.metric]
    phase = signature.phase or error.phases[0]
    reading = measure(signature, phase, track, correct)
    if metric.motion:
        return Gauge(metric, None, reading)
    return Gauge(metric, reading.side, None)  # the side measured: kept all clip long, never jumping legs


@dataclass(frozen=True)
class Overlay:
    """Everything needed to draw one clip's overlays, frame by frame."""

    camera: Camera
    joints: np.ndarray
    gauges: list[Gauge]
    font: FontAt

    def draw(self, image: np.ndarray, frame: int) -> np.ndarray:
        taken: list[Box] = []
        xy, _ = self.camera.project(self.joints[frame])
        figure = (*xy.min(axis=0), *xy.max(axis=0))
        for gauge, colour in zip(self.gauges, COLOURS, strict=False):
            reading = gauge.reading(self.joints, frame)
            image = draw_overlay(image, self.camera, reading.marks, label_text(gauge.metric, reading.value),
                                 self.font, colour, taken, figure)
        return image


def shot_overlay(catalog: Catalog, exercise: str, variation: str, form: str, angle: str, motion: ShotMotion,
                 font: FontAt) -> Overlay:
    """The overlay of a shot given by ids, over the motion the preview renders."""
    movement = catalog.movement(exercise)
    error = None if form == "correct" else pick(movement.errors, form, "error", movement.id)
    chosen = pick(movement.variations, variation, "variation", movement.id)
    return Overlay(motion.camera, motion.track.joints, gauges(movement, chosen, error, angle, motion.track), font)


def draw_overlay(image: np.ndarray, camera: Camera, marks: list[Mark], text: str, font: FontAt,
                 colour: tuple[int, int, int] = COLOURS[0], taken: list[Box] | None = None,
                 figure: Box | None = None) -> np.ndarray:
    """``image`` with ``marks`` projected and drawn, and ``text`` in a box at the height of the joint they
    concern, beside ``figure`` (the body's box) when given, inside the frame and clear of the boxes in
    ``taken`` (this label's box is added to it); boxes are (left, top, right, bottom) in pixels."""
    height, width = image.shape[:2]
    short = min(width, height)
    layer = Image.new("RGBA", (width * SCALE, height * SCALE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    line = max(2.0, LINE * short) * SCALE
    dot = max(3.0, DOT * short) * SCALE
    for paint, grow in ((OUTLINE, line * 0.5), (colour, 0.0)):  # every outline first, then the colour
        for mark in marks:
            _draw_mark(draw, camera, mark, paint, line + 2 * grow, dot + grow)
    size = max(11, round(FONT * short)) * SCALE
    anchor = _anchor(camera, marks)
    beside = _scaled(figure, SCALE) if figure else (*anchor, *anchor)
    box = _label_box(draw, anchor, beside, text, font(size), size, layer.size,
                     [_scaled(t, SCALE) for t in taken or []])
    if taken is not None:
        taken.append(_scaled(box, 1 / SCALE))
    draw.rounded_rectangle(box, radius=(box[3] - box[1]) * 0.3, fill=BOX, outline=colour, width=SCALE * 2)
    draw.text((box[0] + size * PAD, (box[1] + box[3]) / 2), text, font=font(size), fill=TEXT, anchor="lm")
    return _composite(image, layer)


def _scaled(box: Box, factor: float) -> Box:
    return box[0] * factor, box[1] * factor, box[2] * factor, box[3] * factor


def _composite(image: np.ndarray, layer: Image.Image) -> np.ndarray:
    """``image`` under ``layer`` reduced to its size: only the drawn region, averaged with premultiplied alpha
    (a plain reduce would darken every edge towards the layer's transparent black)."""
    bbox = layer.getbbox()
    assert bbox is not None  # never empty: the label is always drawn
    x0, y0, x1, y1 = (v // SCALE for v in bbox)
    x1, y1 = min(x1 + 1, image.shape[1]), min(y1 + 1, image.shape[0])
    out = image.copy()
    patch = np.asarray(layer.crop((x0 * SCALE, y0 * SCALE, x1 * SCALE, y1 * SCALE)), dtype=np.float32) / 255
    patch[..., :3] *= patch[..., 3:]
    patch = patch.reshape(y1 - y0, SCALE, x1 - x0, SCALE, 4).mean(axis=(1, 3))
    region = out[y0:y1, x0:x1].astype(np.float32) / 255
    out[y0:y1, x0:x1] = np.round((region * (1 - patch[..., 3:]) + patch[..., :3]) * 255).astype(np.uint8)
    return out


def _pixels(camera: Camera, points: np.ndarray) -> list[tuple[float, float]]:
    xy, _ = camera.project(np.asarray(points, dtype=float).reshape(-1, 3))
    return [(float(x) * SCALE, float(y) * SCALE) for x, y in xy]


def _draw_mark(draw: ImageDraw.ImageDraw, camera: Camera, mark: Mark, colour, width: float, radius: float) -> None:
    if mark.kind == "arc":
        vertex, a, *arc, b = _arc_points(camera, mark.points)
        _polyline(draw, [a, vertex, b], colour, width)  # the arms, out to their points
        _polyline(draw, arc, colour, width)
        return
    points = _pixels(camera, mark.points)
    if len(points) > 1:
        _polyline(draw, points, colour, width)
    if mark.kind in ("dot", "trace"):  # a trace ends in a dot where the joint is now
        _disc(draw, points[-1], radius, colour)


def _polyline(draw: ImageDraw.ImageDraw, points: list[tuple[float, float]], colour, width: float) -> None:
    draw.line(points, fill=colour, width=round(width), joint="curve")
    for end in (points[0], points[-1]):  # round caps, so the outline closes around line ends
        _disc(draw, end, width / 2, colour)


def _disc(draw: ImageDraw.ImageDraw, at: tuple[float, float], radius: float, colour) -> None:
    draw.ellipse((at[0] - radius, at[1] - radius, at[0] + radius, at[1] + radius), fill=colour)


def _arc_points(camera: Camera, points: np.ndarray, steps: int = 24) -> list[tuple[float, float]]:
    """Vertex, arm a, the arc from a's direction to b's the short way round, arm b: drawing pixels."""
    vertex, a, b = _pixels(camera, points)
    _, depth = camera.project(points[:1])
    radius = ARC_RADIUS * camera.focal * HEIGHT / max(float(depth[0]), 1e-6) * SCALE
    start = np.arctan2(a[1] - vertex[1], a[0] - vertex[0])
    sweep = (np.arctan2(b[1] - vertex[1], b[0] - vertex[0]) - start + np.pi) % (2 * np.pi) - np.pi
    arc = [(vertex[0] + radius * np.cos(t), vertex[1] + radius * np.sin(t))
           for t in start + sweep * np.linspace(0, 1, steps)]
    return [vertex, a, *arc, b]


def _anchor(camera: Camera, marks: list[Mark]) -> tuple[float, float]:
    """The joint the marks concern, in drawing pixels: an arc's vertex, else a dot or a trace's head, else
    the middle of the lines."""
    for kind in ("arc", "dot", "trace"):
        for mark in marks:
            if mark.kind == kind:
                return _pixels(camera, mark.points[0] if kind == "arc" else mark.points[-1])[0]
    xy = np.array([p for mark in marks for p in _pixels(camera, mark.points)])
    return float(xy[:, 0].mean()), float(xy[:, 1].mean())


def _label_box(draw: ImageDraw.ImageDraw, anchor: tuple[float, float], beside: Box, text: str,
               font: ImageFont.FreeTypeFont, size: int, frame: tuple[int, int], taken: list[Box]) -> Box:
    """Level with the anchor, on its side of ``beside``: just outside it, or, where the frame has no room for
    that, beside the anchor; inside the frame, moved down (else up) past the boxes already drawn."""
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font, anchor="lm")
    w, h = right - left + 2 * size * PAD, bottom - top + 2 * size * PAD
    width, height = frame
    margin, gap = MARGIN * min(width, height), size * 0.6
    right_side = anchor[0] >= (beside[0] + beside[2]) / 2
    x = beside[2] + gap if right_side else beside[0] - gap - w
    if not margin <= x <= width - margin - w:
        x = anchor[0] + gap if right_side else anchor[0] - gap - w
    x = float(np.clip(x, margin, width - margin - w))
    start = float(np.clip(anchor[1] - h / 2, margin, height - margin - h))
    for down in (True, False):
        y = start
        while hit := next((t for t in taken if _overlaps((x, y, x + w, y + h), t)), None):
            y = hit[3] + margin if down else hit[1] - margin - h
        if margin <= y <= height - margin - h:
            return x, y, x + w, y + h
    return x, start, x + w, start + h  # no room left: overlap rather than leave the frame


def _overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
