"""The error grid and the lesson show each error from the first camera its catalog entry lists."""

from __future__ import annotations

from tests.post.conftest import clip_entry

ANGLES = ("front", "front-45", "side", "back", "low-angle")


def test_each_error_is_shown_from_the_first_camera_it_lists(make_planner, catalog) -> None:
    squat = catalog.movement("squat")
    clips = [clip_entry(a) for a in ANGLES]  # every error from every camera (--error-angles requested)
    clips += [clip_entry(a, e.id) for e in squat.errors for a in ANGLES]
    renders = {r.spec.kind: r for r in make_planner().plan(clips, ["error-grid", "lesson"])}
    expected = [f"squat.bodyweight.{e.angles[0]}.{e.id}" for e in squat.errors]
    grid = renders["error-grid"].info.inputs
    assert sorted(expected) == sorted(i for i in grid if not i.endswith(".correct"))
    lesson = {i for i in renders["lesson"].info.inputs if not i.endswith(".correct")}
    assert lesson == set(expected)
