"""From catalog keyframes to a pose track: eased joint angles per frame, errors applied, contacts solved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from fitcontent.catalog.models import FormError, Movement, Variation
from fitcontent.errors import RequestError, unknown_message
from fitcontent.pose.skeleton import INDEX, expand_sides, forward_kinematics, rot_x

POSTURES = {"standing": 0.0, "prone": 90.0, "supine": -90.0}
"""Base pitch of the body for each rig posture (prone lies face down, supine face up)."""
FLOOR_CLEARANCE = 0.08
"""How far the feet hang above the floor at the lowest point of a hanging movement (metres)."""
LIFTED_FOOT = 0.15
"""A foot whose lowest point starts higher than this (metres) is held up, not standing: it is not pinned."""
BENCH_TOP = 0.45
"""A flat bench's top above the floor (metres)."""
BACK_HEIGHT = BENCH_TOP + 0.10
"""Height of the upper-back joint when lying on a bench: bench top plus half a torso's depth."""


_Eased = TypeVar("_Eased", np.ndarray, float)


def ease(s: _Eased) -> _Eased:
    """Minimum-jerk easing: zero velocity and acceleration at both ends, so keyframes have no kinks."""
    return s * s * s * (10 - 15 * s + 6 * s * s)


@dataclass(frozen=True)
class PoseTrack:
    """A clip's motion: world joint positions per frame plus what the renderers need to know."""

    joints: np.ndarray  # frames x len(JOINTS) x 3, metres, y up
    fps: int
    phase_times: list[tuple[float, str]]  # (seconds, phase id) of every keyframe passed
    highlight: frozenset[str]  # one-sided angle names the error changes (renderers colour those limbs)
    error_shown: np.ndarray  # frames: how much of the error shows, 0..1 (how red those limbs are)
    bench: str  # "none", "under-torso", "behind-shoulders" or "under-hands"
    anchor: np.ndarray  # world position the contact holds (bar grip, bench edge, mid-feet)

    @property
    def frames(self) -> int:
        return len(self.joints)

    def frame_of(self, phase: str) -> int:
        """The frame of ``phase``'s first keyframe (first repetition); an unknown phase suggests the known."""
        for seconds, name in self.phase_times:
            if name == phase:
                return int(np.clip(round(seconds * self.fps), 0, self.frames - 1))
        raise RequestError(unknown_message("phase", phase, {name for _, name in self.phase_times}))


def keyframe_angles(movement: Movement, variation: Variation) -> list[dict[str, float]]:
    """Each keyframe's full angle set: movement base <- earlier keyframes <- this one <- variation
    <- the variation's angles for this keyframe's phase."""
    current = dict(movement.pose)
    resolved = []
    for keyframe in movement.keyframes:
        current.update(keyframe.pose)
        resolved.append(expand_sides({**current, **variation.pose, **variation.phase_pose.get(keyframe.phase, {})}))
    return resolved


def angles_at(movement: Movement, variation: Variation, error: FormError | None,
              u: np.ndarray) -> tuple[list[dict], np.ndarray]:
    """Joint angles at rep positions ``u`` (0..1), the error's modifier eased in at its phases and its
    motion curve added, and how much of the error shows at each position (0..1)."""
    times = np.array([k.t for k in movement.keyframes])
    poses = keyframe_angles(movement, variation)
    names = list(poses[0])
    table = np.array([[pose[name] for name in names] for pose in poses])
    deltas = np.array([_error_delta(error, k.phase, names) for k in movement.keyframes])
    values = _interpolate(times, table + deltas, u)
    shown = _interpolate(times, _changed(deltas), u)[:, 0]
    if error is not None and error.motion:
        times, curve = _motion_points(error, names)
        values = values + _interpolate(times, curve, u)
        # red over the span of the curve's own points (where the fault happens), not its after-effects
        shown = np.maximum(shown, _interpolate(times, _changed(curve), u)[:, 0])
    return [dict(zip(names, row, strict=True)) for row in values], shown


