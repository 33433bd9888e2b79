"""The small library of form metrics that catalog errors name in their ``signature``.

Each metric reads world joints (x = the athlete's left, y = up, z = the way a standing athlete
faces; every rig only pitches the body about x, so x is always the body's left-right axis and
y-z its sagittal plane) and returns the number together with the marks that draw it as a
coaching overlay, so the overlay shows exactly what was measured. Frame metrics read one frame;
motion metrics read a window of the clip against the correct form's.

Angles come from ``arctan2`` of a sine and a cosine, never ``arccos`` of a cosine: a cosine that
rounds to 1.0000000000000002 on some BLAS builds would give NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from fitcontent.pose.skeleton import INDEX

X = np.array([1.0, 0.0, 0.0])
UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class Mark:
    """A drawable piece of an overlay, in world metres: ``line`` (2+ points, a polyline), ``arc``
    (vertex, then one point on each arm), ``trace`` (a path over the clip) or ``dot``."""

    kind: str
    points: np.ndarray


@dataclass(frozen=True)
class Reading:
    value: float
    marks: list[Mark] = field(default_factory=list)
    side: str | None = None  # the side measured, for one-sided metrics


@dataclass(frozen=True)
class Window:
    """What a motion metric reads: the clip's joints, the correct form's, and the frames of the
    phase's segment (``start`` to ``stop``, both included); swing and range read the whole clip."""

    joints: np.ndarray  # frames x joints x 3
    correct: np.ndarray
    start: int
    stop: int

    def early(self, fraction: float = 0.4) -> int:
        """The last frame of the segment's first ``fraction``, at least one frame after ``start``."""
        return min(self.start + max(1, round((self.stop - self.start) * fraction)), len(self.joints) - 1)


@dataclass(frozen=True)
class Metric:
    name: str
    unit: str  # "deg", "m" or "ratio": how the value is printed
    view: str  # "frontal" (lateral change), "sagittal" (fore-aft change) or "any" (vertical change)
    sided: bool
    measure: Callable[..., Reading]  # (joints, side) -> Reading, or (Window) -> Reading for motion
    doc: str
    source: str  # where the threshold comes from
    motion: bool = False

    def format(self, value: float) -> str:
        return {"deg": f"{value:.0f}°", "m": f"{value * 100:.0f} cm", "ratio": f"{value:.2f}"}[self.unit]


def _p(j: np.ndarray, name: str) -> np.ndarray:
    return j[INDEX[name]]


def _mid(j: np.ndarray, a: str, b: str) -> np.ndarray:
    return (_p(j, a) + _p(j, b)) / 2


def angle_between(a: np.ndarray, b: np.ndarray) -> float:
    """Unsigned angle in degrees, exact near 0 and 180."""
    return float(np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b))))


def sagittal_angle(a: np.ndarray, b: np.ndarray) -> float:
    """Signed angle in degrees from ``a`` to ``b`` about the body's left axis, both projected on the
    sagittal plane: positive when ``b`` tips further forward (towards the chest) than ``a``."""
    a, b = a * [0, 1, 1], b * [0, 1, 1]
    return float(np.degrees(np.arctan2(np.dot(np.cross(a, b), X), np.dot(a, b))))


def _arc(vertex: np.ndarray, a: np.ndarray, b: np.ndarray) -> Mark:
    return Mark("arc", np.stack([vertex, a, b]))


# --- frame metrics: (joints, side) -> Reading ---------------------------------------------------

def knee_ankle_ratio(j: np.ndarray, side: str | None) -> Reading:
    knees, ankles = (_p(j, "knee_l"), _p(j, "knee_r")), (_p(j, "ankle_l"), _p(j, "ankle_r"))
    ratio = abs(knees[0][0] - knees[1][0]) / max(abs(ankles[0][0] - ankles[1][0]), 1e-3)
    plumbs = [Mark("line", np.stack([a, a + 0.55 * UP])) for a in ankles]
    return Reading(ratio, [*plumbs, Mark("line", np.stack(knees)), Mark("line", np.stack(ankles))])


def knee_inside_ankle(j: np.ndarray, side: str) -> Reading:
    knee, ankle = _p(j, f"knee_{side}"), _p(j, f"ankle_{side}")
    outward = 1.0 if side == "l" else -1.0  # the left leg's outside is +x
    inside = (ankle[0] - knee[0]) * outward
    return Reading(inside, [Mark("line", np.stack([ankle, ankle + 0.6 * UP])), Mark("dot", knee[None])])


