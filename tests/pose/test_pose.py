"""Pose engine numbers: rigid bones, held contacts, depth, valgus, curvature, framing, renderer colours."""

from __future__ import annotations

import numpy as np
import pytest

import fitcontent
from fitcontent.pose.camera import frame_camera
from fitcontent.pose.control import BODY18, BODY18_COLORS, body18, render_control
from fitcontent.pose.motion import ease, pose_track, rep_positions
from fitcontent.pose.skeleton import BONES, INDEX, expand_sides, forward_kinematics
from fitcontent.pose.stills import shot_motion

CATALOG = fitcontent.load_catalog()
CONTACT_TOLERANCE = 0.015
"""Metres a pinned foot or hand may move: two-bone IK is exact unless a pose asks for more than a
straight limb can reach (a sumo stance at lockout, a diamond push-up with flared elbows), where
it clamps by up to about a centimetre, two pixels at preview size."""
SQUAT = CATALOG.movements["squat"]


def _track(movement="squat", error=None, variation=None, frames=49):
    m = CATALOG.movements[movement]
    v = next(x for x in m.variations if x.id == variation) if variation else m.variations[0]
    e = next(x for x in m.errors if x.id == error) if error else None
    return pose_track(m, v, e, frames, 8)


def _at_phase(track, phase):
    return track.joints[track.frame_of(phase)]


def _p(joints, name):
    return joints[INDEX[name]]


ALL_SHOTS = [(m.id, v.id, e.id if e else None) for m in CATALOG.movements.values() for v in m.variations
             for e in [None, *m.errors]]


@pytest.mark.parametrize(("movement", "variation", "error"), ALL_SHOTS, ids=lambda x: str(x))
def test_bones_keep_their_length_over_the_clip(movement, variation, error) -> None:
    joints = _track(movement, error, variation).joints
    for a, b in BONES:
        lengths = np.linalg.norm(joints[:, INDEX[a]] - joints[:, INDEX[b]], axis=1)
        assert np.ptp(lengths) < 1e-6, (a, b)


@pytest.mark.parametrize(("movement", "variation", "error"), ALL_SHOTS, ids=lambda x: str(x))
def test_contacts_stay_put_and_nothing_goes_through_the_floor(movement, variation, error) -> None:
    m = CATALOG.movements[movement]
    joints = _track(movement, error, variation).joints
    assert joints[:, :, 1].min() > -0.02, "a joint went through the floor"
    if m.rig.contact == "feet":  # the contact that holds the body: each standing foot stays put
        standing = [INDEX[f"toe_{side}"] for side in "lr" if joints[0, INDEX[f"toe_{side}"], 1] < 0.15]
        assert standing, "no foot on the floor"
        toes = joints[:, standing]
        assert np.abs(toes[:, :, 1]).max() < 0.02  # toes on the floor
        drift = np.linalg.norm(toes[:, :, [0, 2]] - toes[:1, :, [0, 2]], axis=2)
        assert drift.max() < CONTACT_TOLERANCE
    if m.rig.also_floor == "feet":  # a second contact: the body pitches so the feet touch the floor
        feet = joints[:, [INDEX[n] for n in ("heel_l", "toe_l", "heel_r", "toe_r")], 1]
        assert np.abs(feet.min(axis=1)).max() < 0.05
    elif m.rig.contact == "hands":
        hands = joints[:, [INDEX["hand_l"], INDEX["hand_r"]]]
        assert np.linalg.norm(hands - hands[:1], axis=2).max() < CONTACT_TOLERANCE


def test_squat_depth_hip_crease_against_knee_in_side_view() -> None:
    side = CATALOG.angles["side"]
    for error, below in ((None, True), ("insufficient-depth", False)):
        track = _track(error=error)
        bottom = _at_phase(track, "bottom")
        camera = frame_camera(side, track.joints.reshape(-1, 3), 720, 480)
        (hip, knee), _ = camera.project(np.stack([_p(bottom, "hip_l"), _p(bottom, "knee_l")]))
        assert bool(hip[1] >= knee[1]) is below, error  # image y grows downwards


def test_knee_valgus_brings_the_knees_together_relative_to_the_ankles_in_front_view() -> None:
    front = CATALOG.angles["front"]

    def ratio(track):
        bottom = _at_phase(track, "bottom")
        camera = frame_camera(front, track.joints.reshape(-1, 3), 720, 480)
        xy, _ = camera.project(np.stack([_p(bottom, n) for n in ("knee_l", "knee_r", "ankle_l", "ankle_r")]))
        return abs(xy[0, 0] - xy[1, 0]) / abs(xy[2, 0] - xy[3, 0])

    assert ratio(_track(error="knee-valgus")) < 0.85 * ratio(_track())


