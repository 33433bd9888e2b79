"""The DWPose whole-body control frame: body colours, blue hands that bend with the wrist, a face
only from the front, no feet."""

from __future__ import annotations

import numpy as np

import fitcontent
from fitcontent.pose.camera import frame_camera
from fitcontent.pose.control import (
    BODY18,
    BODY18_COLORS,
    HAND_EDGE_COLORS,
    HAND_POINT_COLOR,
    hand,
    render_control,
    wholebody,
)
from fitcontent.pose.metrics import angle_between
from fitcontent.pose.motion import pose_track
from fitcontent.pose.skeleton import INDEX

CATALOG = fitcontent.load_catalog()
WHITE, BLACK = (255, 255, 255), (0, 0, 0)


def _track(movement="squat", error=None):
    m = CATALOG.movements[movement]
    e = next(x for x in m.errors if x.id == error) if error else None
    return pose_track(m, m.variations[0], e, 49, 8)


def _at_phase(track, phase):
    return track.joints[track.frame_of(phase)]


def _shot(angle, movement="squat", error=None, phase=None):
    """(camera, joints, image) of one frame at 720 x 480: the first frame, or the phase's."""
    track = _track(movement, error)
    camera = frame_camera(CATALOG.angles[angle], track.joints.reshape(-1, 3), 720, 480)
    joints = _at_phase(track, phase) if phase else track.joints[0]
    return camera, joints, render_control(camera, joints)


def _pixel(image, xy):
    x, y = np.round(xy).astype(int)
    return tuple(int(c) for c in image[y, x])


def _angle(u, v):
    """Degrees between two 2D vectors: arctan2 of |cross| and dot stays exact near 0 and 180 degrees."""
    cross = u[0] * v[1] - u[1] * v[0]
    return float(np.degrees(np.arctan2(abs(cross), np.dot(u, v))))


def test_body_keypoints_keep_their_colours_and_the_hand_wrist_covers_the_body_wrist() -> None:
    camera, joints, image = _shot("front-45")
    points = wholebody(joints, camera)
    for name in ("shoulder_r", "shoulder_l", "elbow_l", "elbow_r", "hip_l", "knee_r", "ankle_l", "ankle_r"):
        i = BODY18.index(name)
        assert _pixel(image, points["body"][i]) == BODY18_COLORS[i], name
    for side, name in (("l", "wrist_l"), ("r", "wrist_r")):  # DWPose draws the hands over the body
        hand_wrist = points["hands"]["lr".index(side)][0]
        assert np.allclose(hand_wrist, points["body"][BODY18.index(name)])
        assert _pixel(image, hand_wrist) == HAND_POINT_COLOR
    assert _pixel(image, (2, 2)) == BLACK


def test_every_hand_point_is_blue_and_the_bones_are_rainbow_coloured() -> None:
    camera, joints, image = _shot("front-45")
    hands = wholebody(joints, camera)["hands"]
    assert hands.shape == (2, 21, 2)
    for peaks in hands:
        assert all(_pixel(image, xy) == HAND_POINT_COLOR for xy in peaks)
        # the wrist->pinky bone (edge 16) is the outermost of the palm; its middle shows its colour
        x, y = np.round((peaks[0] + peaks[17]) / 2).astype(int)
        window = {tuple(int(c) for c in p) for p in image[y - 1:y + 2, x - 1:x + 2].reshape(-1, 3)}
        assert HAND_EDGE_COLORS[16] in window


def test_a_bent_wrist_bends_the_whole_hand_against_the_forearm() -> None:
    def hand_angles(error):
        camera, joints, _ = _shot("front-45", "bench-press", error, "chest")
        points = wholebody(joints, camera)
        angles = []
        for k, (elbow, wrist) in enumerate(((BODY18.index("elbow_l"), BODY18.index("wrist_l")),
                                            (BODY18.index("elbow_r"), BODY18.index("wrist_r")))):
            forearm = points["body"][wrist] - points["body"][elbow]
            fingers = points["hands"][k][[8, 12, 16, 20]].mean(axis=0) - points["hands"][k][0]
            angles.append(_angle(forearm, fingers))
        return np.array(angles)

    correct, bent = hand_angles(None), hand_angles("bent-wrists")
    assert (correct < 20).all(), correct  # a straight wrist: the fingers carry on along the forearm
    # wrist_extension 80: clearly bent in the picture on at least one side (the other may face the camera
    # end-on), and bent on both in 3D
    assert (bent - correct).max() > 35, (correct, bent)
    joints = _at_phase(_track("bench-press", "bent-wrists"), "chest")
    for side in "lr":
        forearm = joints[INDEX[f"wrist_{side}"]] - joints[INDEX[f"elbow_{side}"]]
        fingers = hand(joints, side)[[8, 12, 16, 20]].mean(axis=0) - hand(joints, side)[0]
        assert angle_between(forearm, fingers) > 50, side


def test_the_hand_is_a_rigid_21_point_hand_at_the_end_of_the_forearm() -> None:
    joints = _at_phase(_track(), "bottom")
    for side in "lr":
        points = hand(joints, side)
        assert points.shape == (21, 3)
        assert np.allclose(points[0], joints[INDEX[f"wrist_{side}"]])
        reach = np.linalg.norm(points[[4, 8, 12, 16, 20]] - points[0], axis=1)
        assert (reach > 0.1).all() and (reach < 0.2).all()  # fingertips 10-20 cm from the wrist


def test_the_face_shows_from_the_front_only() -> None:
    def face(angle):
        camera, joints, image = _shot(angle)
        points = wholebody(joints, camera)
        white = int((image == 255).all(axis=2).sum())
        return points, image, white

    front, image, white_front = face("front")
    assert front["face"].shape == (70, 2) and front["face_visible"].all()
    assert all(_pixel(image, xy) == WHITE for xy in front["face"])
    assert white_front > 300
    three_quarter, _, white_45 = face("front-45")
    assert 0 < three_quarter["face_visible"].sum() < 70  # the far cheek turns away
    assert 0 < white_45 < white_front
    back, back_image, white_back = face("back")
    assert not back["face_visible"].any()
    assert white_back == 0
    # from behind DWPose finds no nose or eyes either: only the ears are drawn of the head
    assert front["body_visible"].all()
    for name in ("nose", "eye_l", "eye_r", "ear_l", "ear_r"):
        i = BODY18.index(name)
        x, y = np.round(back["body"][i]).astype(int)
        around = {tuple(int(c) for c in p) for p in back_image[y - 2:y + 3, x - 2:x + 3].reshape(-1, 3)}
        assert bool(back["body_visible"][i]) is name.startswith("ear"), name
        assert (BODY18_COLORS[i] in around) is name.startswith("ear"), name


def test_feet_are_not_drawn() -> None:
    for angle in ("side", "front-45"):
        camera, joints, image = _shot(angle)
        xy, _ = camera.project(joints[[INDEX[n] for n in ("toe_l", "toe_r", "heel_l", "heel_r")]])
        for point in xy:
            assert _pixel(image, point) == BLACK, angle
