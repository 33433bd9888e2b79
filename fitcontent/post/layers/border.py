"""``border``: a frame around each panel in the colour of its form (correct / error)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fitcontent.post.layers.base import Color, Colors, Fraction, Strict


class Border(Strict):
    """A frame around each panel in the colour of its form (correct / error)."""

    type: Literal["border"] = "border"
    width: Fraction = 0.008
    correct: Color | None = Field(default=None, description="default: the brand's correct colour")
    error: Color | None = Field(default=None, description="default: the brand's error colour")

    def color(self, form: str, colors: Colors) -> str:
        if form == "correct":
            return self.correct or colors.correct
        return self.error or colors.error
