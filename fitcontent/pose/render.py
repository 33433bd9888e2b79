"""The shaded mannequin preview of a pose track (the control video is in control.py)."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from fitcontent.pose.camera import Camera
from fitcontent.pose.props import Prop, prop_points
from fitcontent.pose.skeleton import BONES, HEIGHT, INDEX, JOINTS, SEGMENTS

BODY = (92, 122, 168)
HIGHLIGHT = (222, 62, 48)
PROP = (70, 70, 78)
BENCH = (120, 92, 70)
SKY_TOP, SKY_BOTTOM, FLOOR, GRID = (236, 238, 242), (214, 218, 226), (196, 200, 206), (178, 182, 190)
LIMB_RADIUS = {  # metres, for the mannequin's capsules
    ("pelvis", "lumbar"): 0.13, ("lumbar", "thorax"): 0.14, ("thorax", "neck"): 0.13, ("neck", "head"): 0.05,
    ("shoulder", "elbow"): 0.048, ("elbow", "wrist"): 0.04, ("wrist", "hand"): 0.035, ("neck", "shoulder"): 0.05,
    ("pelvis", "hip"): 0.1, ("hip", "knee"): 0.075, ("knee", "ankle"): 0.055, ("heel", "toe"): 0.035,
    ("ankle", "heel"): 0.04, ("ankle", "toe"): 0.04,
}
ANGLE_LIMBS = {  # which limbs an error's angles move, to colour them
    "pelvis_tilt": {("pelvis", "lumbar")}, "lumbar_flexion": {("pelvis", "lumbar"), ("lumbar", "thorax")},
    "thoracic_flexion": {("lumbar", "thorax"), ("thorax", "neck")}, "neck_flexion": {("neck", "head")},
    "hip_flexion": {("hip", "knee")}, "hip_abduction": {("hip", "knee")},
    "hip_rotation": {("hip", "knee"), ("knee", "ankle")}, "knee_flexion": {("hip", "knee"), ("knee", "ankle")},
    "ankle_dorsiflexion": {("heel", "toe"), ("ankle", "heel"), ("ankle", "toe")},
    "heel_raise": {("heel", "toe"), ("ankle", "heel"), ("ankle", "toe")}, "toe_out": {("heel", "toe")},
    "shoulder_flexion": {("shoulder", "elbow")}, "shoulder_abduction": {("shoulder", "elbow")},
    "shoulder_rotation": {("elbow", "wrist")}, "shoulder_elevation": {("neck", "shoulder")},
    "wrist_extension": {("wrist", "hand")},
    "elbow_flexion": {("elbow", "wrist")},
}
SUPERSAMPLE = 2
OUTLINE_PX = 2
"""The darker rim drawn around each limb (1.8 px), rounded up."""
PLATE_ALPHA = 110
"""Weights (plates, dumbbell and kettlebell bells) are see-through (0-255 opacity, outlined), so a
wrist or a back behind one still shows."""
FACE = (40, 44, 56)
"""Eyes and the back-of-head hair patch: a face direction, so front and back views differ."""

Bone = tuple[str, str]
RGB = tuple[int, int, int]
SEE_THROUGH = "see-through"
"""The tag of props that never hide what is behind them."""


def drawn_box(camera: Camera, joints: np.ndarray, props: list[list[Prop]]) -> tuple[int, int, int, int]:
    """The pixel box (x0, y0, x1, y1) that holds every frame's body and props as drawn (limb and head
    radii and outlines included): what text must not cover and crops must not cut."""
    joints = np.asarray(joints, dtype=float).reshape(-1, len(JOINTS), 3)
    xy, depth = camera.project(joints.reshape(-1, 3))
    pad = camera.focal * np.tile(_joint_radii(), len(joints)) / np.maximum(depth, 0.1) + OUTLINE_PX
    low, high = (xy - pad[:, None]).min(axis=0), (xy + pad[:, None]).max(axis=0)
    points = prop_points(props)
    if len(points):
        shown, _ = camera.project(points)
        low, high = np.minimum(low, shown.min(axis=0) - OUTLINE_PX), np.maximum(high, shown.max(axis=0) + OUTLINE_PX)
    x0, y0 = np.clip(np.floor(low), 0, (camera.width, camera.height)).astype(int)
    x1, y1 = np.clip(np.ceil(high), 0, (camera.width, camera.height)).astype(int)
    return int(x0), int(y0), int(x1), int(y1)


@functools.cache
def _joint_radii() -> np.ndarray:
    """Per joint, the radius of the thickest part drawn around it (metres)."""
    radii = np.zeros(len(JOINTS))
    for a, b in BONES:
        radius = LIMB_RADIUS.get((_generic(a), _generic(b)), 0.04)
        radii[[INDEX[a], INDEX[b]]] = np.maximum(radii[[INDEX[a], INDEX[b]]], radius)
    radii[INDEX["head"]] = SEGMENTS["head_radius"] * HEIGHT
    return radii


def _generic(joint: str) -> str:
    return joint.removesuffix("_l").removesuffix("_r")


def highlighted_bones(angles: frozenset[str]) -> set[Bone]:
    """The skeleton's bones that one-sided angle names (``knee_flexion_l``) move, on their side only."""
    out: set[Bone] = set()
    for name in angles:
        side = name[-1] if name.endswith(("_l", "_r")) else None
        for pair in ANGLE_LIMBS.get(_generic(name), set()):
            a, b = (f"{j}_{side}" if side and f"{j}_{side}" in INDEX else j for j in pair)
            out.add((a, b))
    return out


