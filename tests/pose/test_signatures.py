"""Form signatures: every catalog error measures as that error and its correct form does not, the
preview colours exactly the limbs the error moves, and motion errors show their motion. What
``catalog validate`` prints of them: tests/catalog/test_validate_forms.py; the metrics themselves:
tests/pose/test_metrics.py."""

from __future__ import annotations

import numpy as np
import pytest

import fitcontent
from fitcontent.catalog.models import FormError, Movement, Variation
from fitcontent.pose import signatures
from fitcontent.pose.camera import Camera, frame_camera
from fitcontent.pose.metrics import METRICS
from fitcontent.pose.motion import PoseTrack, pose_track
from fitcontent.pose.render import LIMB_RADIUS, highlighted_bones
from fitcontent.pose.signatures import Row, check_forms
from fitcontent.pose.skeleton import HEIGHT, INDEX, SEGMENTS
from fitcontent.pose.stills import shot_motion

CATALOG = fitcontent.load_catalog()
FRAMES, FPS = CATALOG.settings.defaults.frames, CATALOG.settings.defaults.fps
STILL = (240, 160)
"""Highlight checks render a quarter-size preview: the colours do not depend on the size."""
TOLERANCE_PX = 1.5
"""How far past a limb's capsule a red pixel may lie: the dark outline (about 1 px at this size),
the supersampling box filter and the pixel grid."""

CASES = [(m, v, e, a) for m in CATALOG.movements.values() for v in m.variations for e in m.errors
         for a in e.angles]
CASE_IDS = [f"{m.id}-{v.id}-{e.id}-{a}" for m, v, e, a in CASES]
KEYS = ("movement", "variation", "error", "angle")


def _movement(movement_id: str) -> Movement:
    return CATALOG.movements[movement_id]


def _error(movement: Movement, error_id: str) -> FormError:
    return next(e for e in movement.errors if e.id == error_id)


_TRACKS: dict[tuple, PoseTrack] = {}
"""Pose tracks by (movement, variation, error or None, frames, fps): check_forms' own, reused."""


def _key(movement: Movement, variation: Variation, error: FormError | None, frames: int, fps: int) -> tuple:
    return movement.id, variation.id, error.id if error else None, frames, fps


def _track(movement: Movement, variation: Variation, error: FormError | None) -> PoseTrack:
    key = _key(movement, variation, error, FRAMES, FPS)
    if key not in _TRACKS:
        _TRACKS[key] = pose_track(movement, variation, error, FRAMES, FPS)
    return _TRACKS[key]


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    """``check_forms`` on the shipped catalog, once. Its pose tracks are recorded on the way (the
    real ``pose_track``, unchanged) so the still tests below do not compute them a second time."""
    real = signatures.pose_track

    def recording(movement, variation, error, frames, fps):
        track = real(movement, variation, error, frames, fps)
        _TRACKS[_key(movement, variation, error, frames, fps)] = track
        return track

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signatures, "pose_track", recording)
        rows, _ = check_forms(CATALOG)  # its problems: tests/catalog/test_validate_forms.py (validate --strict)
    return rows


# --- 1. every error x variation x listed angle: the signature separates it, and it shows ----------

def test_every_shipped_error_has_a_signature_with_a_known_metric() -> None:
    missing = [f"{m.id}/{e.id}" for m in CATALOG.movements.values() for e in m.errors if e.signature is None]
    assert not missing, f"errors without a signature: {missing}"
    unknown = [f"{m.id}/{e.id}: {e.signature.metric}" for m in CATALOG.movements.values() for e in m.errors
               if e.signature and e.signature.metric not in METRICS]
    assert not unknown


@pytest.mark.parametrize(KEYS, CASES, ids=CASE_IDS)
def test_signature_marks_the_error_and_not_the_correct_form_and_it_shows(
        rows: list[Row], movement: Movement, variation: Variation, error: FormError, angle: str) -> None:
    case = (movement.id, variation.id, error.id, angle)
    [row] = [r for r in rows if (r.movement, r.variation, r.error, r.angle) == case]  # one report row, not two
    signature = error.signature
    assert signature is not None
    limit = signature.threshold(variation.id)
    assert signature.met(row.value, variation.id), f"{row.metric} of the error is {row.value:.3f}, short of {limit}"
    assert not signature.met(row.correct, variation.id), \
        f"the correct form's {row.metric} {row.correct:.3f} also meets {limit}"
    assert row.visible, row.why_hidden


