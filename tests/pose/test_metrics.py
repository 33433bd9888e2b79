"""The form metrics on hand-built poses: each reads the number and the sign its definition gives.

The catalog's thresholds were tuned on the engine, so a metric with a flipped sign or a wrong axis
could still separate every shipped error from its correct form; these tests pin each metric to
geometry worked out by hand instead. Poses are the skeleton standing (pelvis at the origin) with a
few angles set, or with single joints moved; expected values come from the segment lengths, never
from the metric under test.
"""

from __future__ import annotations

import numpy as np
import pytest

from fitcontent.catalog.joints import METRIC_NAMES
from fitcontent.pose.metrics import METRICS, Window
from fitcontent.pose.skeleton import HEIGHT, INDEX, SEGMENTS, expand_sides, forward_kinematics, rot_x

DEG = 0.5
"""Degrees: far above float rounding, far below any sign or axis mistake."""
M = 1e-6
"""Metres (and plain ratios)."""
SIDES = ("l", "r")
OUT = {"l": 1.0, "r": -1.0}
"""Each side's outward direction along x (x is the athlete's left)."""


def pose(flat_feet: bool = True, **angles: float) -> np.ndarray:
    """The skeleton standing, pelvis at the origin, with ``angles`` set (a name without a side sets both)."""
    return forward_kinematics(expand_sides(angles), flat_feet=flat_feet)


def length(*segments: str) -> float:
    return sum(SEGMENTS[s] for s in segments) * HEIGHT


def read(metric: str, joints: np.ndarray, side: str | None = None) -> float:
    return METRICS[metric].measure(joints, side).value


def moved(joints: np.ndarray, **offsets: tuple[float, float, float]) -> np.ndarray:
    out = joints.copy()
    for name, offset in offsets.items():
        out[INDEX[name]] += offset
    return out


def pitched(joints: np.ndarray, degrees: float) -> np.ndarray:
    """The whole body rotated about the pelvis (the origin) by ``rot_x``: positive tips it forward."""
    return joints @ rot_x(degrees).T


def on_floor(joints: np.ndarray) -> np.ndarray:
    """Lifted so that the lowest toe stands on the floor (y = 0)."""
    toes = joints[[INDEX["toe_l"], INDEX["toe_r"]], 1]
    return joints - [0.0, toes.min(), 0.0]


def test_the_numpy_free_metric_names_list_every_metric_in_order() -> None:
    assert list(METRICS) == list(METRIC_NAMES)


# --- the trunk, spine and neck: signed sagittal angles ---------------------------------------------

@pytest.mark.parametrize("degrees", [20.0, -20.0, 45.0])
def test_trunk_lean_is_the_trunk_tilt_forward_from_vertical(degrees: float) -> None:
    assert read("trunk-lean", pose()) == pytest.approx(0.0, abs=DEG)
    assert read("trunk-lean", pose(pelvis_tilt=degrees)) == pytest.approx(degrees, abs=DEG)
    assert read("trunk-lean", pitched(pose(), degrees)) == pytest.approx(degrees, abs=DEG)


def test_spine_flexion_bends_forward_positive_and_arches_negative() -> None:
    assert read("spine-flexion", pose()) == pytest.approx(0.0, abs=DEG)
    assert read("spine-flexion", pose(lumbar_flexion=20, thoracic_flexion=10)) == pytest.approx(30.0, abs=DEG)
    assert read("spine-flexion", pose(lumbar_flexion=-15, thoracic_flexion=-5)) == pytest.approx(-20.0, abs=DEG)
    # the bend within the spine, not the trunk's lean: a straight back pitched forward reads 0
    assert read("spine-flexion", pose(pelvis_tilt=40)) == pytest.approx(0.0, abs=DEG)
    rounded = pitched(pose(lumbar_flexion=20, thoracic_flexion=10), 80)  # a deadlift's hinge
    assert read("spine-flexion", rounded) == pytest.approx(30.0, abs=DEG)


def test_neck_flexion_is_the_head_bent_forward_from_the_upper_back() -> None:
    assert read("neck-flexion", pose(neck_flexion=25)) == pytest.approx(25.0, abs=DEG)
    assert read("neck-flexion", pose(neck_flexion=-15)) == pytest.approx(-15.0, abs=DEG)
    assert read("neck-flexion", pose(thoracic_flexion=30)) == pytest.approx(0.0, abs=DEG)  # head in line
    plank = pitched(pose(neck_flexion=25), 90)
    assert read("neck-flexion", plank) == pytest.approx(25.0, abs=DEG)


# --- knees and feet seen from the front --------------------------------------------------------------