def _changed(deltas: np.ndarray) -> np.ndarray:
    """1 for each row (time) that changes any angle, else 0, as a column to interpolate."""
    return (np.abs(deltas).max(axis=1, keepdims=True) > 0).astype(float)


def _interpolate(times: np.ndarray, table: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Rows of ``table`` (one per time) at positions ``u``, minimum-jerk eased between neighbours."""
    index = np.clip(np.searchsorted(times, u, side="right") - 1, 0, len(times) - 2)
    span = np.maximum(times[index + 1] - times[index], 1e-9)
    s = ease(np.clip((u - times[index]) / span, 0, 1))[:, None]
    return table[index] * (1 - s) + table[index + 1] * s


def _motion_points(error: FormError, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The error's motion curve as (times, deltas): zero at the rep's start and end unless a point is there."""
    points = [(p.t, expand_sides(p.pose)) for p in error.motion]
    if points[0][0] > 0:
        points.insert(0, (0.0, expand_sides({})))
    if points[-1][0] < 1:
        points.append((1.0, expand_sides({})))
    return np.array([t for t, _ in points]), np.array([[pose[n] for n in names] for _, pose in points])


def _error_delta(error: FormError | None, phase: str, names: list[str]) -> list[float]:
    """The error's joint deltas at a keyframe of ``phase``: its per-phase deltas if it has them for
    this phase, else ``pose_modifier`` at the phases it lists, else nothing; plus its compensation
    wherever it shows."""
    if error is None:
        return [0.0] * len(names)
    if phase in error.phase_pose:
        modifier = expand_sides({**error.compensation, **error.phase_pose[phase]})
    elif phase in error.phases:
        modifier = expand_sides({**error.compensation, **error.pose_modifier})
    else:
        return [0.0] * len(names)
    return [modifier[name] for name in names]


def rep_positions(frames: int, reps: int) -> np.ndarray:
    """Position within the repetition for each frame; exactly ``reps`` repetitions fill the clip."""
    s = np.linspace(0, reps, frames) if frames > 1 else np.zeros(1)
    rep = np.minimum(np.floor(s), reps - 1)
    return s - rep


def phase_times(movement: Movement, frames: int, fps: int) -> list[tuple[float, str]]:
    """(seconds, phase id) of every keyframe the clip passes, in order (captions and posters use these)."""
    seconds = (frames - 1) / fps if frames > 1 else 0.0
    return [
        (round((rep + k.t) / movement.reps * seconds, 4), k.phase)
        for rep in range(movement.reps) for k in movement.keyframes
        if rep == 0 or k.t > 0
    ]


def pose_track(movement: Movement, variation: Variation, error: FormError | None, frames: int, fps: int) -> PoseTrack:
    """The whole clip's motion, with contacts held: the pelvis position is solved every frame."""
    u = rep_positions(frames, movement.reps)
    rig = movement.rig
    angles, error_shown = angles_at(movement, variation, error, u)
    hands_at = BENCH_TOP if variation.hands_on == "bench" else 0.0
    joints = np.stack([_place(frame, rig, hands_at) for frame in angles])
    # each standing foot stays where it stood in the first frame; a push-up's straight legs instead
    # pivot on the toes, which the pitch solve keeps on the floor
    if rig.contact == "feet" or (rig.contact == "back" and rig.also_floor == "feet"):
        standing = [side for side in "lr" if joints[0, [INDEX[f"heel_{side}"], INDEX[f"toe_{side}"]], 1].min()
                    < LIFTED_FOOT]  # a foot held up (single-leg variations) stays free
        if rig.contact == "feet":
            _lower_until_reachable(joints, standing)
        for side in standing:
            _pin_limb(joints, f"hip_{side}", f"knee_{side}", f"ankle_{side}", f"toe_{side}",
                      (f"heel_{side}", f"toe_{side}"), on_floor=True)
    if rig.contact == "hands":  # each hand stays on the bar or the floor
        for side in "lr":
            _pin_limb(joints, f"shoulder_{side}", f"elbow_{side}", f"wrist_{side}", f"hand_{side}", (f"hand_{side}",))
    anchor = np.zeros(3)
    if rig.contact == "hands" and rig.also_floor == "none":  # hanging: the feet clear the floor at the lowest point
        _hang_under_grip(joints, np.array([frame["body_swing"] for frame in angles]))
        lift = FLOOR_CLEARANCE - joints[:, [INDEX[n] for n in _FOOT_POINTS], 1].min()
        joints[:, :, 1] += lift
        anchor = np.array([0.0, lift, 0.0])
    elif rig.contact == "back":
        anchor = np.array([0.0, BACK_HEIGHT, 0.0])
    return PoseTrack(joints=joints, fps=fps, phase_times=phase_times(movement, frames, fps),
                     highlight=frozenset(_modified_angles(error)),
                     error_shown=error_shown,
                     bench="under-hands" if hands_at else rig.bench, anchor=anchor)


def _hang_under_grip(joints: np.ndarray, swing: np.ndarray) -> None:
    """Pitch each frame, in place, about the grip (at the origin) so the body's mass hangs straight
    below it, as a still-hanging body does; then by ``swing`` degrees (+: feet forward), the
    pendulum a kip adds, which joint angles alone cannot make."""
    mass = joints[:, [INDEX[n] for n in _TRUNK_AND_LEGS]].mean(axis=1)
    upright = np.degrees(np.arctan2(mass[:, 2], -mass[:, 1]))
    for frame, pitch in zip(joints, upright - swing, strict=True):
        frame[:] = frame @ rot_x(pitch).T


_TRUNK_AND_LEGS = ("pelvis", "lumbar", "thorax", "neck", "head", "hip_l", "hip_r", "knee_l", "knee_r")
"""Points whose mean stands in for the centre of mass of a hanging body."""
_FOOT_POINTS = ("heel_l", "toe_l", "heel_r", "toe_r")
_CONTACT_POINTS = {"feet": _FOOT_POINTS, "hands": ("hand_l", "hand_r"), "back": ("thorax",)}


def _pin_limb(joints: np.ndarray, root: str, middle: str, end: str, contact: str, carried: tuple[str, ...],
              on_floor: bool = False) -> None:
    """Two-bone IK, in place: move ``end`` (with the rigid ``carried`` points) so that ``contact`` stays
    at its first-frame position (on the floor, for feet), bending ``middle`` in the plane the angles
    put it in (a caving knee still caves). Bone lengths are kept exactly; an unreachable target
    straightens the limb."""
    r, m, e, c = INDEX[root], INDEX[middle], INDEX[end], INDEX[contact]
    target_contact = _floor_target(joints[0, c]) if on_floor else joints[0, c].copy()
    upper = float(np.linalg.norm(joints[0, m] - joints[0, r]))
    lower = float(np.linalg.norm(joints[0, e] - joints[0, m]))
    for frame in joints:
        shift = target_contact - frame[c]
        target = frame[e] + shift
        reach = target - frame[r]
        distance = float(np.clip(np.linalg.norm(reach), abs(upper - lower) + 1e-6, upper + lower - 1e-6))
        along = reach / np.linalg.norm(reach)
        pole = _perpendicular(frame[m] - frame[r], along)
        a = (upper**2 - lower**2 + distance**2) / (2 * distance)
        frame[m] = frame[r] + a * along + np.sqrt(max(upper**2 - a * a, 0.0)) * pole
        new_end = frame[m] + _unit(frame[r] + along * distance - frame[m]) * lower
        moved = new_end - frame[e]
        frame[e] = new_end
        for name in carried:
            frame[INDEX[name]] += moved


def _lower_until_reachable(joints: np.ndarray, sides: list[str]) -> None:
    """Sink the body, in place, in frames where a leg cannot reach its pinned foot (a split stance
    whose pelvis height came from the other foot); pinning afterwards is then exact."""
    legs = []
    for side in sides:
        hip, knee, ankle, toe = (INDEX[f"{n}_{side}"] for n in ("hip", "knee", "ankle", "toe"))
        reach = np.linalg.norm(joints[0, knee] - joints[0, hip]) + np.linalg.norm(joints[0, ankle] - joints[0, knee])
        legs.append((hip, ankle, toe, _floor_target(joints[0, toe]), reach - 1e-5))
    for frame in joints:
        for _ in range(20 if legs else 0):
            excess = max(np.linalg.norm(target + frame[ankle] - frame[toe] - frame[hip]) - reach
                         for hip, ankle, toe, target, reach in legs)
            if excess <= 0:
                break
            frame[:, 1] -= excess


def _floor_target(point: np.ndarray) -> np.ndarray:
    return np.array([point[0], 0.0, point[2]])


def _perpendicular(bend: np.ndarray, along: np.ndarray) -> np.ndarray:
    """The unit direction the middle joint bends towards: the limb's own bend, else (a straight limb)
    forward or sideways, always perpendicular to the limb so that bone lengths hold exactly."""
    for candidate in (bend, np.array([0.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0])):
        pole = candidate - np.dot(candidate, along) * along
        if np.linalg.norm(pole) > 1e-6:
            return pole / np.linalg.norm(pole)
    raise AssertionError("unreachable: two axes cannot both be parallel to one limb")


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


def _modified_angles(error: FormError | None) -> set[str]:
    """The one-sided angle names (``knee_flexion_l``, ``lumbar_flexion``) the error changes."""
    if error is None:
        return set()
    poses = [error.pose_modifier, *error.phase_pose.values(), *(p.pose for p in error.motion)]
    return {name for pose in poses for name, value in expand_sides(pose).items() if value}


def _place(angles: dict[str, float], rig, hands_at: float) -> np.ndarray:
    """World joints for one pose: orient by posture, then translate so the contact is where it belongs."""
    flat = rig.contact == "feet" or rig.also_floor == "feet"
    pitch = POSTURES[rig.posture]
    joints = _translate(forward_kinematics(angles, rot_x(pitch), flat_feet=flat), rig.contact, hands_at)
    if rig.also_floor == "none":
        return joints
    # pitch the body about its contact until the lowest foot point just touches the floor
    solved = _root(lambda p: _lowest_foot(angles, rig, p, flat, hands_at), pitch - 60.0, pitch + 60.0)
    return _translate(forward_kinematics(angles, rot_x(solved), flat_feet=flat), rig.contact, hands_at)


def _root(f, a: float, b: float, tolerance: float = 1e-7) -> float:
    """Where ``f`` crosses zero between ``a`` and ``b`` (the Illinois variant of regula falsi: a
    handful of evaluations for a smooth ``f``, where bisection needs two dozen); ``b`` when ``f``
    keeps one sign."""
    fa, fb = f(a), f(b)
    if (fa > 0) == (fb > 0):
        return b
    for _ in range(60):
        c = b - fb * (b - a) / (fb - fa)
        fc = f(c)
        if abs(fc) < tolerance or abs(b - a) < 1e-9:
            return c
        if (fc > 0) != (fb > 0):
            a, fa = b, fb
        else:
            fa /= 2
        b, fb = c, fc
    return b


def _lowest_foot(angles: dict[str, float], rig, pitch: float, flat: bool, hands_at: float) -> float:
    joints = _translate(forward_kinematics(angles, rot_x(pitch), flat_feet=flat), rig.contact, hands_at)
    return float(joints[[INDEX[n] for n in _FOOT_POINTS], 1].min())


def _translate(joints: np.ndarray, contact: str, hands_at: float = 0.0) -> np.ndarray:
    """Move the body so its contact is where it belongs; hands rest at ``hands_at`` (a bench top)."""
    points = joints[[INDEX[n] for n in _CONTACT_POINTS[contact]]]
    if contact == "feet":  # lowest foot point on the floor, the feet's centre at the origin
        offset = np.array([-points[:, 0].mean(), -points[:, 1].min(), -points[:, 2].mean()])
    elif contact == "back":
        offset = np.array([0.0, BACK_HEIGHT, 0.0]) - points.mean(axis=0)
    else:  # hands on a bar at the origin (pose_track lifts the clip afterwards), the floor or a bench
        offset = np.array([0.0, hands_at, 0.0]) - points.mean(axis=0)
    return joints + offset
