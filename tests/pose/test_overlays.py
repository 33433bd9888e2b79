"""Coaching overlays: drawn where the metric was measured, saying the number the catalog check measures."""

from __future__ import annotations

import numpy as np
import pytest

from fitcontent import api
from fitcontent.catalog.loader import Catalog
from fitcontent.fonts import default_font
from fitcontent.pose.metrics import METRICS, Mark
from fitcontent.pose.overlays import COLOURS, Overlay, draw_overlay, label_text, shot_overlay
from fitcontent.pose.skeleton import INDEX
from fitcontent.pose.stills import ShotMotion, motion_for
from fitcontent.settings import Settings

SIZE = (360, 240)
FRAMES, FPS = 49, 8


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return api.load_catalog(Settings())


def overlay_of(catalog: Catalog, exercise: str, form: str, angle: str) -> tuple[ShotMotion, Overlay]:
    motion = motion_for(catalog, exercise, None, form, angle, *SIZE, FRAMES, FPS)
    variation = catalog.movement(exercise).default_variation.id
    return motion, shot_overlay(catalog, exercise, variation, form, angle, motion, default_font().at)


def amber_near(image: np.ndarray, point: np.ndarray, reach: int = 6) -> bool:
    """Some pixel within ``reach`` of ``point`` is the first overlay colour."""
    x, y = np.round(point).astype(int)
    window = image[max(0, y - reach):y + reach + 1, max(0, x - reach):x + reach + 1].astype(int)
    return bool((np.abs(window - COLOURS[0]).max(axis=-1) <= 40).any())


def test_knee_valgus_from_the_front_is_drawn_at_the_knees_and_ankles(catalog: Catalog) -> None:
    motion, overlay = overlay_of(catalog, "squat", "knee-valgus", "front")
    frame = motion.frame_at("bottom")
    plain = motion.render(frame)
    drawn = overlay.draw(plain, frame)
    names = ("knee_l", "knee_r", "ankle_l", "ankle_r")
    points, _ = motion.camera.project(motion.track.joints[frame][[INDEX[n] for n in names]])
    for name, point in zip(names, points, strict=True):
        assert amber_near(drawn, point), f"no overlay at the {name}"
        assert not amber_near(plain, point, 12), "the mannequin itself has no overlay colour"
    assert drawn.shape == plain.shape and drawn.dtype == np.uint8


def _knee_ankle_ratio(joints: np.ndarray) -> float:
    """Knee separation over ankle separation across the body (x), read off the joints here."""
    x = {name: joints[INDEX[name], 0] for name in ("knee_l", "knee_r", "ankle_l", "ankle_r")}
    return abs(x["knee_l"] - x["knee_r"]) / abs(x["ankle_l"] - x["ankle_r"])


def test_the_label_says_the_measured_number(catalog: Catalog) -> None:
    motion, overlay = overlay_of(catalog, "squat", "knee-valgus", "front")
    [gauge] = overlay.gauges
    assert gauge.metric is METRICS["knee-ankle-ratio"]
    joints = motion.track.joints
    bottom = motion.track.frame_of("bottom")  # the signature's phase
    expected = _knee_ankle_ratio(joints[bottom])
    assert expected <= 0.75  # the knees caved in: what the squat's knee-valgus signature asks for
    reading = gauge.reading(joints, bottom)
    assert reading.value == pytest.approx(expected, abs=1e-9)
    assert label_text(gauge.metric, reading.value) == f"Knee/ankle {expected:.2f}"
    standing = _knee_ankle_ratio(joints[0])  # measured live, frame by frame
    assert gauge.reading(joints, 0).value == pytest.approx(standing, abs=1e-9)
    assert abs(standing - expected) > 0.1


@pytest.mark.parametrize(("exercise", "form", "side"), [("squat", "heels-lifting", None),
                                                        ("lunge", "front-heel-lifting", "l")])
def test_a_one_sided_metric_follows_the_side_the_catalog_check_picks(catalog: Catalog, exercise: str, form: str,
                                                                     side: str | None) -> None:
    """A signature that names no side reads the higher heel; the lunge's names the front (left) foot and
    keeps it, though the back heel rises higher in every lunge."""
    motion, overlay = overlay_of(catalog, exercise, form, "side")
    [gauge] = overlay.gauges
    joints = motion.track.joints[motion.track.frame_of("bottom")]
    heels = {s: float(joints[INDEX[f"heel_{s}"], 1]) for s in "lr"}  # the floor is y = 0
    if side is None:
        assert gauge.side in heels and heels[gauge.side] == max(heels.values())
    else:
        assert gauge.side == side and heels["r"] > heels["l"] + 0.05
    assert gauge.reading(motion.track.joints, motion.track.frame_of("bottom")).value == pytest.approx(
        heels[gauge.side], abs=1e-9)


def test_a_motion_metric_shows_the_clip_value_and_a_growing_trace(catalog: Catalog) -> None:
    motion, overlay = overlay_of(catalog, "pull-up", "kipping", "side")
    [gauge] = overlay.gauges
    assert gauge.metric is METRICS["swing"]
    joints = motion.track.joints
    hips = (joints[:, INDEX["hip_l"]] + joints[:, INDEX["hip_r"]]) / 2
    value = float(hips[:, 2].max() - hips[:, 2].min())  # fore-aft travel of the hips over the whole clip
    assert value >= 0.4  # the kipping signature's threshold: a real swing, not a still hang
    for frame in (0, 20, FRAMES - 1):
        reading = gauge.reading(joints, frame)
        assert reading.value == pytest.approx(value, abs=1e-9)
        assert label_text(gauge.metric, reading.value) == f"Swing {value * 100:.0f} cm"
        [trace] = [m for m in reading.marks if m.kind == "trace"]
        np.testing.assert_allclose(trace.points, hips[:frame + 1], atol=1e-9)


@pytest.mark.parametrize("angle", ["front", "side", "front-45"])
def test_a_correct_shot_measures_what_the_errors_of_its_camera_are_judged_by(catalog: Catalog, angle: str) -> None:
    _, overlay = overlay_of(catalog, "squat", "correct", angle)
    expected = list(dict.fromkeys(e.signature.metric for e in catalog.movement("squat").errors
                                  if e.signature and angle in e.angles))[:3]
    assert [g.metric.name for g in overlay.gauges] == expected
    assert expected  # every squat camera shows at least one error


def test_labels_stay_inside_the_frame_and_apart(catalog: Catalog) -> None:
    motion = motion_for(catalog, "squat", None, "correct", "front", *SIZE, FRAMES, FPS)
    image = motion.render(0)
    taken: list = []
    for _ in range(2):  # two labels for marks at the same place: the second moves clear of the first
        far = Mark("dot", np.array([[5.0, 0.0, 0.0]]))  # far off to the side: its label is kept in the frame
        image = draw_overlay(image, motion.camera, [far], "Knee/ankle 1.00", default_font().at, taken=taken)
    for left, top, right, bottom in taken:
        assert 0 <= left < right <= SIZE[0] and 0 <= top < bottom <= SIZE[1]
    (a, b) = taken
    assert a[3] <= b[1] or b[3] <= a[1]