@dataclass(frozen=True)
class Canvas:
    """Where painters draw: opaque shapes plainly, see-through ones blended (blending everything
    would double the cost of a frame)."""

    solid: ImageDraw.ImageDraw
    blend: ImageDraw.ImageDraw


class PreviewRenderer:
    """Draws the mannequin clip for one camera; the background is drawn once per clip."""

    def __init__(self, camera: Camera, highlight: frozenset[str] = frozenset(), supersample: int = SUPERSAMPLE):
        self.camera = camera
        self.s = supersample
        self.highlight = highlighted_bones(highlight)
        self.distance = float(np.linalg.norm(camera.position))

    @functools.cached_property
    def background(self) -> Image.Image:
        """The sky, floor and grid, drawn once per clip (coverage checks never need it)."""
        return self._background()

    def render(self, joints: np.ndarray, props: list[Prop], error_shown: float = 1.0) -> np.ndarray:
        """One frame; limbs the error moves are as red as the error is present (0..1) in this frame."""
        image = self.background.copy()
        draw = Canvas(ImageDraw.Draw(image), ImageDraw.Draw(image, "RGBA"))
        highlight = _mix(BODY, HIGHLIGHT, error_shown)
        for _, _, paint in sorted(self._items(joints, props), key=lambda item: -item[0]):
            paint(draw, highlight)
        if self.s > 1:
            image = image.reduce(self.s)  # box filter: the antialiasing of supersampling, at a fraction of resize()
        return np.asarray(image)

    def coverage(self, joints: np.ndarray, props: list[Prop], bones: set[Bone]) -> float:
        """The fraction of ``bones``' drawn area that stays in view with the body and solid props in
        front of it (see-through weights do not hide), in the renderer's own depth order."""
        items = sorted(self._items(joints, props), key=lambda item: -item[0])
        wanted = [i + 1 for i, (_, tag, _) in enumerate(items) if tag in bones]  # the head is the neck's

        def paint(only: bool) -> np.ndarray:
            image = Image.new("I", (self.camera.width * self.s, self.camera.height * self.s))
            flat = ImageDraw.Draw(image)
            draw = Canvas(flat, flat)
            for i, (_, tag, painter) in enumerate(items):
                if (not only or tag in bones) and tag != SEE_THROUGH:
                    painter(draw, i + 1, flat=True)
            return np.isin(np.asarray(image), wanted)

        alone = paint(only=True)
        return float((paint(only=False) & alone).sum() / max(alone.sum(), 1))

    def _items(self, joints: np.ndarray, props: list[Prop]):
        """(depth, tag, painter) for every limb, the head and every prop, to draw far to near;
        a painter takes the error colour (or, flat, one id colour for coverage)."""
        xy, depth = self.camera.project(joints)
        xy = xy * self.s
        items = []
        for a, b in BONES:
            radius = LIMB_RADIUS.get((_generic(a), _generic(b)), 0.04)
            ia, ib = INDEX[a], INDEX[b]
            items.append(((depth[ia] + depth[ib]) / 2, (a, b),
                          self._capsule(xy[ia], xy[ib], depth[ia], depth[ib], radius, (a, b) in self.highlight)))
        head = INDEX["head"]
        items.append((depth[head], ("neck", "head"), self._head(xy, depth, ("neck", "head") in self.highlight)))
        for prop in props:
            items.append(self._prop(prop))
        return items

    def _capsule(self, a, b, depth_a, depth_b, radius, lit: bool):
        f = self.camera.focal * self.s
        ra, rb = f * radius / max(depth_a, 0.1), f * radius / max(depth_b, 0.1)

        def paint(draw: Canvas, highlight, flat: bool = False) -> None:
            if flat:
                _capsule_shape(draw.solid, a, b, ra, rb, highlight)
                return
            shade = _shade(highlight if lit else BODY, (depth_a + depth_b) / 2, self.distance)
            for grow, fill in ((1.8 * self.s, _darker(shade, 0.55)), (0.0, shade)):
                _capsule_shape(draw.solid, a, b, ra + grow, rb + grow, fill)

        return paint

    def _head(self, xy: np.ndarray, depth: np.ndarray, lit: bool):
        """The head, with eyes and a nose when it faces the camera and a hair patch when it faces away."""
        head, nose = INDEX["head"], INDEX["nose"]
        radius = SEGMENTS["head_radius"] * HEIGHT
        sphere = self._capsule(xy[head], xy[head], depth[head], depth[head], radius, lit)
        scale = self.camera.focal * self.s / max(float(depth[head]), 0.1)
        facing = float(depth[head] - depth[nose]) / radius  # 1: looks at the camera, -1: away

        def paint(draw: Canvas, highlight, flat: bool = False) -> None:
            sphere(draw, highlight, flat)
            if flat:
                return
            centre, towards = xy[head], xy[nose] - xy[head]
            if facing < 0.3:  # hair over the back of the head, inside its outline: wider the more it turns away
                r = radius * scale * 0.92
                away = np.degrees(np.arctan2(-towards[1], -towards[0]))
                half = 90 + 80 * min(1.0, (0.3 - facing) / 1.3)
                draw.blend.chord((centre[0] - r, centre[1] - r, centre[0] + r, centre[1] + r), away - half, away + half,
                           fill=(*FACE, 150))
            if facing > -0.3:  # the nose sticks out of the silhouette from the side
                tip = centre + towards * 1.3
                _capsule_shape(draw.solid, centre + towards * 0.75, tip, 0.16 * radius * scale, 0.12 * radius * scale,
                               _darker(BODY, 0.8))
            for eye in ("eye_l", "eye_r"):
                e = INDEX[eye]
                if depth[e] < depth[head]:
                    r = 0.13 * radius * scale
                    draw.solid.ellipse((xy[e][0] - r, xy[e][1] - r, xy[e][0] + r, xy[e][1] + r), fill=FACE)

        return paint

    def _prop(self, prop: Prop):
        xy, depth = self.camera.project(prop.points)
        xy = xy * self.s
        f = self.camera.focal * self.s
        mean = float(depth.mean())
        color = BENCH if prop.kind == "box" else PROP

        def paint(draw: Canvas, highlight, flat: bool = False) -> None:
            fill = highlight if flat else color
            if prop.kind == "tube":
                r = f * prop.radius / max(mean, 0.1)
                _capsule_shape(draw.solid, xy[0], xy[1], r, r, fill)
            elif prop.kind == "ball":
                r = f * prop.radius / max(mean, 0.1)
                draw.blend.ellipse((xy[0][0] - r, xy[0][1] - r, xy[0][0] + r, xy[0][1] + r), width=self.s,
                             fill=fill if flat else (*color, PLATE_ALPHA + 40), outline=None if flat else (40, 40, 44))
            elif prop.kind == "disc":
                draw.blend.polygon([tuple(p) for p in xy], fill=fill if flat else (*_darker(color, 0.8), PLATE_ALPHA),
                             outline=None if flat else (40, 40, 44), width=self.s)
            else:  # box: faces far to near
                for face in sorted(_BOX_FACES, key=lambda fc: -depth[list(fc)].mean()):
                    draw.solid.polygon([tuple(xy[i]) for i in face], fill=fill,
                                 outline=None if flat else _darker(color, 0.6))

        return mean, SEE_THROUGH if prop.kind in ("disc", "ball") else f"prop-{id(prop)}", paint

    def _background(self) -> Image.Image:
        w, h = self.camera.width * self.s, self.camera.height * self.s
        ramp = np.linspace(0, 1, h)[:, None, None]
        sky = (np.array(SKY_TOP) * (1 - ramp) + np.array(SKY_BOTTOM) * ramp).astype(np.uint8)
        image = Image.fromarray(np.broadcast_to(sky, (h, w, 3)).copy())
        draw = ImageDraw.Draw(image)
        floor = np.array([[x, 0.0, z] for x, z in ((-6, -6), (6, -6), (6, 6), (-6, 6))])
        self._floor_polygon(draw, floor, FLOOR)
        for v in np.arange(-3, 3.01, 0.5):
            for line in (np.array([[v, 0, -3], [v, 0, 3]]), np.array([[-3, 0, v], [3, 0, v]])):
                pts = _clip_to_front(line, self.camera)
                if pts is not None:
                    xy, _ = self.camera.project(pts)
                    draw.line([tuple(p * self.s) for p in xy], fill=GRID, width=self.s)
        return image

    def _floor_polygon(self, draw: ImageDraw.ImageDraw, corners: np.ndarray, color) -> None:
        dense = np.concatenate([np.linspace(corners[i], corners[(i + 1) % 4], 40) for i in range(4)])
        local_depth = (dense - self.camera.position) @ self.camera.axes[2]
        keep = dense[local_depth > 0.2]
        if len(keep) >= 3:
            xy, _ = self.camera.project(keep)
            draw.polygon([tuple(p * self.s) for p in xy], fill=color)


