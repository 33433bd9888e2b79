"""The pose-control video: DWPose whole-body drawings (body, hands, face) of a pose track.

CogVideoX-Fun's pose-control models learnt from DWPose drawings: aigc-apps/CogVideoX-Fun
``scripts/README_TRAIN_CONTROL.md`` ("DWPose is suggested as tool to generate control file"), drawn as
aigc-apps/VideoX-Fun ``comfyui/annotator/dwpose_utils/util.py`` does (``draw_bodypose``,
``draw_handpose``, ``draw_facepose``). So every frame is drawn the same way, on black: the OpenPose
BODY-18 limbs as ellipses at 60 % colour, its joints at full colour, then the left hand, the right
hand (21 COCO-WholeBody points each) and the face (68 landmarks and the two pupils) in white.
DWPose computes foot points but never draws them, so the legs end at the ankles here too.
Hands and face are built in 3D from the skeleton, so they turn, bend and hide as a real body's would.
"""

from __future__ import annotations

import colorsys

import numpy as np
from PIL import Image, ImageDraw

from fitcontent.pose.camera import Camera
from fitcontent.pose.skeleton import HEIGHT, INDEX, SEGMENTS

# OpenPose BODY-18 (COCO order), as pose-control models were trained on it (controlnet_aux draw_bodypose)
BODY18 = ["nose", "neck", "shoulder_r", "elbow_r", "wrist_r", "shoulder_l", "elbow_l", "wrist_l", "hip_r",
          "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l", "eye_r", "eye_l", "ear_r", "ear_l"]
