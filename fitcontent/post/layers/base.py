"""What every layer type shares: strict models, colours, and the frame a layer draws into."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fitcontent.fonts import FontRef
from fitcontent.post.compose import Box, TextSpec, text_size
from fitcontent.post.formats import Rect
from fitcontent.post.layout import min_text

Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")]
Fraction = Annotated[float, Field(gt=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    en: str
    zh: str


class Colors(Strict):
    correct: Color = "#16a34a"
    error: Color = "#dc2626"
    text: Color = "#ffffff"
    card: Color = "#0f172a"
    accent: Color = "#f59e0b"
    bars: Color = "#000000"
    caption_box: Color = "#000000b0"


@dataclass(frozen=True)
class Frame:
    """The frame a layer draws into: its canvas, the platform's safe zone for text, colours and font."""

    canvas: Rect
    safe: Rect
    colors: Colors
    font: FontRef

    @property
    def short(self) -> int:
        return min(self.canvas.w, self.canvas.h)

    @property
    def min_text(self) -> int:
        return min_text(self.canvas)

    def px(self, fraction: float) -> int:
        """A text size given as a fraction of the short side, never under the minimum."""
        return max(round(fraction * self.short), self.min_text)

    def text(self, text: str, size: int, box: Rect, color: str | None = None, **fields) -> TextSpec:
        """A text of this frame: at least the minimum size, in the brand's text colour by default."""
        return TextSpec(text=text, box=box_of(box), size=size, min_size=self.min_text,
                        color=color or self.colors.text, **fields)

    def measure(self, spec: TextSpec) -> tuple[int, int]:
        """(w, h) of ``spec`` as the compositor draws it: shrink-wrapped inside its box."""
        return text_size(spec, self.font)


def box_of(rect: Rect) -> Box:
    return Box(x=rect.x, y=rect.y, w=rect.w, h=rect.h)