def heel_height(j: np.ndarray, side: str) -> Reading:
    heel, toe = _p(j, f"heel_{side}"), _p(j, f"toe_{side}")
    floor = np.array([heel[0], 0.0, heel[2]])
    return Reading(float(heel[1]), [Mark("line", np.stack([toe * [1, 0, 1], floor - (toe - floor) * [0.6, 0, 0.6]])),
                                    Mark("line", np.stack([floor, heel]))])


def depth(j: np.ndarray, side: str | None) -> Reading:
    hip, knee = _mid(j, "hip_l", "hip_r"), _mid(j, "knee_l", "knee_r")
    level = np.array([[knee[0], knee[1], knee[2] - 0.35], [knee[0], knee[1], knee[2] + 0.35]])
    return Reading(float(hip[1] - knee[1]), [Mark("line", level), Mark("dot", hip[None])])


def spine_flexion(j: np.ndarray, side: str | None) -> Reading:
    lower, upper = _p(j, "lumbar") - _p(j, "pelvis"), _p(j, "neck") - _p(j, "thorax")
    spine = np.stack([_p(j, n) for n in ("pelvis", "lumbar", "thorax", "neck")])
    return Reading(sagittal_angle(lower, upper), [Mark("line", spine)])


def trunk_lean(j: np.ndarray, side: str | None) -> Reading:
    pelvis, neck = _p(j, "pelvis"), _p(j, "neck")
    up = np.array([0.0, np.linalg.norm(neck - pelvis), 0.0])
    return Reading(sagittal_angle(up, neck - pelvis), [_arc(pelvis, pelvis + up, neck)])


def neck_flexion(j: np.ndarray, side: str | None) -> Reading:
    thorax, neck, head = _p(j, "thorax"), _p(j, "neck"), _p(j, "head")
    along = neck + (neck - thorax) / np.linalg.norm(neck - thorax) * np.linalg.norm(head - neck)
    return Reading(sagittal_angle(neck - thorax, head - neck), [_arc(neck, along, head)])


def elbow_flare(j: np.ndarray, side: str) -> Reading:
    """The upper arm's angle from the trunk in the body's coronal plane: 0 along the side, 90 straight
    out, negative when the elbow tucks in across the body."""
    shoulder, elbow = _p(j, f"shoulder_{side}"), _p(j, f"elbow_{side}")
    down = _p(j, "pelvis") - _p(j, "neck")
    down /= np.linalg.norm(down)
    lateral = _p(j, "shoulder_l") - _p(j, "shoulder_r")
    lateral -= np.dot(lateral, down) * down
    lateral /= np.linalg.norm(lateral)
    arm = elbow - shoulder
    along, out = float(np.dot(arm, down)), float(np.dot(arm, lateral)) * (1.0 if side == "l" else -1.0)
    flare = float(np.degrees(np.arctan2(out, along)))
    return Reading(flare, [_arc(shoulder, shoulder + down * np.linalg.norm(arm), elbow)])


def wrist_bend(j: np.ndarray, side: str) -> Reading:
    """The hand bent away from the forearm's line, either way: a stacked wrist reads 0."""
    elbow, wrist, hand = _p(j, f"elbow_{side}"), _p(j, f"wrist_{side}"), _p(j, f"hand_{side}")
    straight = wrist + (wrist - elbow) / np.linalg.norm(wrist - elbow) * np.linalg.norm(hand - wrist) * 1.6
    return Reading(angle_between(wrist - elbow, hand - wrist), [_arc(wrist, straight, hand)])


def elbow_angle(j: np.ndarray, side: str) -> Reading:
    shoulder, elbow, wrist = _p(j, f"shoulder_{side}"), _p(j, f"elbow_{side}"), _p(j, f"wrist_{side}")
    return Reading(180.0 - angle_between(elbow - shoulder, wrist - elbow), [_arc(elbow, shoulder, wrist)])


def hip_angle(j: np.ndarray, side: str) -> Reading:
    """The angle at the hip between trunk and thigh, seen from the side: 180 is a straight line
    shoulder-hip-knee (the hip joint's own offset from the midline is not a bend)."""
    hip, knee, neck = _p(j, f"hip_{side}"), _p(j, f"knee_{side}"), _p(j, "neck")
    return Reading(abs(sagittal_angle(neck - hip, knee - hip)), [_arc(hip, neck, knee),
                                                           Mark("line", np.stack([neck, hip + (hip - neck)]))])


