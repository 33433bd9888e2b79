"""Output formats: pixel sizes for each aspect and the safe zone where text may go."""

from __future__ import annotations

from dataclasses import dataclass

from fitcontent.errors import RequestError, unknown_message


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    def contains(self, other: Rect) -> bool:
        return self.x <= other.x and self.y <= other.y and other.right <= self.right and other.bottom <= self.bottom

    def intersect(self, other: Rect) -> Rect:
        x, y = max(self.x, other.x), max(self.y, other.y)
        return Rect(x, y, max(0, min(self.right, other.right) - x), max(0, min(self.bottom, other.bottom) - y))

    def union(self, other: Rect) -> Rect:
        """The smallest rectangle holding both."""
        x, y = min(self.x, other.x), min(self.y, other.y)
        return Rect(x, y, max(self.right, other.right) - x, max(self.bottom, other.bottom) - y)

    def inset(self, dx: int, dy: int | None = None) -> Rect:
        dy = dx if dy is None else dy
        return Rect(self.x + dx, self.y + dy, max(0, self.w - 2 * dx), max(0, self.h - 2 * dy))


@dataclass(frozen=True)
class Format:
    """An output aspect: its delivery size and the part of the frame where text stays readable."""

    name: str  # "16:9"
    width: int
    height: int
    safe: tuple[float, float, float, float]  # left, top, right, bottom, as fractions of the frame
    use: str

    @property
    def slug(self) -> str:
        """File-name form: ``16x9``."""
        return self.name.replace(":", "x")

    def sized(self, draft: bool) -> tuple[int, int]:
        """Delivery size, or half of it (even) for ``--draft``."""
        if not draft:
            return self.width, self.height
        return self.width // 4 * 2, self.height // 4 * 2

    def safe_rect(self, width: int, height: int) -> Rect:
        left, top, right, bottom = self.safe
        x0, y0 = round(left * width), round(top * height)
        return Rect(x0, y0, round(right * width) - x0, round(bottom * height) - y0)


FORMATS = {
    f.name: f
    for f in (
        # title-safe 90 % of broadcast and YouTube players
        Format("16:9", 1920, 1080, (0.05, 0.05, 0.95, 0.95), "YouTube, courses"),
        # Reels / TikTok / Shorts cover the top (status, tabs), the right (buttons) and the bottom
        # (caption, music): x 65-915, y 270-1250 of 1080x1920 is clear on all three
        Format("9:16", 1080, 1920, (65 / 1080, 270 / 1920, 915 / 1080, 1250 / 1920), "Reels, TikTok, Shorts"),
        Format("1:1", 1080, 1080, (0.05, 0.05, 0.95, 0.95), "feed"),
        Format("4:5", 1080, 1350, (0.05, 0.05, 0.95, 0.95), "feed"),
    )
}


def parse_formats(names: list[str] | None) -> list[Format]:
    """``["16:9", "9:16"]`` or ``["all"]`` -> formats, in the order given; None means 16:9."""
    if not names:
        return [FORMATS["16:9"]]
    if names == ["all"]:
        return list(FORMATS.values())
    chosen = []
    for name in names:
        name = name.replace("x", ":")
        if name not in FORMATS:
            raise RequestError(unknown_message("format", name, [*FORMATS, "all"]))
        if FORMATS[name] not in chosen:
            chosen.append(FORMATS[name])
    return chosen
