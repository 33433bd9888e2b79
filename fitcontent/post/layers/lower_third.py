"""``lower_third``: a name strip (exercise, then variation and camera) for part of the video, bottom left."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fitcontent.post.compose import TextSpec
from fitcontent.post.formats import Rect
from fitcontent.post.layers.base import Fraction, Frame, Strict


class LowerThird(Strict):
    """Name strip near the bottom left for part of the video."""

    type: Literal["lower_third"] = "lower_third"
    title: str = "{{ exercise }}"
    subtitle: str = "{{ variation }}"
    start: float = Field(default=0.3, ge=0)
    seconds: float = Field(default=3.0, gt=0)
    size: Fraction = 0.05

    def specs(self, title: str, subtitle: str, frame: Frame, x: int, y: int, duration: float) -> list[TextSpec]:
        """Title over subtitle from (x, y), each at most two thirds of the safe zone wide, on opaque boxes
        (the strip may lie across a picture's edge, where a see-through box would show half grey)."""
        size = frame.px(self.size)
        end = min(duration, self.start + self.seconds)
        width = frame.safe.w * 2 // 3
        top = frame.text(title, size, Rect(x, y, width, size * 3), background=frame.colors.accent,
                         anchor="top-left", start=self.start, end=end)
        below = y + frame.measure(top)[1]
        sub = frame.text(subtitle, max(frame.min_text, round(size * 0.75)), Rect(x, below, width, size * 3),
                         background=frame.colors.caption_box[:7], anchor="top-left", start=self.start, end=end)
        return [top, sub]

    def size_of(self, title: str, subtitle: str, frame: Frame) -> tuple[int, int]:
        """(w, h) of the drawn title and subtitle together."""
        drawn = [frame.measure(s) for s in self.specs(title, subtitle, frame, 0, 0, 1.0)]
        return max(w for w, _ in drawn), sum(h for _, h in drawn)