def ear_shoulder(j: np.ndarray, side: str | None) -> Reading:
    """How far the ears sit above the shoulders along the trunk: a shrug closes the gap."""
    up = _p(j, "neck") - _p(j, "pelvis")
    up /= np.linalg.norm(up)
    gaps = [float(np.dot(_p(j, f"ear_{s}") - _p(j, f"shoulder_{s}"), up)) for s in "lr"]
    marks = [Mark("line", np.stack([_p(j, f"shoulder_{s}"), _p(j, f"ear_{s}")])) for s in "lr"]
    return Reading(float(np.mean(gaps)), marks)


def bar_drift(j: np.ndarray, side: str | None) -> Reading:
    """How far the bar (between the hands) is ahead of mid-foot, horizontally."""
    bar = _mid(j, "hand_l", "hand_r")
    foot = np.mean([_p(j, n) for n in ("heel_l", "toe_l", "heel_r", "toe_r")], axis=0)
    plumb = np.array([[bar[0], 0.0, foot[2]], [bar[0], max(bar[1], 1.0) + 0.4, foot[2]]])
    return Reading(float(bar[2] - foot[2]), [Mark("line", plumb), Mark("dot", bar[None])])


def hip_sag(j: np.ndarray, side: str | None) -> Reading:
    """How far the hips hang below the straight line from shoulders to ankles (a plank's line)."""
    shoulder, ankle, hip = _mid(j, "shoulder_l", "shoulder_r"), _mid(j, "ankle_l", "ankle_r"), _p(j, "pelvis")
    along = (ankle - shoulder) / np.linalg.norm(ankle - shoulder)
    nearest = shoulder + np.dot(hip - shoulder, along) * along
    return Reading(float(nearest[1] - hip[1]), [Mark("line", np.stack([shoulder, ankle])),
                                                Mark("line", np.stack([nearest, hip]))])


def hip_height(j: np.ndarray, side: str | None) -> Reading:
    hip = _p(j, "pelvis")
    return Reading(float(hip[1]), [Mark("line", np.stack([hip * [1, 0, 1], hip]))])


def shin_angle(j: np.ndarray, side: str) -> Reading:
    """The shin's tilt from vertical: positive when the foot is further from the hips than the knee."""
    knee, ankle, hip = _p(j, f"knee_{side}"), _p(j, f"ankle_{side}"), _p(j, f"hip_{side}")
    away = np.sign(knee[2] - hip[2]) or 1.0
    down = np.array([0.0, -np.linalg.norm(ankle - knee), 0.0])
    tilt = sagittal_angle(down, ankle - knee) * -away  # seen from the side: knees pushed out add nothing
    return Reading(tilt, [_arc(knee, knee + down, ankle)])


def stance_length(j: np.ndarray, side: str | None) -> Reading:
    a, b = _p(j, "ankle_l"), _p(j, "ankle_r")
    return Reading(float(abs(a[2] - b[2])), [Mark("line", np.stack([a * [1, 0, 1], b * [1, 0, 1]]))])


# --- motion metrics: Window -> Reading ----------------------------------------------------------

