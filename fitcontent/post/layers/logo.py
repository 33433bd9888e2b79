"""``logo``: the brand's logo in a corner of the safe zone, clear of the athlete where a corner allows."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fitcontent.post.compose import ImageSpec
from fitcontent.post.formats import Rect
from fitcontent.post.layers.base import Fraction, Frame, Strict, box_of

Corner = Literal["top-left", "top-right", "bottom-left", "bottom-right"]


class Logo(Strict):
    type: Literal["logo"] = "logo"
    corner: Corner = "top-right"
    size: Fraction = 0.14
    opacity: Fraction = 0.9

    def corners(self, frame: Frame, aspect: float) -> dict[str, Rect]:
        """The logo's rectangle in each corner of the safe zone (``aspect``: its height / width)."""
        w = round(self.size * frame.short)
        h = max(1, round(w * aspect))
        safe = frame.safe
        return {corner: Rect(safe.x if corner.endswith("left") else safe.right - w,
                             safe.y if corner.startswith("top") else safe.bottom - h, w, h)
                for corner in ("top-right", "top-left", "bottom-right", "bottom-left")}

    def image(self, path: Path, sha256: str, rect: Rect) -> ImageSpec:
        return ImageSpec(path=str(path), sha256=sha256, box=box_of(rect), opacity=self.opacity)