# --- 2. the preview colours the moved segments only ---------------------------------------------

def _clearly_red(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(int)
    return (rgb[..., 0] > 170) & (rgb[..., 1] < 110) & (rgb[..., 2] < 110)


def _red(image: np.ndarray) -> np.ndarray:
    """Clearly red pixels, as (x, y) pixel centres."""
    ys, xs = np.nonzero(_clearly_red(image))
    return np.stack([xs + 0.5, ys + 0.5], axis=1)


def _error_frame(track: PoseTrack, error: FormError) -> int:
    """The signature's phase frame; for a motion metric the frame where the error shows most."""
    signature = error.signature
    assert signature is not None
    if METRICS[signature.metric].motion:
        return int(np.argmax(track.error_shown))
    return track.frame_of(signature.phase or error.phases[0])


def _segment_distance(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    d = b - a
    t = np.clip(((points - a) @ d) / max(float(d @ d), 1e-12), 0.0, 1.0)
    return np.linalg.norm(points - (a + t[:, None] * d), axis=1)


def _generic(joint: str) -> str:
    return joint.removesuffix("_l").removesuffix("_r")


def _capsules(camera: Camera, joints: np.ndarray, bones) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """Each bone's projected segment and its drawn radius in pixels (the head's sphere with the neck-head bone)."""
    xy, depth = camera.project(joints)
    out = []
    for a, b in bones:
        i, j = INDEX[a], INDEX[b]
        radius = LIMB_RADIUS.get((_generic(a), _generic(b)), 0.04)
        out.append((xy[i], xy[j], camera.focal * radius / max(min(depth[i], depth[j]), 0.1)))
        if (a, b) == ("neck", "head"):
            h = INDEX["head"]
            out.append((xy[h], xy[h], camera.focal * SEGMENTS["head_radius"] * HEIGHT / max(depth[h], 0.1)))
    return out


def _beyond(points: np.ndarray, capsules) -> np.ndarray:
    """How far each point lies outside the nearest capsule, in pixels (negative: inside)."""
    return np.min([_segment_distance(points, a, b) - r for a, b, r in capsules], axis=0)


def _still(movement: Movement, variation: Variation, error: FormError | None, angle: str, frame: int,
           track: PoseTrack):
    motion = shot_motion(movement, variation, error, CATALOG.angles[angle], *STILL, FRAMES, FPS, track)
    return motion, motion.render(frame)


@pytest.mark.parametrize(KEYS, CASES, ids=CASE_IDS)
def test_red_highlight_lies_on_the_moved_segments_only(
        movement: Movement, variation: Variation, error: FormError, angle: str) -> None:
    track = _track(movement, variation, error)
    frame = _error_frame(track, error)
    bones = highlighted_bones(track.highlight)
    assert bones, f"{error.id} changes {sorted(track.highlight)} but no limb is coloured"
    sides = {name[-1] for name in track.highlight if name.endswith(("_l", "_r"))}
    for bone in bones:  # a one-sided error colours its own side only
        assert {j[-1] for j in bone if j.endswith(("_l", "_r"))} <= sides, bone
    motion, image = _still(movement, variation, error, angle, frame, track)
    red = _red(image)
    assert len(red) > 0, f"no red pixels at frame {frame} (error shown {track.error_shown[frame]:.2f})"
    beyond = _beyond(red, _capsules(motion.camera, track.joints[frame], bones))
    stray = red[beyond > TOLERANCE_PX]
    assert len(stray) == 0, (f"{len(stray)} of {len(red)} red pixels lie off the moved segments "
                             f"{sorted(bones)}, up to {beyond.max():.1f} px past them, e.g. at {stray[:3].tolist()}")
    correct = _track(movement, variation, None)
    _, plain = _still(movement, variation, None, angle, frame, correct)
    assert len(_red(plain)) == 0, "the correct form has red pixels"


def _leg_segments(camera: Camera, joints: np.ndarray, side: str) -> list[tuple[np.ndarray, np.ndarray, float]]:
    return _capsules(camera, joints, [(f"hip_{side}", f"knee_{side}"), (f"knee_{side}", f"ankle_{side}")])


def _centreline(capsules, count: int = 40) -> np.ndarray:
    """Points along the projected segments, inside the image."""
    t = np.linspace(0, 1, count)[:, None]
    points = np.concatenate([a + t * (b - a) for a, b, _ in capsules])
    return points[(points >= 0).all(axis=1) & (points < STILL).all(axis=1)]


def _is_red(image: np.ndarray, points: np.ndarray) -> np.ndarray:
    return _clearly_red(image[points[:, 1].astype(int), points[:, 0].astype(int)])


LUNGE = _movement("lunge")
def _bottom_still(movement: Movement, variation: Variation, error: FormError, angle: str):
    """(motion, image, red pixels, joints) of the error's still at the bottom; it must show red."""
    track = _track(movement, variation, error)
    frame = track.frame_of("bottom")
    motion, image = _still(movement, variation, error, angle, frame, track)
    red = _red(image)
    assert len(red) > 50
    return motion, image, red, track.joints[frame]


LUNGE_VALGUS = [(v, a) for v in LUNGE.variations for a in _error(LUNGE, "knee-valgus").angles]


@pytest.mark.parametrize(("variation", "angle"), LUNGE_VALGUS, ids=[f"{v.id}-{a}" for v, a in LUNGE_VALGUS])
def test_lunge_knee_valgus_colours_only_the_left_thigh_and_shank(variation: Variation, angle: str) -> None:
    error = _error(LUNGE, "knee-valgus")
    assert error.pose_modifier and all(k.endswith("_l") for k in error.pose_modifier)  # the left hip only
    motion, image, red, joints = _bottom_still(LUNGE, variation, error, angle)
    left = _beyond(red, _leg_segments(motion.camera, joints, "l"))
    assert left.max() <= TOLERANCE_PX, f"red {left.max():.1f} px off the left leg"
    # the back (right) leg's own pixels, where the front leg does not cover it, stay unlit
    samples = _centreline(_leg_segments(motion.camera, joints, "r"))
    samples = samples[_beyond(samples, _leg_segments(motion.camera, joints, "l")) > TOLERANCE_PX + 1]
    assert len(samples) >= 10, "the right leg is hidden: nothing to check"
    lit = _is_red(image, samples)
    assert not lit.any(), f"{lit.sum()} of {len(samples)} points on the right leg are red"


SQUAT = _movement("squat")
SQUAT_HEELS = [(v, a) for v in SQUAT.variations for a in _error(SQUAT, "heels-lifting").angles]


@pytest.mark.parametrize(("variation", "angle"), SQUAT_HEELS, ids=[f"{v.id}-{a}" for v, a in SQUAT_HEELS])
def test_squat_heels_lifting_colours_only_the_feet(variation: Variation, angle: str) -> None:
    motion, _, red, joints = _bottom_still(SQUAT, variation, _error(SQUAT, "heels-lifting"), angle)
    feet = [(f"{a}_{s}", f"{b}_{s}") for s in "lr" for a, b in (("ankle", "heel"), ("heel", "toe"), ("ankle", "toe"))]
    off = _beyond(red, _capsules(motion.camera, joints, feet))
    assert off.max() <= TOLERANCE_PX, f"red {off.max():.1f} px off the feet"
    xy, _ = motion.camera.project(joints)
    upper = _capsules(motion.camera, joints, [(f"hip_{s}", f"knee_{s}") for s in "lr"])
    thigh_px = max(r for _, _, r in upper)
    for joint in ("knee_l", "knee_r", "hip_l", "hip_r"):
        nearest = np.linalg.norm(red - xy[INDEX[joint]], axis=1).min()
        assert nearest > thigh_px + TOLERANCE_PX, f"red pixel {nearest:.1f} px from {joint}"


# --- 3. motion errors show their motion, against the correct form --------------------------------

def _mean_of(joints: np.ndarray, a: str, b: str) -> np.ndarray:
    return (joints[:, INDEX[a]] + joints[:, INDEX[b]]) / 2


def _keyframes(track: PoseTrack, phase: str) -> list[int]:
    return [round(s * track.fps) for s, p in track.phase_times if p == phase]


PULL_UP = _movement("pull-up")


@pytest.mark.parametrize("variation", PULL_UP.variations, ids=lambda v: v.id)
def test_kipping_swings_the_hips_fore_and_aft(variation: Variation) -> None:
    kip = _mean_of(_track(PULL_UP, variation, _error(PULL_UP, "kipping")).joints, "hip_l", "hip_r")
    strict = _mean_of(_track(PULL_UP, variation, None).joints, "hip_l", "hip_r")
    swing, still = float(np.ptp(kip[:, 2])), float(np.ptp(strict[:, 2]))
    assert swing >= 0.25, f"kipping hips travel {swing:.3f} m fore-aft"
    assert swing >= 5 * still, f"kipping {swing:.3f} m against the strict pull-up's {still:.3f} m"


BENCH = _movement("bench-press")


@pytest.mark.parametrize("variation", BENCH.variations, ids=lambda v: v.id)
def test_bouncing_bar_rises_while_the_correct_press_pauses_and_faster(variation: Variation) -> None:
    bounce = _track(BENCH, variation, _error(BENCH, "bouncing-bar"))
    correct = _track(BENCH, variation, None)
    start, stop = _keyframes(correct, "chest")[:2]  # the pause at the chest
    assert stop > start + 1
    bar = _mean_of(bounce.joints, "hand_l", "hand_r")[:, 1]
    paused = _mean_of(correct.joints, "hand_l", "hand_r")[:, 1]
    assert np.ptp(paused[start:stop + 1]) < 0.01, "the correct press does not pause at the chest"
    assert bar[stop] - bar[start] > 0.1, f"the bounced bar rises {bar[stop] - bar[start]:.3f} m during the pause"
    early = np.diff(bar[start:stop + 1]).max() * bounce.fps
    fastest = np.diff(paused).max() * correct.fps
    assert early > fastest, f"bounce {early:.2f} m/s, the correct form's fastest press {fastest:.2f} m/s"


DEADLIFT = _movement("deadlift")


def _rises(track: PoseTrack) -> tuple[float, float]:
    """Hip and shoulder rise over the first 40 % of the first ascent (bottom to top keyframe)."""
    start, top = _keyframes(track, "bottom")[0], _keyframes(track, "top")[0]
    early = start + max(1, round((top - start) * 0.4))
    hips = _mean_of(track.joints, "hip_l", "hip_r")[:, 1]
    shoulders = _mean_of(track.joints, "shoulder_l", "shoulder_r")[:, 1]
    return float(hips[early] - hips[start]), float(shoulders[early] - shoulders[start])


@pytest.mark.parametrize("variation", DEADLIFT.variations, ids=lambda v: v.id)
def test_hips_shooting_up_rise_before_the_shoulders(variation: Variation) -> None:
    hips, shoulders = _rises(_track(DEADLIFT, variation, _error(DEADLIFT, "hips-shooting-up")))
    assert hips > 0.02 and hips > 1.2 * shoulders, f"hips rise {hips:.3f} m, shoulders {shoulders:.3f} m"
    hips, shoulders = _rises(_track(DEADLIFT, variation, None))
    assert 0 < hips < shoulders, f"correct form: hips rise {hips:.3f} m, shoulders {shoulders:.3f} m"


# --- 4. squat knee valgus through the front camera ----------------------------------------------

def _front_knee_ankle_ratio(track: PoseTrack) -> float:
    bottom = track.joints[track.frame_of("bottom")]
    camera = frame_camera(CATALOG.angles["front"], track.joints.reshape(-1, 3), 720, 480)
    xy, _ = camera.project(np.stack([bottom[INDEX[n]] for n in ("knee_l", "knee_r", "ankle_l", "ankle_r")]))
    return float(abs(xy[0, 0] - xy[1, 0]) / abs(xy[2, 0] - xy[3, 0]))


@pytest.mark.parametrize("variation", SQUAT.variations, ids=lambda v: v.id)
def test_squat_knee_valgus_narrows_the_knees_in_the_front_view(variation: Variation) -> None:
    valgus = _front_knee_ankle_ratio(_track(SQUAT, variation, _error(SQUAT, "knee-valgus")))
    correct = _front_knee_ankle_ratio(_track(SQUAT, variation, None))
    assert valgus <= 0.75, f"knee-valgus knee/ankle ratio {valgus:.3f}"
    assert correct >= 1.0, f"correct form knee/ankle ratio {correct:.3f}"