@pytest.mark.parametrize("side", SIDES)
def test_knee_inside_ankle_is_positive_when_the_knee_moves_in(side: str) -> None:
    standing = pose()
    knee = f"knee_{side}"
    inward = (-0.05 * OUT[side], 0.0, 0.0)
    outward = (0.05 * OUT[side], 0.0, 0.0)
    assert read("knee-inside-ankle", standing, side) == pytest.approx(0.0, abs=M)
    assert read("knee-inside-ankle", moved(standing, **{knee: inward}), side) == pytest.approx(0.05, abs=M)
    assert read("knee-inside-ankle", moved(standing, **{knee: outward}), side) == pytest.approx(-0.05, abs=M)
    other = "r" if side == "l" else "l"  # the other leg's knee is not this side's
    assert read("knee-inside-ankle", moved(standing, **{knee: inward}), other) == pytest.approx(0.0, abs=M)


def test_knee_ankle_ratio_is_knee_over_ankle_separation() -> None:
    standing = pose()
    apart = 2 * length("hip_half_width")  # standing, knees and ankles sit under the hips
    assert read("knee-ankle-ratio", standing) == pytest.approx(1.0, abs=M)
    together = moved(standing, knee_l=(-0.06, 0, 0), knee_r=(0.06, 0, 0))
    assert read("knee-ankle-ratio", together) == pytest.approx((apart - 0.12) / apart, abs=M)
    out = moved(standing, knee_l=(0.05, 0, 0), knee_r=(-0.05, 0, 0))
    assert read("knee-ankle-ratio", out) == pytest.approx((apart + 0.1) / apart, abs=M)
    forward = moved(standing, knee_l=(0, 0, 0.2), knee_r=(0, 0, 0.2))  # fore-aft changes nothing from the front
    assert read("knee-ankle-ratio", forward) == pytest.approx(1.0, abs=M)


@pytest.mark.parametrize("side", SIDES)
def test_heel_height_is_the_raised_heel_above_the_floor(side: str) -> None:
    raised = on_floor(pose(**{f"heel_raise_{side}": 20}))  # its toes are the lowest: they stand on the floor
    foot = length("heel_back", "toe_forward")  # the foot tips about its toes
    assert read("heel-height", raised, side) == pytest.approx(np.sin(np.radians(20)) * foot, abs=M)
    assert read("heel-height", raised, "r" if side == "l" else "l") < read("heel-height", raised, side) - 0.02
    assert read("heel-height", on_floor(pose()), side) == pytest.approx(0.0, abs=M)
    # a foot that follows the shank (no flat feet) ignores heel_raise: heel and toe stay level
    assert read("heel-height", on_floor(pose(flat_feet=False, heel_raise=20)), side) == pytest.approx(0.0, abs=M)


# --- the sagittal picture: depth, hips, shins, the bar, the plank ----------------------------------

def test_depth_is_hips_above_knees_and_negative_below() -> None:
    thigh = length("thigh")
    assert read("depth", pose()) == pytest.approx(thigh, abs=M)
    assert read("depth", pose(hip_flexion=90, knee_flexion=90)) == pytest.approx(0.0, abs=M)
    below = thigh * np.sin(np.radians(20))
    assert read("depth", pose(hip_flexion=110, knee_flexion=120)) == pytest.approx(-below, abs=M)
    assert read("depth", pose(hip_flexion=70, knee_flexion=80)) == pytest.approx(below, abs=M)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("flexion", [0.0, 40.0, 90.0, 120.0])
def test_hip_angle_is_180_less_the_hip_flexion(side: str, flexion: float) -> None:
    # the leg moved under the body's midline, so that trunk and thigh share one sagittal plane
    joints = pose(hip_flexion=flexion)
    inward = (-OUT[side] * length("hip_half_width"), 0.0, 0.0)
    joints = moved(joints, **{f"hip_{side}": inward, f"knee_{side}": inward})
    assert read("hip-angle", joints, side) == pytest.approx(180.0 - flexion, abs=DEG)


@pytest.mark.parametrize("side", SIDES)
def test_a_standing_hip_angle_reads_straight(side: str) -> None:
    assert read("hip-angle", pose(), side) == pytest.approx(180.0, abs=DEG)