BODY18_LIMBS = [(1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
                (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17)]
BODY18_COLORS = [(255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0),
                 (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255),
                 (0, 0, 255), (85, 0, 255), (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85)]

# COCO-WholeBody hand: wrist, then thumb, index, middle, ring, pinky from base to tip (4 points each)
HAND_EDGES = [(0, 1), (1, 2), (2, 3), (3, 4), (0, 5), (5, 6), (6, 7), (7, 8), (0, 9), (9, 10), (10, 11),
              (11, 12), (0, 13), (13, 14), (14, 15), (15, 16), (0, 17), (17, 18), (18, 19), (19, 20)]
HAND_EDGE_COLORS = [tuple(round(c * 255) for c in colorsys.hsv_to_rgb(i / len(HAND_EDGES), 1.0, 1.0))
                    for i in range(len(HAND_EDGES))]
HAND_POINT_COLOR, FACE_COLOR = (0, 0, 255), (255, 255, 255)
# (knuckle along the hand, knuckle across it towards the thumb, spread in degrees, bone lengths), metres:
# an adult's 9 cm palm and 8-9 cm fingers in three bones, fanned out a little
FINGERS = [(0.090, 0.026, 6.0, (0.040, 0.024, 0.019)), (0.092, 0.008, 0.0, (0.045, 0.028, 0.020)),
           (0.088, -0.010, -6.0, (0.042, 0.027, 0.020)), (0.080, -0.026, -12.0, (0.033, 0.020, 0.018))]
FINGER_CURL = (12.0, 18.0, 12.0)
"""Degrees each finger joint bends towards the palm: a relaxed hand, or one closing round a bar."""
THUMB_BASE, THUMB_BONES, THUMB_CURL = np.array([0.025, 0.022, 0.012]), (0.040, 0.032, 0.027), (8.0, 10.0, 10.0)
THUMB_ANGLE, THUMB_TILT = 40.0, 25.0
"""The thumb leaves the palm this many degrees away from the fingers, and this many towards the palm."""


def body18(joints: np.ndarray) -> np.ndarray:
    """The 18 OpenPose keypoints (3D) of one frame; OpenPose's neck is the shoulders' midpoint."""
    points = np.array([joints[INDEX[name]] for name in BODY18])
    points[1] = (joints[INDEX["shoulder_l"]] + joints[INDEX["shoulder_r"]]) / 2
    return points


def _unit(v: np.ndarray) -> np.ndarray:
    return v / max(float(np.linalg.norm(v)), 1e-9)


def _finger(base: np.ndarray, direction: np.ndarray, palm: np.ndarray, bones: tuple[float, ...],
            curl: tuple[float, ...]) -> list[np.ndarray]:
    """Joint positions along one finger (hand-local), each joint bending ``curl`` degrees towards ``palm``."""
    points, point, bend = [], base, 0.0
    for length, degrees in zip(bones, curl, strict=True):
        bend += np.radians(degrees)
        point = point + length * (np.cos(bend) * direction + np.sin(bend) * palm)
        points.append(point)
    return points


def hand(joints: np.ndarray, side: str) -> np.ndarray:
    """The 21 COCO-WholeBody points (3D) of one hand.

    The hand's long axis is the wrist->hand segment, so wrist extension bends the whole hand against
    the forearm; the palm's side comes from the shoulder line, the palm facing forward in the
    anatomical position (as the skeleton's extension bends the hand backwards). A hand pointing exactly
    along the shoulder line has no defined palm: its fingers then lie along the axis.
    """
    wrist = joints[INDEX[f"wrist_{side}"]]
    along = _unit(joints[INDEX[f"hand_{side}"]] - wrist)
    lateral = joints[INDEX["shoulder_l"]] - joints[INDEX["shoulder_r"]]
    across = _unit(lateral - np.dot(lateral, along) * along)  # towards the athlete's left
    palm = np.cross(along, across)  # the way the palm faces
    thumb_side = across if side == "l" else -across  # the thumb is lateral when the palm faces forward
    frame = np.stack([along, thumb_side, palm], axis=1)  # hand-local (along, thumb side, palm) -> world
    a, t, p = np.eye(3)
    thumb_dir = (np.cos(np.radians(THUMB_TILT)) * (np.cos(np.radians(THUMB_ANGLE)) * a
                 + np.sin(np.radians(THUMB_ANGLE)) * t) + np.sin(np.radians(THUMB_TILT)) * p)
    thumb_palm = _unit(p - np.dot(p, thumb_dir) * thumb_dir)  # the palm side, square to the thumb
    local = [np.zeros(3), THUMB_BASE, *_finger(THUMB_BASE, thumb_dir, thumb_palm, THUMB_BONES, THUMB_CURL)]
    for reach, offset, spread, bones in FINGERS:
        knuckle = reach * a + offset * t
        direction = np.cos(np.radians(spread)) * a + np.sin(np.radians(spread)) * t
        local += [knuckle, *_finger(knuckle, direction, p, bones, FINGER_CURL)]
    return wrist + np.array(local) @ frame.T


def _face_template() -> np.ndarray:
    """iBUG 300-W's 68 landmarks, in head radii on the face's plane (x to the athlete's left, y up).

    y is square to head->nose, so the nose tip is at 0 and the eyes sit round the skeleton's eyes. Point
    order follows the annotation: the jaw, brows, eyes and mouth run from the athlete's right to left.
    """
    phi = np.linspace(-np.pi / 2, np.pi / 2, 17)
    jaw = np.stack([0.8 * np.sin(phi), 0.28 - 1.05 * np.cos(phi)], axis=1)
    t = np.linspace(0, 1, 5)
    brow = [np.stack([x0 + 0.5 * t, 0.55 + 0.06 * np.sin(np.pi * t)], axis=1) for x0 in (-0.62, 0.12)]
    bridge = np.stack([np.zeros(4), np.linspace(0.44, 0.0, 4)], axis=1)
    nostrils = np.stack([np.linspace(-0.17, 0.17, 5), -0.13 + 0.3 * np.abs(np.linspace(-0.17, 0.17, 5))], axis=1)
    ring = np.array([[-1, 0], [-1 / 3, 1], [1 / 3, 1], [1, 0], [1 / 3, -1], [-1 / 3, -1]]) * [0.14, 0.05]
    eyes = [ring + np.array([cx, 0.34]) for cx in (-0.36, 0.36)]
    top, bottom = np.linspace(-0.3, 0.3, 7), np.linspace(0.2, -0.2, 5)
    outer = np.concatenate([np.stack([top, -0.40 + 0.09 * (1 - (top / 0.3) ** 2)], axis=1),
                            np.stack([bottom, -0.40 - 0.11 * (1 - (bottom / 0.3) ** 2)], axis=1)])
    inner = np.array([[-0.22, 0], [-0.1, 0.02], [0, 0.02], [0.1, 0.02], [0.22, 0], [0.1, -0.02], [0, -0.02],
                      [-0.1, -0.02]]) + np.array([0, -0.40])
    return np.concatenate([jaw, *brow, bridge, nostrils, *eyes, outer, inner])


FACE_TEMPLATE = _face_template()


def face(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 70 face points (3D: 68 landmarks on the head sphere, then the right and left pupils) and
    their outward normals; the face looks along head->nose, its x axis runs right ear->left ear."""
    centre, radius = joints[INDEX["head"]], SEGMENTS["head_radius"] * HEIGHT
    lateral = _unit(joints[INDEX["ear_l"]] - joints[INDEX["ear_r"]])
    forward = joints[INDEX["nose"]] - centre
    forward = _unit(forward - np.dot(forward, lateral) * lateral)
    up = np.cross(forward, lateral)
    x, y = FACE_TEMPLATE[:, 0], FACE_TEMPLATE[:, 1]
    depth = np.sqrt(np.clip(1 - x**2 - y**2, 0, None))
    normals = np.outer(x, lateral) + np.outer(y, up) + np.outer(depth, forward)
    pupils = np.stack([joints[INDEX["eye_r"]], joints[INDEX["eye_l"]]])
    normals = np.concatenate([normals, [_unit(p - centre) for p in pupils]])
    return np.concatenate([centre + radius * normals[:68], pupils]), normals


def wholebody(joints: np.ndarray, camera: Camera) -> dict[str, np.ndarray]:
    """The 2D keypoints DWPose would report: ``body`` (18 x 2) with ``body_visible`` (18 bools),
    ``hands`` (left, right: 2 x 21 x 2), ``face`` (70 x 2) and ``face_visible`` (70 bools).

    DWPose only finds a face that looks towards the camera, and only its landmarks that face it: a face
    point shows when the head faces the camera and its own outward normal does too; the body's nose
    and eyes likewise vanish when the head turns away (seen from behind only the ears remain).
    """
    body, _ = camera.project(body18(joints))
    hands = np.stack([camera.project(hand(joints, side))[0] for side in "lr"])
    points, normals = face(joints)
    head = joints[INDEX["head"]]
    facing = np.dot(joints[INDEX["nose"]] - head, camera.position - head) > 0
    visible = facing & (np.einsum("ij,ij->i", normals, camera.position - points) > 0)
    body_visible = np.ones(len(BODY18), dtype=bool)
    body_visible[[BODY18.index(n) for n in ("nose", "eye_l", "eye_r")]] = facing
    return {"body": body, "body_visible": body_visible, "hands": hands, "face": camera.project(points)[0],
            "face_visible": visible}


def render_control(camera: Camera, joints: np.ndarray) -> np.ndarray:
    """One control frame, drawn as DWPose draws: body limbs (60 % colour), body joints, hands, face."""
    points = wholebody(joints, camera)
    scale = min(camera.width, camera.height) / 512  # DWPose's sizes are for a 512-pixel short side
    stick, dot = max(2.0, 4 * scale), max(2.0, 4 * scale)
    line, hand_dot, face_dot = max(1, round(2 * scale)), max(2.0, 4 * scale), max(1.0, 3 * scale)
    image = Image.new("RGB", (camera.width, camera.height))
    draw = ImageDraw.Draw(image)
    body, shown = points["body"], points["body_visible"]
    for i, (a, b) in enumerate(BODY18_LIMBS):
        if shown[a] and shown[b]:  # as DWPose: a limb to an undetected point is not drawn
            draw.polygon(_stick(body[a], body[b], stick), fill=tuple(int(c * 0.6) for c in BODY18_COLORS[i]))
    for i, xy in enumerate(body):
        if shown[i]:
            _dot(draw, xy, dot, BODY18_COLORS[i])
    for peaks in points["hands"]:
        for (a, b), color in zip(HAND_EDGES, HAND_EDGE_COLORS, strict=True):
            draw.line([tuple(peaks[a]), tuple(peaks[b])], fill=color, width=line)
        for xy in peaks:
            _dot(draw, xy, hand_dot, HAND_POINT_COLOR)
    for xy in points["face"][points["face_visible"]]:
        _dot(draw, xy, face_dot, FACE_COLOR)
    return np.asarray(image)


def _dot(draw: ImageDraw.ImageDraw, xy: np.ndarray, radius: float, color: tuple[int, ...]) -> None:
    x, y = float(xy[0]), float(xy[1])
    draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


def _stick(a: np.ndarray, b: np.ndarray, half_width: float) -> list[tuple[float, float]]:
    """An ellipse from a to b, half_width across (OpenPose's cv2.ellipse2Poly limb), as a polygon."""
    middle, delta = (a + b) / 2, b - a
    length, angle = np.hypot(*delta) / 2, np.arctan2(delta[1], delta[0])
    t = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    ex, ey = length * np.cos(t), half_width * np.sin(t)
    c, s = np.cos(angle), np.sin(angle)
    return [(float(middle[0] + x * c - y * s), float(middle[1] + x * s + y * c)) for x, y in zip(ex, ey, strict=True)]
