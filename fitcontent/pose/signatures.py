"""Measure every catalog error against its declared signature, in every variation, and check that
it shows from every camera it lists: what ``fitcontent catalog validate`` runs on the pose engine."""

from __future__ import annotations

from dataclasses import dataclass, replace

from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.models import FormError, Movement, Signature, Variation
from fitcontent.errors import Problem
from fitcontent.pose.metrics import METRICS, Reading, Window
from fitcontent.pose.motion import PoseTrack, pose_track
from fitcontent.pose.stills import reframed, shot_motion
from fitcontent.pose.visibility import visibility

CHECK_SIZE = (360, 240)
"""Visibility is measured on a half-size preview: coverage and change are fractions, so size-free."""


@dataclass(frozen=True)
class Row:
    """One line of ``catalog validate --report``: an error in one variation from one listed camera."""

    movement: str
    variation: str
    error: str
    angle: str
    metric: str
    value: float
    correct: float
    threshold: str
    passes: bool  # the error reaches the threshold and the correct form does not
    visible: bool
    why_hidden: str


def window_frames(track: PoseTrack, phase: str) -> tuple[int, int]:
    """From ``phase``'s first keyframe to the next keyframe, both included (at least two frames):
    where a motion metric looks."""
    start = min(track.frame_of(phase), track.frames - 2)
    later = [round(s * track.fps) for s, _ in track.phase_times if round(s * track.fps) > start]
    return start, min(later[0] if later else track.frames - 1, track.frames - 1)


def measure(signature: Signature, phase: str, track: PoseTrack, correct: PoseTrack) -> Reading:
    """The signature's metric on ``track`` (the most error-ward side when it names none)."""
    metric = METRICS[signature.metric]
    if metric.motion:
        start, stop = window_frames(track, phase)
        return metric.measure(Window(track.joints, correct.joints, start, stop))
    joints = track.joints[track.frame_of(phase)]
    if not metric.sided:
        return metric.measure(joints, None)
    readings = [replace(metric.measure(joints, side), side=side)
                for side in ([signature.side] if signature.side else "lr")]
    pick = max if signature.at_least is not None else min
    return pick(readings, key=lambda r: r.value)


def threshold_text(signature: Signature, variation: str) -> str:
    unit = METRICS[signature.metric]
    return f"{'≥' if signature.at_least is not None else '≤'} {unit.format(signature.threshold(variation))}"


def check_forms(catalog: Catalog) -> tuple[list[Row], list[Problem]]:
    """Every error x variation x listed angle: the report rows and the problems to raise."""
    rows: list[Row] = []
    problems: list[Problem] = []
    defaults = catalog.settings.defaults
    correct: dict[tuple[str, str], PoseTrack] = {}  # each variation's correct form, shared by its errors
    for movement in catalog.movements.values():
        source = catalog.sources[movement.id]
        for e, error in enumerate(movement.errors):
            if error.signature is None:
                problems.append(source.problem(("errors", e), f"{error.id}: no signature: nothing checks that the "
                                               "preview shows this error (see README, Form signatures)", True))
                continue
            for variation in movement.variations:
                key = (movement.id, variation.id)
                if key not in correct:
                    correct[key] = pose_track(movement, variation, None, defaults.frames, defaults.fps)
                new_rows, found = _check_error(catalog, movement, variation, e, error, correct[key])
                rows += new_rows
                problems += [source.problem(loc, message) for loc, message in found]
    unique = {str(p): p for p in problems}
    return rows, list(unique.values())


def _check_error(catalog: Catalog, movement: Movement, variation: Variation, e: int, error: FormError,
                 correct: PoseTrack) -> tuple[list[Row], list[tuple[tuple, str]]]:
    signature = error.signature
    assert signature is not None
    metric = METRICS[signature.metric]
    phase = signature.phase or error.phases[0]
    track = pose_track(movement, variation, error, correct.frames, correct.fps)
    value = measure(signature, phase, track, correct).value
    reference = measure(signature, phase, correct, correct).value
    name = f"{error.id} ({variation.id})"
    found: list[tuple[tuple, str]] = []
    where = ("errors", e, "signature")
    limit = threshold_text(signature, variation.id)
    numbers = f"{metric.format(value)} (correct form {metric.format(reference)})"
    if not signature.met(value, variation.id):
        found.append((where, f"{name}: {signature.metric} is {numbers}, short of {limit}; "
                             "strengthen pose_modifier or motion"))
    if signature.met(reference, variation.id):
        found.append((where, f"{name}: {signature.metric} is {numbers}: the correct form also meets {limit}"))
    signature_fails = bool(found)
    if metric.motion:
        start, stop = window_frames(track, phase)
        check_frames = list(range(start, stop + 1)) if stop > start else list(range(track.frames))
    else:
        check_frames = [track.frame_of(phase)]
    rows = []
    shot = shot_motion(movement, variation, error, catalog.angles[error.angles[0]], *CHECK_SIZE, track.frames,
                       track.fps, track)  # the props once; each angle only frames its camera
    for a, angle_id in enumerate(error.angles):
        angle = catalog.angles[angle_id]
        motion = reframed(shot, angle, *CHECK_SIZE)
        seen = visibility(motion, correct.joints, check_frames, metric.view, angle.yaw_deg)
        if not seen.visible:
            found.append((("errors", e, "angles", a), f"{name} is not visible from {angle_id!r}: {seen.reason()}"))
        rows.append(Row(movement.id, variation.id, error.id, angle_id, signature.metric, value, reference, limit,
                        not signature_fails, seen.visible, seen.reason()))
    return rows, found
