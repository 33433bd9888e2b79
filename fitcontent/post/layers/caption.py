"""``caption``: timed captions, each cue while its phase is on screen, or an error's correction while it shows."""

from __future__ import annotations

from typing import Literal

from fitcontent.post.captions import Event, cue_events, phase_events
from fitcontent.post.compose import TextSpec
from fitcontent.post.formats import Rect
from fitcontent.post.layers.base import Fraction, Frame, Strict


class Caption(Strict):
    """Timed captions: each cue while its phase is on screen, or an error's correction at its phases."""

    type: Literal["caption"] = "caption"
    source: Literal["cues", "corrections"] = "cues"
    size: Fraction = 0.045
    position: Literal["top", "bottom"] = "bottom"

    def events(self, times: list[tuple[float, str]], duration: float, cues: list[tuple[str, str]],
               correction: tuple[tuple[str, ...], str] | None, turns: dict[str, int]) -> list[Event]:
        """What the caption says when: the correction (phases, words) where the error shows, else the
        cues by phase, going on from the cues ``turns`` says were shown already."""
        if self.source == "corrections" and correction and correction[0]:
            return phase_events(times, duration, list(correction[0]), correction[1])
        return cue_events(times, duration, cues, turns)

    def spec(self, event: Event, frame: Frame, band: Rect) -> TextSpec:
        """The caption at the band's outer edge (its bottom for bottom captions), as wide as the band."""
        return frame.text(event.text, frame.px(self.size), band, background=frame.colors.caption_box,
                          anchor=f"{self.position}-center", start=event.start, end=event.end)

    def height(self, texts: list[str], frame: Frame) -> int:
        """The band height the tallest of ``texts`` needs, as drawn across the safe zone."""
        room = Rect(0, 0, frame.safe.w, frame.safe.h // 2)
        return max((frame.measure(self.spec(Event(0, 1, t), frame, room))[1] for t in texts), default=0)