@pytest.mark.parametrize("side", SIDES)
def test_shin_angle_is_positive_when_the_ankle_is_further_from_the_hips_than_the_knee(side: str) -> None:
    assert read("shin-angle", pose(), side) == pytest.approx(0.0, abs=DEG)
    # thigh forward and level: a knee bent 60 puts the ankle ahead of the knee (away from the hips), 120 behind
    assert read("shin-angle", pose(hip_flexion=90, knee_flexion=60), side) == pytest.approx(30.0, abs=DEG)
    assert read("shin-angle", pose(hip_flexion=90, knee_flexion=120), side) == pytest.approx(-30.0, abs=DEG)
    # thigh behind the hips and the knee straight: the ankle is further back still, so away again
    assert read("shin-angle", pose(hip_flexion=-30), side) == pytest.approx(30.0, abs=DEG)
    ankle_out = moved(pose(hip_flexion=90, knee_flexion=60), **{f"ankle_{side}": (0.1 * OUT[side], 0, 0)})
    assert read("shin-angle", ankle_out, side) == pytest.approx(30.0, abs=DEG)  # seen from the side: no change


def test_bar_drift_is_the_hands_ahead_of_mid_foot() -> None:
    mid_foot = (length("toe_forward") - length("heel_back")) / 2
    assert read("bar-drift", pose()) == pytest.approx(-mid_foot, abs=M)  # hands hang over the ankles
    reach = length("upper_arm", "forearm", "hand")
    assert read("bar-drift", pose(shoulder_flexion=90)) == pytest.approx(reach - mid_foot, abs=M)
    behind = moved(pose(), hand_l=(0, 0, -0.1), hand_r=(0, 0, -0.1))
    assert read("bar-drift", behind) == pytest.approx(-mid_foot - 0.1, abs=M)


def test_hip_sag_is_the_pelvis_below_a_planks_shoulder_ankle_line() -> None:
    plank = pitched(pose(), 90)  # face down, head towards +z, shoulders and ankles level at y = 0
    assert read("hip-sag", plank) == pytest.approx(0.0, abs=M)
    assert read("hip-sag", moved(plank, pelvis=(0, -0.05, 0))) == pytest.approx(0.05, abs=M)
    assert read("hip-sag", moved(plank, pelvis=(0, 0.05, 0))) == pytest.approx(-0.05, abs=M)  # piked


def test_hip_height_is_the_pelvis_above_the_floor() -> None:
    leg = 0.02 + length("thigh", "shank", "ankle_height")  # the hip joints sit 2 cm below the pelvis
    assert read("hip-height", on_floor(pose())) == pytest.approx(leg, abs=M)


@pytest.mark.parametrize("pitch", [0.0, 90.0])
def test_ear_shoulder_shrinks_with_a_shrug(pitch: float) -> None:
    def expected(elevation: float) -> float:
        e = np.radians(elevation)  # the clavicle turns up about z from (half width, -3 cm)
        shoulder = length("shoulder_half_width") * np.sin(e) - 0.03 * np.cos(e)
        ear = length("neck_to_head") + 0.05 * length("head_radius")
        return ear - shoulder

    for elevation in (0.0, 20.0):
        joints = pitched(pose(shoulder_elevation=elevation), pitch)  # measured along the trunk
        assert read("ear-shoulder", joints) == pytest.approx(expected(elevation), abs=M)
    assert expected(20.0) < expected(0.0) - 0.05


def test_stance_length_is_the_fore_aft_distance_between_the_ankles() -> None:
    assert read("stance-length", pose()) == pytest.approx(0.0, abs=M)
    split = pose(hip_flexion_l=30, hip_flexion_r=-30)
    assert read("stance-length", split) == pytest.approx(2 * np.sin(np.radians(30)) * length("thigh", "shank"),
                                                         abs=M)
    wide = moved(pose(), ankle_l=(0.3, 0, 0))  # sideways is not fore-aft
    assert read("stance-length", wide) == pytest.approx(0.0, abs=M)


# --- the arms -------------------------------------------------------------------------------------

@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("abduction", [0.0, 60.0, -20.0])
@pytest.mark.parametrize("pitch", [0.0, 90.0])
def test_elbow_flare_is_the_upper_arm_out_from_the_trunk(side: str, abduction: float, pitch: float) -> None:
    joints = pitched(pose(shoulder_abduction=abduction), pitch)  # a push-up's plank reads the same
    assert read("elbow-flare", joints, side) == pytest.approx(abduction, abs=DEG)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("extension", [0.0, 30.0, 60.0])
def test_wrist_extension_is_the_hand_bent_back(side: str, extension: float) -> None:
    assert read("wrist-bend", pose(wrist_extension=extension), side) == pytest.approx(extension, abs=DEG)
    reaching = pose(shoulder_flexion=90, wrist_extension=extension)
    assert read("wrist-bend", reaching, side) == pytest.approx(extension, abs=DEG)


