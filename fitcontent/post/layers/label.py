"""``label``: a tag on each panel, a drawn ✓ or ✗ and the form's name ("Correct", "Knees caving in")."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fitcontent.post.compose import TextSpec
from fitcontent.post.formats import Rect
from fitcontent.post.layers.base import Fraction, Frame, Strict


class Label(Strict):
    """A tag on each panel: a drawn ✓ or ✗ and the form's name ("Correct", "Knees caving in")."""

    type: Literal["label"] = "label"
    text: str = "{{ form }}"
    position: Literal["top", "bottom"] | None = Field(None, deprecated="the layout places labels itself")
    size: Fraction = 0.042
    mark: bool = True

    def spec(self, words: str, form: str, frame: Frame, room: Rect, anchor: str = "top-left") -> TextSpec:
        """The label inside ``room`` (at most two lines), at ``anchor``."""
        mark = "correct" if form == "correct" else "error"
        background = frame.colors.caption_box
        if self.mark:
            background = frame.colors.correct if mark == "correct" else frame.colors.error
        size = frame.px(self.size)
        return frame.text(words, size, Rect(room.x, room.y, room.w, min(room.h, size * 4)), background=background,
                          anchor=anchor, mark=mark if self.mark else None)

    def caption(self, words: str, form: str) -> str:
        """The label as a caption file says it."""
        return ("✓ " if form == "correct" else "✗ ") + words
