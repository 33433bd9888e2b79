"""Equipment drawn with the body: barbell, dumbbells, kettlebell, bench and pull-up bar, per frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fitcontent.pose.motion import BENCH_TOP, PoseTrack
from fitcontent.pose.skeleton import INDEX


@dataclass(frozen=True)
class Prop:
    """One solid: a ``tube`` (two end points), a ``disc`` (a flat polygon), a ``ball`` or a ``box``."""

    kind: str
    points: np.ndarray
    radius: float = 0.0


PLATE_RADIUS = 0.225  # a 20 kg plate is 450 mm across
BAR_HALF_LENGTH = 1.1
DUMBBELL_HALF_LENGTH = 0.1  # two held at the shoulders (a press) keep a gap in front of the face


def props_for(track: PoseTrack, equipment: set[str], load_at: str) -> list[list[Prop]]:
    """The props of every frame, from the shot's equipment ids."""
    fixed = _fixed_props(track, equipment)
    return [fixed + _held_props(joints, equipment, load_at) for joints in track.joints]


def _held_props(joints: np.ndarray, equipment: set[str], load_at: str) -> list[Prop]:
    j = {name: joints[i] for name, i in INDEX.items()}
    across = _unit(j["shoulder_l"] - j["shoulder_r"])
    hands = (j["hand_l"] + j["hand_r"]) / 2
    out: list[Prop] = []
    if "barbell" in equipment:
        if load_at == "back":  # across the upper back, just below the neck
            forward = _unit(np.cross(across, j["neck"] - j["thorax"]))
            center = (j["shoulder_l"] + j["shoulder_r"]) / 2 - forward * 0.07
        else:
            center = hands
            across = _unit(j["hand_l"] - j["hand_r"])
        out.append(Prop("tube", np.stack([center - across * BAR_HALF_LENGTH, center + across * BAR_HALF_LENGTH]),
                        0.016))
        if "weight-plates" in equipment or load_at == "hands":
            out += [_disc(center + across * side * 0.8, across, PLATE_RADIUS) for side in (-1, 1)]
    if "dumbbell" in equipment:
        for hand in ("hand_l", "hand_r"):
            ends = np.stack([j[hand] - across * DUMBBELL_HALF_LENGTH, j[hand] + across * DUMBBELL_HALF_LENGTH])
            out += [Prop("tube", ends, 0.015), Prop("ball", ends[:1], 0.055), Prop("ball", ends[1:], 0.055)]
    if "kettlebell" in equipment:
        out.append(Prop("ball", (hands + np.array([0.0, -0.1, 0.0]))[None], 0.11))
    return out


def _fixed_props(track: PoseTrack, equipment: set[str]) -> list[Prop]:
    out: list[Prop] = []
    if "pull-up-bar" in equipment:
        y = track.anchor[1]
        # the bar hangs from two short brackets above it: uprights to the floor would stand between a side
        # camera and the athlete, and the bar alone is a dot from the side
        out.append(Prop("tube", np.array([[-0.7, y, 0.0], [0.7, y, 0.0]]), 0.018))
        out += [Prop("tube", np.array([[x, y, 0.0], [x, y + 0.35, 0.0]]), 0.022) for x in (-0.7, 0.7)]
    if "flat-bench" in equipment and track.bench != "none":
        top = BENCH_TOP
        if track.bench == "under-hands":  # across, under the hands (an incline push-up)
            hand_z = track.joints[0, [INDEX["hand_l"], INDEX["hand_r"]], 2].mean()
            out.append(_box((-0.6, 0.6), (0.0, top), (hand_z - 0.12, hand_z + 0.2)))
            return out
        thorax_z = track.joints[0, INDEX["thorax"], 2]
        head_side = np.sign(track.joints[0, INDEX["head"], 2] - thorax_z) or -1.0
        if track.bench == "under-torso":  # from just past the head to below the hips
            z0, z1 = thorax_z + head_side * 0.35, thorax_z - head_side * 0.85
        else:  # across, behind the shoulders: the edge at the shoulder blades, the head free past it
            z0, z1 = thorax_z - head_side * 0.05, thorax_z + head_side * 0.3
            out.append(_box((-0.6, 0.6), (0.0, top), (min(z0, z1), max(z0, z1))))
            return out
        out.append(_box((-0.16, 0.16), (0.0, top), (min(z0, z1), max(z0, z1))))
    return out


def _disc(center: np.ndarray, normal: np.ndarray, radius: float, sides: int = 20) -> Prop:
    helper = np.array([0.0, 1.0, 0.0]) if abs(normal[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    u = _unit(np.cross(normal, helper))
    v = np.cross(normal, u)
    theta = np.linspace(0, 2 * np.pi, sides, endpoint=False)
    return Prop("disc", center + radius * (np.cos(theta)[:, None] * u + np.sin(theta)[:, None] * v))


def _box(xs: tuple[float, float], ys: tuple[float, float], zs: tuple[float, float]) -> Prop:
    corners = np.array([[x, y, z] for x in xs for y in ys for z in zs])
    return Prop("box", corners)


def _unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v)
    return v / n if n > 1e-9 else np.array([1.0, 0.0, 0.0])


def prop_points(props: list[list[Prop]]) -> np.ndarray:
    """Every point of every prop (with radii as a bounding margin), for camera framing."""
    pts = []
    for frame in props:
        for prop in frame:
            pad = prop.radius
            for p in prop.points:
                pts += [p + d for d in ((0, pad, 0), (0, -pad, 0), (pad, 0, 0), (-pad, 0, 0))] if pad else [p]
    return np.array(pts).reshape(-1, 3)