def test_a_wrist_bent_either_way_reads_as_bent() -> None:
    assert read("wrist-bend", pose(wrist_extension=-30), "l") == pytest.approx(30.0, abs=DEG)


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("flexion", [0.0, 90.0, 150.0])
def test_elbow_angle_is_180_less_the_elbow_flexion(side: str, flexion: float) -> None:
    assert read("elbow-angle", pose(elbow_flexion=flexion), side) == pytest.approx(180.0 - flexion, abs=DEG)
    overhead = pose(shoulder_flexion=170, shoulder_abduction=20, elbow_flexion=flexion)
    assert read("elbow-angle", overhead, side) == pytest.approx(180.0 - flexion, abs=DEG)


# --- motion metrics on synthetic windows ------------------------------------------------------------

FRAMES = 11


def still(frames: int = FRAMES) -> np.ndarray:
    return np.repeat(pose()[None], frames, axis=0)


def shifted(joints: np.ndarray, names: tuple[str, ...], axis: int, offsets) -> np.ndarray:
    """``joints`` with the named joints moved along ``axis`` by one offset per frame."""
    out = joints.copy()
    out[:, [INDEX[n] for n in names], axis] += np.asarray(offsets, dtype=float)[:, None]
    return out


EVERY = tuple(INDEX)


def read_motion(metric: str, window: Window) -> float:
    return METRICS[metric].measure(window).value


def test_swing_is_the_hips_fore_aft_travel() -> None:
    offsets = [0.0, 0.1, -0.15, 0.05, 0.0]
    swinging = shifted(still(5), EVERY, 2, offsets)
    assert read_motion("swing", Window(swinging, still(5), 0, 4)) == pytest.approx(0.25, abs=M)
    bobbing = shifted(still(5), EVERY, 1, offsets)  # up and down is no swing
    assert read_motion("swing", Window(bobbing, still(5), 0, 4)) == pytest.approx(0.0, abs=M)


def test_range_fraction_is_the_errors_vertical_travel_over_the_correct_forms() -> None:
    correct = np.stack([pose(), pose(shoulder_flexion=180), pose()])  # the hands travel two arm lengths
    half = np.stack([pose(), pose(shoulder_flexion=90), pose()])  # one arm length
    assert read_motion("range-fraction", Window(half, correct, 0, 2)) == pytest.approx(0.5, abs=M)
    assert read_motion("range-fraction", Window(correct, correct, 0, 2)) == pytest.approx(1.0, abs=M)


HIPS, SHOULDERS, HANDS = ("hip_l", "hip_r"), ("shoulder_l", "shoulder_r"), ("hand_l", "hand_r")
FAST_EARLY = [0.0, 0.02, 0.08, 0.12, 0.16, 0.17, 0.18, 0.19, 0.2, 0.2, 0.2]
SLOW_EARLY = [0.0, 0.02, 0.02, 0.03, 0.04, 0.08, 0.12, 0.16, 0.2, 0.2, 0.2]
"""Two rises of 0.2 m over the window, one mostly in its first 40 % (to its fifth frame), one mostly after;
both 2 cm up after one frame, so a ratio read at the wrong frame is 1, not the 4 or 0.25 of the first 40 %."""


@pytest.mark.parametrize("start", [0, 3])
def test_hip_lead_compares_hip_and_shoulder_rise_early_in_the_window(start: int) -> None:
    pad = [0.0] * start
    hips_first = shifted(shifted(still(FRAMES + start), HIPS, 1, pad + FAST_EARLY), SHOULDERS, 1, pad + SLOW_EARLY)
    together = shifted(shifted(still(FRAMES + start), HIPS, 1, pad + SLOW_EARLY), SHOULDERS, 1, pad + FAST_EARLY)
    stop = start + FRAMES - 1
    assert read_motion("hip-lead", Window(hips_first, still(FRAMES + start), start, stop)) == pytest.approx(4.0, abs=M)
    assert read_motion("hip-lead", Window(together, still(FRAMES + start), start, stop)) == pytest.approx(0.25, abs=M)


def test_rebound_is_the_early_bar_speed_over_the_correct_forms_fastest() -> None:
    paused = [0.0] * 5 + [0.05 * i for i in range(1, 7)]  # the correct press: a pause, then 5 cm a frame
    correct = shifted(still(), HANDS, 1, paused)
    bounced = shifted(still(), HANDS, 1, [0.1 * i for i in range(FRAMES)])  # 10 cm a frame at once
    assert read_motion("rebound", Window(bounced, correct, 0, FRAMES - 1)) == pytest.approx(2.0, abs=M)
    controlled = shifted(still(), HANDS, 1, [0.01 * i for i in range(FRAMES)])
    assert read_motion("rebound", Window(controlled, correct, 0, FRAMES - 1)) == pytest.approx(0.2, abs=M)
    assert read_motion("rebound", Window(correct, correct, 0, FRAMES - 1)) == pytest.approx(0.0, abs=M)