_BOX_FACES = [(0, 1, 3, 2), (4, 5, 7, 6), (0, 1, 5, 4), (2, 3, 7, 6), (0, 2, 6, 4), (1, 3, 7, 5)]


def _clip_to_front(line: np.ndarray, camera: Camera, near: float = 0.2) -> np.ndarray | None:
    depth = (line - camera.position) @ camera.axes[2]
    if (depth < near).all():
        return None
    if (depth >= near).all():
        return line
    t = (near - depth[0]) / (depth[1] - depth[0])
    cut = line[0] + t * (line[1] - line[0])
    return np.stack([cut, line[1]]) if depth[0] < near else np.stack([line[0], cut])


def _capsule_shape(draw: ImageDraw.ImageDraw, a, b, ra: float, rb: float, fill) -> None:
    draw.ellipse((a[0] - ra, a[1] - ra, a[0] + ra, a[1] + ra), fill=fill)
    draw.ellipse((b[0] - rb, b[1] - rb, b[0] + rb, b[1] + rb), fill=fill)
    d = np.array(b, dtype=float) - np.array(a, dtype=float)
    n = np.hypot(*d)
    if n > 1e-6:
        perp = np.array([-d[1], d[0]]) / n
        draw.polygon([tuple(a + perp * ra), tuple(b + perp * rb), tuple(b - perp * rb), tuple(a - perp * ra)],
                     fill=fill)


def _shade(color: RGB, depth: float, distance: float) -> RGB:
    """Nearer is lighter: depth cue so crossing limbs read correctly (``distance``: camera to origin)."""
    factor = float(np.clip(1.15 - 0.35 * (depth / max(distance, 1.0)), 0.7, 1.15))
    r, g, b = (int(min(255, c * factor)) for c in color)
    return r, g, b


def _mix(a: RGB, b: RGB, weight: float) -> RGB:
    weight = float(np.clip(weight, 0.0, 1.0))
    red, green, blue = (round(x + (y - x) * weight) for x, y in zip(a, b, strict=True))
    return red, green, blue


def _darker(color: RGB, factor: float) -> RGB:
    r, g, b = (int(c * factor) for c in color)
    return r, g, b
