"""Each render's poster is its most telling moment: where the error shows, or the lesson's title card."""

from __future__ import annotations

from fitcontent.artifacts import ClipArtifact
from fitcontent.pose.motion import phase_times
from fitcontent.post.layers import TitleCard
from tests.post.conftest import clip_entry


def _deadlift(angle: str, form: str = "correct") -> ClipArtifact:
    """A deadlift clip entry: its lockout error shows at the top, away from the key phase (the bottom)."""
    return clip_entry(angle, form, variation="conventional", exercise="deadlift")


def test_a_comparison_poster_shows_the_error_and_a_lesson_poster_its_title(make_planner, catalog) -> None:
    deadlift = catalog.movement("deadlift")
    lockout = next(e for e in deadlift.errors if e.id == "hyperextended-lockout")
    assert lockout.phases[0] != deadlift.key_phase  # else this test could not tell the two moments apart
    planner = make_planner()
    renders = {r.spec.kind: r for r in planner.plan([_deadlift("side"), _deadlift("side", lockout.id)],
                                                    ["demo", "comparison", "lesson"])}
    times = phase_times(deadlift, 49, 8)
    assert renders["comparison"].poster_time == next(t for t, p in times if p == lockout.phases[0])
    assert renders["demo"].poster_time == next(t for t, p in times if p == deadlift.key_phase)
    title = next(layer for layer in planner.layouts["lesson"].layers if isinstance(layer, TitleCard))
    assert 0 < renders["lesson"].poster_time < title.seconds
