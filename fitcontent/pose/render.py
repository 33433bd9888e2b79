"""2D renderers of a pose track: the OpenPose control video and a shaded mannequin preview."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from fitcontent.pose.camera import Camera
from fitcontent.pose.props import Prop
from fitcontent.pose.skeleton import BONES, HEIGHT, INDEX, SEGMENTS

# OpenPose BODY-18 (COCO order), as pose-control models were trained on it (controlnet_aux draw_bodypose)
BODY18 = ["nose", "neck", "shoulder_r", "elbow_r", "wrist_r", "shoulder_l", "elbow_l", "wrist_l", "hip_r",
          "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l", "eye_r", "eye_l", "ear_r", "ear_l"]
BODY18_LIMBS = [(1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
                (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17)]
BODY18_COLORS = [(255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0),
                 (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255),
                 (0, 0, 255), (85, 0, 255), (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85)]


def body18(joints: np.ndarray) -> np.ndarray:
    """The 18 OpenPose keypoints (3D) of one frame; OpenPose's neck is the shoulders' midpoint."""
    points = np.array([joints[INDEX[name]] for name in BODY18])
    points[1] = (joints[INDEX["shoulder_l"]] + joints[INDEX["shoulder_r"]]) / 2
    return points


def render_control(camera: Camera, joints: np.ndarray) -> np.ndarray:
    """One control frame: coloured limbs (60 % opacity) and joints on black, as OpenPose draws them."""
    xy, _ = camera.project(body18(joints))
    scale = min(camera.width, camera.height) / 512
    stick, dot = max(2.0, 4 * scale), max(2.0, 4 * scale)
    image = Image.new("RGB", (camera.width, camera.height))
    draw = ImageDraw.Draw(image)
    for i, (a, b) in enumerate(BODY18_LIMBS):
        color = tuple(int(c * 0.6) for c in BODY18_COLORS[i])
        draw.polygon(_stick(xy[a], xy[b], stick), fill=color)
    for i, (x, y) in enumerate(xy):
        draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=BODY18_COLORS[i])
    return np.asarray(image)


def _stick(a: np.ndarray, b: np.ndarray, half_width: float) -> list[tuple[float, float]]:
    """An ellipse from a to b, half_width across (OpenPose's cv2.ellipse2Poly limb), as a polygon."""
    middle, delta = (a + b) / 2, b - a
    length, angle = np.hypot(*delta) / 2, np.arctan2(delta[1], delta[0])
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ex, ey = length * np.cos(t), half_width * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return [(float(middle[0] + x * c - y * s), float(middle[1] + x * s + y * c)) for x, y in zip(ex, ey, strict=True)]


# --- preview ------------------------------------------------------------------------------------------

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


def _generic(joint: str) -> str:
    return joint.removesuffix("_l").removesuffix("_r")


class PreviewRenderer:
    """Draws the mannequin clip for one camera; the background is drawn once per clip."""

    def __init__(self, camera: Camera, highlight: frozenset[str] = frozenset()):
        self.camera = camera
        self.s = SUPERSAMPLE
        self.highlight = set().union(*(ANGLE_LIMBS.get(name, set()) for name in highlight))
        self.distance = float(np.linalg.norm(camera.position))
        self.background = self._background()

    def render(self, joints: np.ndarray, props: list[Prop], error_shown: float = 1.0) -> np.ndarray:
        """One frame; limbs the error moves are as red as the error is present (0..1) in this frame."""
        image = self.background.copy()
        draw = ImageDraw.Draw(image)
        highlight = _mix(BODY, HIGHLIGHT, error_shown)
        for _, paint in sorted(self._items(joints, props, highlight), key=lambda item: -item[0]):
            paint(draw)
        if self.s > 1:
            image = image.reduce(self.s)  # box filter: the antialiasing of supersampling, at a fraction of resize()
        return np.asarray(image)

    def _items(self, joints: np.ndarray, props: list[Prop], highlight: tuple[int, int, int]):
        """(depth, painter) for every limb, the head and every prop, to draw far to near."""
        xy, depth = self.camera.project(joints)
        xy = xy * self.s
        items = []
        for a, b in BONES:
            key = (_generic(a), _generic(b))
            radius = LIMB_RADIUS.get(key, 0.04)
            color = highlight if key in self.highlight else BODY
            ia, ib = INDEX[a], INDEX[b]
            items.append(((depth[ia] + depth[ib]) / 2, self._capsule(xy[ia], xy[ib], depth[ia], depth[ib],
                                                                      radius, color)))
        head = INDEX["head"]
        head_color = highlight if ("neck", "head") in self.highlight else BODY
        items.append((depth[head], self._capsule(xy[head], xy[head], depth[head], depth[head],
                                                 SEGMENTS["head_radius"] * HEIGHT, head_color)))
        for prop in props:
            items.append(self._prop(prop))
        return items

    def _capsule(self, a, b, depth_a, depth_b, radius, color):
        f = self.camera.focal * self.s
        ra, rb = f * radius / max(depth_a, 0.1), f * radius / max(depth_b, 0.1)
        shade = _shade(color, (depth_a + depth_b) / 2, self.distance)

        def paint(draw: ImageDraw.ImageDraw) -> None:
            for grow, fill in ((1.8 * self.s, _darker(shade, 0.55)), (0.0, shade)):
                _capsule_shape(draw, a, b, ra + grow, rb + grow, fill)

        return paint

    def _prop(self, prop: Prop):
        xy, depth = self.camera.project(prop.points)
        xy = xy * self.s
        f = self.camera.focal * self.s
        mean = float(depth.mean())
        color = BENCH if prop.kind == "box" else PROP

        def paint(draw: ImageDraw.ImageDraw) -> None:
            if prop.kind == "tube":
                r = f * prop.radius / max(mean, 0.1)
                _capsule_shape(draw, xy[0], xy[1], r, r, color)
            elif prop.kind == "ball":
                r = f * prop.radius / max(mean, 0.1)
                draw.ellipse((xy[0][0] - r, xy[0][1] - r, xy[0][0] + r, xy[0][1] + r), fill=color)
            elif prop.kind == "disc":
                draw.polygon([tuple(p) for p in xy], fill=_darker(color, 0.8), outline=(40, 40, 44))
            else:  # box: faces far to near
                for face in sorted(_BOX_FACES, key=lambda fc: -depth[list(fc)].mean()):
                    draw.polygon([tuple(xy[i]) for i in face], fill=color, outline=_darker(color, 0.6))

        return mean, paint

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


def _shade(color, depth: float, distance: float) -> tuple[int, int, int]:
    """Nearer is lighter: depth cue so crossing limbs read correctly (``distance``: camera to origin)."""
    factor = float(np.clip(1.15 - 0.35 * (depth / max(distance, 1.0)), 0.7, 1.15))
    return tuple(int(min(255, c * factor)) for c in color)


def _mix(a, b, weight: float) -> tuple[int, int, int]:
    weight = float(np.clip(weight, 0.0, 1.0))
    return tuple(round(x + (y - x) * weight) for x, y in zip(a, b, strict=True))


def _darker(color, factor: float) -> tuple[int, int, int]:
    return tuple(int(c * factor) for c in color)