def test_rounded_back_increases_thoracic_curvature() -> None:
    def curvature(track):
        j = _at_phase(track, "bottom")
        lower, upper = _p(j, "thorax") - _p(j, "lumbar"), _p(j, "neck") - _p(j, "thorax")
        pelvis = _p(j, "lumbar") - _p(j, "pelvis")
        # arctan2 of |a x b| and a.b: exact near 0 and 180 degrees, where arccos of a cosine that rounds
        # past 1 (1.0000000000000002 on some BLAS builds) gives NaN
        bend = [np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b)))
                for a, b in ((pelvis, lower), (lower, upper))]
        return sum(bend)

    assert curvature(_track(error="rounded-back")) > curvature(_track()) + 25


def test_heels_lift_off_the_floor_and_toes_stay() -> None:
    bottom = _at_phase(_track(error="heels-lifting"), "bottom")
    assert _p(bottom, "heel_l")[1] > 0.05
    assert abs(_p(bottom, "toe_l")[1]) < 0.01


@pytest.mark.parametrize(("movement", "variation", "error"), ALL_SHOTS, ids=lambda x: str(x))
def test_whole_body_and_props_stay_in_frame_from_every_angle(movement, variation, error) -> None:
    m = CATALOG.movements[movement]
    v = next(x for x in m.variations if x.id == variation)
    e = next(x for x in m.errors if x.id == error) if error else None
    for angle in CATALOG.angle_list:
        motion = shot_motion(m, v, e, angle, 320, 240, 17, 8)
        points = motion.track.joints.reshape(-1, 3)
        xy, depth = motion.camera.project(points)
        assert (depth > 0.3).all()
        assert (xy[:, 0] >= 0).all() and (xy[:, 0] <= 320).all(), angle.id
        assert (xy[:, 1] >= 0).all() and (xy[:, 1] <= 240).all(), angle.id


def test_control_frame_has_each_keypoint_colour_at_its_projected_pixel() -> None:
    track = _track()
    camera = frame_camera(CATALOG.angles["front-45"], track.joints.reshape(-1, 3), 720, 480)
    joints = track.joints[0]
    image = render_control(camera, joints)
    xy, _ = camera.project(body18(joints))
    for name in ("shoulder_r", "elbow_l", "ankle_l", "knee_r"):  # the wrists lie under the hands
        i = BODY18.index(name)
        x, y = np.round(xy[i]).astype(int)
        assert tuple(image[y, x]) == BODY18_COLORS[i], name
    assert tuple(image[2, 2]) == (0, 0, 0)  # black background


def test_preview_frame_is_the_right_size_and_not_blank() -> None:
    motion = shot_motion(SQUAT, SQUAT.variations[0], None, CATALOG.angles["side"], 320, 240, 17, 8)
    frame = motion.render(8)
    assert frame.shape == (240, 320, 3)
    assert len(np.unique(frame.reshape(-1, 3), axis=0)) > 50


def test_easing_has_no_kinks_and_reps_fill_the_clip() -> None:
    s = np.linspace(0, 1, 101)
    e = ease(s)
    assert e[0] == 0 and e[-1] == 1 and (np.diff(e) >= 0).all()
    assert abs(e[1] - e[0]) < 1e-4 and abs(e[-1] - e[-2]) < 1e-4  # zero velocity at the keyframes
    u = rep_positions(49, 2)
    assert u[0] == 0 and u[-1] == 1 and u[24] == 0  # second rep starts mid-clip


def test_sided_angles_override_both_sided_ones() -> None:
    angles = expand_sides({"knee_flexion": 90, "knee_flexion_l": 30})
    assert (angles["knee_flexion_l"], angles["knee_flexion_r"]) == (30, 90)
    joints = forward_kinematics(expand_sides({}), flat_feet=True)
    height = _p(joints, "head")[1] + 0.065 * 1.75 - _p(joints, "heel_l")[1]
    assert abs(height - 1.75) < 0.02


def test_error_limbs_turn_red_only_where_the_error_shows() -> None:
    error = next(e for e in SQUAT.errors if e.id == "knee-valgus")
    motion = shot_motion(SQUAT, SQUAT.variations[0], error, CATALOG.angles["front"], 320, 240, 49, 8)

    def red_pixels(shot, at):
        frame = shot.render(shot.frame_at(at)).astype(int)
        return int(((frame[:, :, 0] > 170) & (frame[:, :, 1] < 110) & (frame[:, :, 2] < 110)).sum())

    assert red_pixels(motion, "top") == 0  # standing tall: no valgus yet
    assert red_pixels(motion, "bottom") > 200  # the thighs and shanks at the bottom
    correct = shot_motion(SQUAT, SQUAT.variations[0], None, CATALOG.angles["front"], 320, 240, 49, 8)
    assert red_pixels(correct, "bottom") == 0


def test_a_raised_foot_is_not_pulled_to_the_floor() -> None:
    joints = _track("hip-thrust", variation="single-leg").joints
    assert joints[:, INDEX["toe_r"], 1].min() > 0.15  # the lifted leg stays up all clip
    assert np.abs(joints[:, INDEX["toe_l"], 1]).max() < 0.02  # the standing foot stays down