def _series(joints: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return joints[:, [INDEX[n] for n in names]].mean(axis=1)


_BAR, _HIPS, _SHOULDERS = ("hand_l", "hand_r"), ("hip_l", "hip_r"), ("shoulder_l", "shoulder_r")


def range_fraction(w: Window) -> Reading:
    """Vertical travel of the joint that travels furthest in the correct form, as a fraction of it."""
    travel = np.ptp(w.correct[:, :, 1], axis=0)
    joint = int(np.argmax(travel))
    value = float(np.ptp(w.joints[:, joint, 1]) / max(travel[joint], 1e-6))
    return Reading(value, [Mark("trace", w.joints[:, joint])])


def hip_lead(w: Window) -> Reading:
    """Hip rise over shoulder rise in the first 40 % of the ascent: above 1 the hips come up first."""
    stop = w.early()
    hips, shoulders = _series(w.joints, _HIPS)[:, 1], _series(w.joints, _SHOULDERS)[:, 1]
    rise = (hips[stop] - hips[w.start]) / max(shoulders[stop] - shoulders[w.start], 0.01)
    return Reading(float(rise), [Mark("trace", _series(w.joints, _HIPS)), Mark("trace", _series(w.joints, _SHOULDERS))])


def swing(w: Window) -> Reading:
    """Fore-aft travel of the hips over the clip (a hanging body should hang still)."""
    hips = _series(w.joints, _HIPS)
    return Reading(float(np.ptp(hips[:, 2])), [Mark("trace", hips)])


def rebound(w: Window) -> Reading:
    """Peak upward bar speed in the first 40 % of the time the correct form spends at the bottom,
    as a multiple of the correct form's fastest press: a bar bounced off the chest is already
    leaving it, faster than a controlled press ever moves."""
    early = np.diff(_series(w.joints, _BAR)[w.start:w.early() + 1, 1]).max()
    fastest = np.diff(_series(w.correct, _BAR)[:, 1]).max()
    return Reading(float(early / max(fastest, 1e-6)), [Mark("trace", _series(w.joints, _BAR))])


METRICS: dict[str, Metric] = {m.name: m for m in [
    Metric("knee-ankle-ratio", "ratio", "frontal", False, knee_ankle_ratio,
       "knee separation over ankle separation, seen from the front",
       "knee-to-ankle separation ratio of drop-jump screening (Noyes et al. 2005, Am J Sports Med 33:197)"),
    Metric("knee-inside-ankle", "m", "frontal", True, knee_inside_ankle,
       "how far the knee sits inside its own ankle, seen from the front", "visual rule: knee over the toes"),
    Metric("heel-height", "m", "any", True, heel_height, "the heel above the floor",
       "visual rule: 'heels stay down' (NSCA Essentials, squat technique)"),
    Metric("depth", "m", "sagittal", False, depth, "hip joints above the knees (negative: below)",
       "powerlifting depth rule: hip crease below the top of the knee (IPF Technical Rules)"),
    Metric("spine-flexion", "deg", "sagittal", False, spine_flexion,
       "bend from the pelvis segment to the upper back (positive: rounding, negative: arching)",
       "visual rule: neutral spine (McGill, Low Back Disorders)"),
    Metric("trunk-lean", "deg", "sagittal", False, trunk_lean, "the trunk's tilt from vertical (positive: forward)",
       "visual rule"),
    Metric("neck-flexion", "deg", "sagittal", False, neck_flexion, "the head's bend from the line of the upper back",
       "visual rule: neutral neck, head in line with the spine"),
    Metric("elbow-flare", "deg", "frontal", True, elbow_flare, "the upper arm's angle out from the trunk",
       "45-75 degrees at the chest (Green & Comfort 2007, Strength Cond J 29:10); past 75 is flaring"),
    Metric("wrist-bend", "deg", "any", True, wrist_bend, "the hand bent away from the forearm's line, either way",
       "visual rule: a stacked wrist, knuckles in line with the forearm"),
    Metric("elbow-angle", "deg", "any", True, elbow_angle, "the angle at the elbow (180: straight)",
       "visual rule: full lockout"),
    Metric("hip-angle", "deg", "sagittal", True, hip_angle, "the angle at the hips between trunk and thighs (180: "
       "straight)", "visual rule: full hip extension at lockout (Contreras, The Glute Lab 2019)"),
    Metric("ear-shoulder", "m", "any", False, ear_shoulder, "the ears above the shoulders along the trunk",
       "visual rule: active shoulders, 'shoulders away from the ears'"),
    Metric("bar-drift", "m", "sagittal", False, bar_drift, "the bar ahead of mid-foot",
       "bar over mid-foot (Rippetoe, Starting Strength, 3rd ed.)"),
    Metric("hip-sag", "m", "sagittal", False, hip_sag, "the hips below the shoulder-ankle line (negative: piked)",
       "visual rule: a straight line from shoulders to ankles"),
    Metric("hip-height", "m", "sagittal", False, hip_height, "the pelvis above the floor", "visual rule"),
    Metric("shin-angle", "deg", "sagittal", True, shin_angle, "the shins' tilt from vertical (positive: feet "
       "further out than the knees)", "vertical shins at the top of a hip thrust (Contreras, The Glute Lab 2019)"),
    Metric("stance-length", "m", "sagittal", False, stance_length, "fore-aft distance between the ankles",
       "visual rule"),
    Metric("range-fraction", "ratio", "any", False, range_fraction,
       "vertical travel as a fraction of the correct form's", "visual rule: full range of motion", motion=True),
    Metric("hip-lead", "ratio", "sagittal", False, hip_lead, "hip rise over shoulder rise early in the ascent",
       "visual rule: hips and chest rise together (Rippetoe, Starting Strength)", motion=True),
    Metric("swing", "m", "sagittal", False, swing, "fore-aft travel of the hips over the clip",
       "visual rule: a strict pull-up hangs still", motion=True),
    Metric("rebound", "ratio", "any", False, rebound, "bar speed leaving the bottom, against the correct form's",
       "visual rule: touch, then press (no bounce)", motion=True),
]}
"""Every metric a signature may name."""
