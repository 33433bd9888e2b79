"""A 3D human skeleton driven by forward kinematics from joint angles.

Body frame: x = the athlete's left, y = up, z = the way the athlete faces; metres. Angles are in
degrees and named as coaches and the catalog name them (``knee_flexion``, ``hip_rotation_l``);
a name without ``_l``/``_r`` applies to both sides. Segment lengths follow Winter's
anthropometric proportions of body height.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from fitcontent.catalog.joints import BILATERAL, JOINT_ANGLES

HEIGHT = 1.75
"""Body height in metres; every segment is a fixed fraction of it."""

SEGMENTS = {  # fractions of body height (Winter, Biomechanics and Motor Control of Human Movement)
    "pelvis_to_lumbar": 0.10,
    "lumbar_to_thorax": 0.10,
    "thorax_to_neck": 0.09,
    "neck_to_head": 0.10,
    "head_radius": 0.065,
    "shoulder_half_width": 0.105,
    "hip_half_width": 0.052,
    "thigh": 0.245,
    "shank": 0.246,
    "ankle_height": 0.039,
    "heel_back": 0.04,
    "toe_forward": 0.11,
    "upper_arm": 0.186,
    "forearm": 0.146,
    "hand": 0.06,
}

JOINTS = [
    "pelvis", "lumbar", "thorax", "neck", "head",
    "shoulder_l", "elbow_l", "wrist_l", "hand_l", "shoulder_r", "elbow_r", "wrist_r", "hand_r",
    "hip_l", "knee_l", "ankle_l", "heel_l", "toe_l", "hip_r", "knee_r", "ankle_r", "heel_r", "toe_r",
    "nose", "eye_l", "eye_r", "ear_l", "ear_r",
]
INDEX = {name: i for i, name in enumerate(JOINTS)}
BONES = [
    ("pelvis", "lumbar"), ("lumbar", "thorax"), ("thorax", "neck"), ("neck", "head"),
    ("neck", "shoulder_l"), ("shoulder_l", "elbow_l"), ("elbow_l", "wrist_l"), ("wrist_l", "hand_l"),
    ("neck", "shoulder_r"), ("shoulder_r", "elbow_r"), ("elbow_r", "wrist_r"), ("wrist_r", "hand_r"),
    ("pelvis", "hip_l"), ("hip_l", "knee_l"), ("knee_l", "ankle_l"), ("ankle_l", "heel_l"), ("heel_l", "toe_l"),
    ("ankle_l", "toe_l"),
    ("pelvis", "hip_r"), ("hip_r", "knee_r"), ("knee_r", "ankle_r"), ("ankle_r", "heel_r"), ("heel_r", "toe_r"),
    ("ankle_r", "toe_r"),
]
"""Rigid links: their lengths never change, whatever the angles."""


def expand_sides(pose: Mapping[str, float]) -> dict[str, float]:
    """``{"knee_flexion": 90, "knee_flexion_l": 80}`` -> both sides, the sided value winning."""
    out = {name: 0.0 for name in JOINT_ANGLES}
    for name, value in pose.items():
        if name in BILATERAL:
            out[f"{name}_l"] = out[f"{name}_r"] = float(value)
    for name, value in pose.items():
        if name not in BILATERAL:
            out[name] = float(value)
    return out


def rot_x(degrees: float) -> np.ndarray:
    """Rotation about the body's left axis: positive tips up-vectors forward."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_y(degrees: float) -> np.ndarray:
    """Rotation about the vertical axis: positive turns forward-vectors to the left."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_z(degrees: float) -> np.ndarray:
    """Rotation about the forward axis: positive turns down-vectors to the left."""
    c, s = np.cos(np.radians(degrees)), np.sin(np.radians(degrees))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


UP, DOWN, FORWARD = np.array([0.0, 1.0, 0.0]), np.array([0.0, -1.0, 0.0]), np.array([0.0, 0.0, 1.0])


def forward_kinematics(angles: Mapping[str, float], root: np.ndarray | None = None,
                       flat_feet: bool = False) -> np.ndarray:
    """Joint positions (len(JOINTS) x 3) for one pose, pelvis at the origin, oriented by ``root``.

    ``angles`` must hold every name of :data:`JOINT_ANGLES`. ``flat_feet`` keeps each foot level
    with the floor (turned out by ``toe_out``, tipped up about the toes by ``heel_raise``) instead
    of following the shank: a foot standing on the floor does not pitch with the shin.
    """
    L = {name: fraction * HEIGHT for name, fraction in SEGMENTS.items()}
    a = angles
    out = np.zeros((len(JOINTS), 3))
    base = np.eye(3) if root is None else root

    def put(name: str, value: np.ndarray) -> np.ndarray:
        out[INDEX[name]] = value
        return value

    pelvis_r = base @ rot_x(a["pelvis_tilt"])
    lumbar = put("lumbar", pelvis_r @ (UP * L["pelvis_to_lumbar"]))
    lumbar_r = pelvis_r @ rot_x(a["lumbar_flexion"])
    thorax = put("thorax", lumbar + lumbar_r @ (UP * L["lumbar_to_thorax"]))
    thorax_r = lumbar_r @ rot_x(a["thoracic_flexion"])
    neck = put("neck", thorax + thorax_r @ (UP * L["thorax_to_neck"]))
    head_r = thorax_r @ rot_x(a["neck_flexion"])
    head = put("head", neck + head_r @ (UP * L["neck_to_head"]))
    radius = L["head_radius"]
    put("nose", head + head_r @ np.array([0, -0.1, 1.0]) * radius)
    for side, sign in (("l", 1), ("r", -1)):
        put(f"eye_{side}", head + head_r @ np.array([0.35 * sign, 0.25, 0.85]) * radius)
        put(f"ear_{side}", head + head_r @ np.array([sign, 0.05, 0.0]) * radius)
        clavicle = rot_z(sign * a[f"shoulder_elevation_{side}"])  # + shrugs the shoulder up towards the ear
        shoulder = put(f"shoulder_{side}",
                       neck + thorax_r @ clavicle @ np.array([sign * L["shoulder_half_width"], -0.03, 0]))
        # flexion swings the limb in the sagittal plane, abduction then moves it out sideways: "knees out"
        # and "elbows out" stay out at any depth (abducting first would swing a deeply flexed limb inwards)
        arm_r = (thorax_r @ rot_x(-a[f"shoulder_flexion_{side}"]) @ rot_z(sign * a[f"shoulder_abduction_{side}"])
                 @ rot_y(sign * a[f"shoulder_rotation_{side}"]))  # + external: a bent forearm turns out and up
        elbow = put(f"elbow_{side}", shoulder + arm_r @ (DOWN * L["upper_arm"]))
        forearm_r = arm_r @ rot_x(-a[f"elbow_flexion_{side}"])
        wrist = put(f"wrist_{side}", elbow + forearm_r @ (DOWN * L["forearm"]))
        # + bends the hand back (knuckles towards the forearm's back), as a wrist under a heavy bar does
        put(f"hand_{side}", wrist + forearm_r @ rot_x(a[f"wrist_extension_{side}"]) @ (DOWN * L["hand"]))
        hip = put(f"hip_{side}", pelvis_r @ np.array([sign * L["hip_half_width"], -0.02, 0]))
        thigh_r = (pelvis_r @ rot_x(-a[f"hip_flexion_{side}"]) @ rot_z(sign * a[f"hip_abduction_{side}"])
                   @ rot_y(sign * a[f"hip_rotation_{side}"]))
        knee = put(f"knee_{side}", hip + thigh_r @ (DOWN * L["thigh"]))
        shank_r = thigh_r @ rot_x(a[f"knee_flexion_{side}"])
        ankle = put(f"ankle_{side}", knee + shank_r @ (DOWN * L["shank"]))
        if flat_feet:  # level with the floor; a heel raise tips the toes down (the solver keeps them on it)
            foot_r = base_yaw(base) @ rot_y(sign * a[f"toe_out_{side}"]) @ rot_x(a[f"heel_raise_{side}"])
        else:
            foot_r = shank_r @ rot_x(-a[f"ankle_dorsiflexion_{side}"])
        put(f"toe_{side}", ankle + foot_r @ np.array([0, -L["ankle_height"], L["toe_forward"]]))
        put(f"heel_{side}", ankle + foot_r @ np.array([0, -L["ankle_height"], -L["heel_back"]]))
    return out


def base_yaw(root: np.ndarray) -> np.ndarray:
    """The heading part of a root orientation (feet on the floor turn with the body, never tip)."""
    forward = root @ FORWARD
    heading = np.degrees(np.arctan2(forward[0], forward[2])) if abs(forward[1]) < 0.99 else 0.0
    return rot_y(heading)
