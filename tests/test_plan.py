"""Planning: request -> shots, with the counts, order, seeds and frame counts users rely on."""

from __future__ import annotations

import json

import pytest

import fitcontent
from fitcontent.errors import RequestError


@pytest.fixture(scope="module")
def squat():
    return fitcontent.load_catalog().movements["squat"]


def _plan(**request) -> fitcontent.Plan:
    return fitcontent.plan(fitcontent.make_request(**request))


def test_all_angles_shoots_correct_form_everywhere_and_errors_where_they_show(squat) -> None:
    shots = _plan(exercises=["squat"], angles="all").shots
    correct = [s for s in shots if s.form == "correct"]
    assert [s.angle for s in correct] == ["front", "front-45", "side", "back", "low-angle"]
    assert len(shots) == 5 + sum(len(e.angles) for e in squat.errors)
    for error in squat.errors:
        assert sorted(s.angle for s in shots if s.form == error.id) == sorted(error.angles)
    assert {s.variation for s in shots} == {"bodyweight"}  # the first variation is the default


def test_requested_error_angles_give_the_full_cross_product(squat) -> None:
    shots = _plan(exercises="squat", angles="all", error_angles="requested").shots
    assert len(shots) == 5 * (1 + len(squat.errors)) == 25
    assert len({s.id for s in shots}) == 25


def test_variations_multiply_and_keep_catalog_order(squat) -> None:
    shots = _plan(exercises="squat", angles="front,side", variations="all", errors="none").shots
    assert [s.id for s in shots][:4] == [
        "squat.bodyweight.front.correct", "squat.bodyweight.side.correct",
        "squat.goblet.front.correct", "squat.goblet.side.correct",
    ]
    assert len(shots) == 2 * len(squat.variations)


def test_named_errors_and_default_angles() -> None:
    shots = _plan(exercises="squat", errors="knee-valgus").shots
    # catalog default angles are front and side; knee valgus shows from the front only of those
    assert [s.id for s in shots] == [
        "squat.bodyweight.front.correct", "squat.bodyweight.front.knee-valgus", "squat.bodyweight.side.correct",
    ]


def test_seed_is_shared_by_the_forms_of_one_camera_and_stable() -> None:
    shots = _plan(exercises="squat", angles="all", error_angles="requested").shots
    by_angle: dict[str, set[int]] = {}
    for shot in shots:
        by_angle.setdefault(shot.angle, set()).add(shot.seed)
    assert all(len(seeds) == 1 for seeds in by_angle.values())
    assert len({next(iter(s)) for s in by_angle.values()}) == 5
    assert [s.seed for s in _plan(exercises="squat", angles="all", error_angles="requested").shots] == [
        s.seed for s in shots]
    assert {s.seed for s in _plan(exercises="squat", seed=7).shots} == {7}


def test_size_frames_and_fps_defaults_and_overrides() -> None:
    default = _plan(exercises="squat", errors="none").shots[0]
    assert (default.width, default.height, default.frames, default.fps) == (720, 480, 49, 8)
    custom = _plan(exercises="squat", errors="none", width=1360, height=768, fps=16, seconds=5).shots[0]
    assert (custom.width, custom.height, custom.frames, custom.fps) == (1360, 768, 81, 16)
    assert _plan(exercises="squat", errors="none", frames=17).shots[0].frames == 17
    native = _plan(exercises="squat", errors="none", fps=30).shots[0]  # another fps keeps the 6 s
    assert (native.frames, native.fps) == (181, 30)


@pytest.mark.parametrize(
    ("request_fields", "message"),
    [
        ({"exercises": "sqaut"}, "unknown exercise 'sqaut'; did you mean 'squat'?"),
        ({"exercises": "squat", "angles": "frnt"}, "unknown angle 'frnt'; did you mean 'front'"),
        ({"exercises": "squat", "variations": "gobelt"}, "unknown squat variation 'gobelt'; did you mean 'goblet'?"),
        ({"exercises": "squat", "errors": "knee-valgas"}, "unknown squat error 'knee-valgas'"),
        ({"exercises": "squat", "angles": "none"}, "--angles none would select no shots"),
        ({"exercises": "squat", "environment": "beach"}, "unknown environment 'beach'"),
        ({"exercises": "squat", "frames": 17, "seconds": 2}, "give frames or seconds, not both"),
        ({"exercises": "squat", "width": 700}, "width: input should be a multiple of 16 (got 700; nearest 704)"),
        ({"exercises": "squat", "bogus": 1}, "bogus: extra inputs are not permitted"),
    ],
)
def test_bad_requests_say_what_is_allowed(request_fields, message) -> None:
    with pytest.raises(RequestError) as caught:
        _plan(**request_fields)
    assert message in str(caught.value)


def test_all_exercises_in_catalog_order() -> None:
    catalog = fitcontent.load_catalog()
    shots = _plan(exercises="all", errors="none").shots
    assert list(dict.fromkeys(s.exercise for s in shots)) == list(catalog.movements)


def test_plan_json_round_trips() -> None:
    plan = _plan(exercises="squat", angles="all")
    document = json.loads(plan.model_dump_json())
    assert len(document["shots"]) == len(plan.shots)
    assert fitcontent.Plan.model_validate(document) == plan
