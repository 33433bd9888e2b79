"""Form signatures: every catalog error measures as that error and its correct form does not, the
preview colours exactly the limbs the error moves, motion errors show their motion, and a weakened
catalog fails ``catalog validate`` in one line that points at the signature."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import fitcontent
from fitcontent.catalog.loader import load_catalog
from fitcontent.catalog.models import FormError, Movement, Variation
from fitcontent.pose import signatures
from fitcontent.pose.camera import Camera, frame_camera
from fitcontent.pose.metrics import METRICS
from fitcontent.pose.motion import PoseTrack, pose_track
from fitcontent.pose.render import LIMB_RADIUS, highlighted_bones
from fitcontent.pose.signatures import Row, check_forms, measure
from fitcontent.pose.skeleton import HEIGHT, INDEX, SEGMENTS
from fitcontent.pose.stills import shot_motion
from tests.conftest import REPO
from tests.test_cli import run

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


@dataclass(frozen=True)
class Forms:
    rows: list[Row]
    problems: list
    by_case: dict[tuple[str, str, str, str], Row]


@pytest.fixture(scope="module")
def forms() -> Forms:
    """``check_forms`` on the shipped catalog, once. Its pose tracks are recorded on the way (the
    real ``pose_track``, unchanged) so the still tests below do not compute them a second time."""
    real = signatures.pose_track

    def recording(movement, variation, error, frames, fps):
        track = real(movement, variation, error, frames, fps)
        _TRACKS[_key(movement, variation, error, frames, fps)] = track
        return track

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signatures, "pose_track", recording)
        rows, problems = check_forms(CATALOG)
    return Forms(rows, problems, {(r.movement, r.variation, r.error, r.angle): r for r in rows})


# --- 1. every error x variation x listed angle: the signature separates it, and it shows ----------

def test_every_shipped_error_has_a_signature_with_a_known_metric() -> None:
    missing = [f"{m.id}/{e.id}" for m in CATALOG.movements.values() for e in m.errors if e.signature is None]
    assert not missing, f"errors without a signature: {missing}"
    unknown = [f"{m.id}/{e.id}: {e.signature.metric}" for m in CATALOG.movements.values() for e in m.errors
               if e.signature and e.signature.metric not in METRICS]
    assert not unknown


def test_check_forms_finds_no_problem_and_reports_every_error_variation_and_angle(forms: Forms) -> None:
    assert [str(p) for p in forms.problems] == []
    assert len(forms.rows) == len(CASES)  # one row per error x variation x listed angle, none twice
    assert set(forms.by_case) == {(m.id, v.id, e.id, a) for m, v, e, a in CASES}


@pytest.mark.parametrize(KEYS, CASES, ids=CASE_IDS)
def test_signature_marks_the_error_and_not_the_correct_form_and_it_shows(
        forms: Forms, movement: Movement, variation: Variation, error: FormError, angle: str) -> None:
    row = forms.by_case[(movement.id, variation.id, error.id, angle)]
    signature = error.signature
    assert signature is not None
    assert row.metric == signature.metric
    limit = signature.threshold(variation.id)
    assert signature.met(row.value, variation.id), f"{row.metric} of the error is {row.value:.3f}, short of {limit}"
    assert not signature.met(row.correct, variation.id), \
        f"the correct form's {row.metric} {row.correct:.3f} also meets {limit}"
    assert row.passes
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
LUNGE_VALGUS = [(v, a) for v in LUNGE.variations for a in _error(LUNGE, "knee-valgus").angles]


@pytest.mark.parametrize(("variation", "angle"), LUNGE_VALGUS, ids=[f"{v.id}-{a}" for v, a in LUNGE_VALGUS])
def test_lunge_knee_valgus_colours_only_the_left_thigh_and_shank(variation: Variation, angle: str) -> None:
    error = _error(LUNGE, "knee-valgus")
    assert error.pose_modifier and all(k.endswith("_l") for k in error.pose_modifier)  # the left hip only
    track = _track(LUNGE, variation, error)
    frame = track.frame_of("bottom")
    motion, image = _still(LUNGE, variation, error, angle, frame, track)
    red = _red(image)
    assert len(red) > 50
    joints = track.joints[frame]
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
    error = _error(SQUAT, "heels-lifting")
    track = _track(SQUAT, variation, error)
    frame = track.frame_of("bottom")
    motion, image = _still(SQUAT, variation, error, angle, frame, track)
    red = _red(image)
    assert len(red) > 50
    joints = track.joints[frame]
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


# --- 5-7. catalog validate ------------------------------------------------------------------------

def _squat_copy(tmp_path: Path, edit) -> tuple[Path, list[str]]:
    """The catalog copied to ``tmp_path`` with squat knee-valgus's block edited; the other movements
    are left out so that validate measures one movement, not eight (a few seconds, not twenty)."""
    catalog = tmp_path / "cat"
    shutil.copytree(REPO / "catalog", catalog)
    for path in catalog.glob("*.yaml"):
        if path.stem not in ("squat", "angles", "settings", "vocabulary"):
            path.unlink()
    squat = catalog / "squat.yaml"
    lines = squat.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*- id: knee-valgus\s*$", line))
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*- id: ", lines[i])), len(lines))
    block = edit("".join(lines[start:end]))
    squat.write_text("".join(lines[:start]) + block + "".join(lines[end:]), encoding="utf-8")
    return catalog, squat.read_text(encoding="utf-8").splitlines()


def _signature_line(lines: list[str]) -> int:
    start = next(i for i, line in enumerate(lines) if re.match(r"\s*- id: knee-valgus\s*$", line))
    return next(i for i in range(start, len(lines)) if "signature:" in lines[i]) + 1


def _measured(catalog: Path) -> list[tuple[Variation, float, float]]:
    """Squat knee-valgus's signature value in each variation of the edited copy, and the correct form's."""
    squat = load_catalog(catalog).movements["squat"]
    error = _error(squat, "knee-valgus")
    assert error.signature is not None
    phase = error.signature.phase or error.phases[0]
    out = []
    for variation in squat.variations:
        correct = pose_track(squat, variation, None, FRAMES, FPS)
        track = pose_track(squat, variation, error, FRAMES, FPS)
        out.append((variation, measure(error.signature, phase, track, correct).value,
                    measure(error.signature, phase, correct, correct).value))
    return out


KNEE_VALGUS = next(i for i, e in enumerate(SQUAT.errors) if e.id == "knee-valgus")
RATIO = METRICS["knee-ankle-ratio"].format


def test_a_weakened_error_fails_validate_in_one_line_at_its_signature(tmp_path: Path) -> None:
    catalog, lines = _squat_copy(tmp_path, lambda block: re.sub(
        r"pose_modifier: \{[^}]*\}", "pose_modifier: {hip_rotation: -2}", block, count=1))
    assert "pose_modifier: {hip_rotation: -2}" in "\n".join(lines)
    weak = [(v, value) for v, value, _ in _measured(catalog) if value > 0.75]
    assert weak, "the weakened modifier still reaches the threshold: the test's edit did not weaken it"
    result = run("catalog", "validate", "--catalog", str(catalog))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    prefix = f"{catalog / 'squat.yaml'}:{_signature_line(lines)}: errors[{KNEE_VALGUS}].signature:"
    flagged = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    for variation, value in weak:
        mine = [line for line in flagged if f"knee-valgus ({variation.id})" in line]
        assert len(mine) == 1, (variation.id, result.stderr)
        assert "knee-ankle-ratio" in mine[0] and RATIO(value) in mine[0] and "0.75" in mine[0], mine[0]


def test_a_threshold_the_correct_form_meets_fails_validate_with_both_numbers(tmp_path: Path) -> None:
    catalog, lines = _squat_copy(tmp_path, lambda block: block.replace("at_most: 0.75", "at_most: 1.5", 1))
    assert "at_most: 1.5" in "\n".join(lines)
    result = run("catalog", "validate", "--catalog", str(catalog))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    prefix = f"{catalog / 'squat.yaml'}:{_signature_line(lines)}: errors[{KNEE_VALGUS}].signature:"
    flagged = [line for line in result.stderr.splitlines() if line.startswith(prefix)]
    for variation, _, correct in _measured(catalog):
        assert correct <= 1.5
        mine = [line for line in flagged if f"knee-valgus ({variation.id})" in line and "correct form also" in line]
        assert len(mine) == 1, (variation.id, result.stderr)
        assert RATIO(correct) in mine[0] and "1.50" in mine[0], mine[0]


@pytest.fixture(scope="module")
def shipped_validate() -> subprocess.CompletedProcess[str]:
    """``catalog validate --strict --report`` on the shipped catalog, run once for both tests below."""
    return run("catalog", "validate", "--strict", "--report")


def test_validate_report_prints_the_signature_table(shipped_validate) -> None:
    lines = shipped_validate.stdout.splitlines()
    header = next((line for line in lines if "movement" in line), "")
    for word in ("movement", "variation", "error", "angle", "metric", "value", "threshold", "visible"):
        assert word in header.split() or word in re.split(r"[\s│┃|]+", header), (word, header)
    cells = [[c.strip() for c in re.split(r"[│┃|]", line)[1:-1]] for line in lines]
    squat = [c for c in cells if c[:4] == ["squat", "bodyweight", "knee-valgus", "front"]]
    assert len(squat) == 1, shipped_validate.stdout[:2000]
    row = squat[0]
    assert row[4] == "knee-ankle-ratio" and row[7].startswith("≤ 0.75") and row[8] == "yes", row
    assert "FAIL" not in row[7]


def test_validate_strict_passes_on_the_shipped_catalog(shipped_validate) -> None:
    assert shipped_validate.returncode == 0, shipped_validate.stderr
    assert "Traceback" not in shipped_validate.stderr
    assert shipped_validate.stdout.rstrip().endswith("movements OK")
