"""Text on video: a font that has the glyphs, wrapped or shrunk to fit its box (never cut off), drawn once.

The font itself, and the check that it has a text's glyphs, are in :mod:`fitcontent.fonts`.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from fitcontent.errors import FitcontentError
from fitcontent.fonts import FontRef, check_glyphs

MIN_FONT_PX = 8


def _is_cjk(char: str) -> bool:
    return "\u2e80" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" or "\uff00" <= char <= "\uffef"


@functools.lru_cache(maxsize=1)
def _phrase_parser():
    import budoux

    return budoux.load_default_simplified_chinese_parser()


def breaks(text: str) -> list[int]:
    """Where a line may break in ``text``: the Unicode line-breaking rules (UAX #14, from ``uniseg``:
    never before "，" or after "(") and, inside Chinese, only between words (``budoux``'s phrases),
    so "科学训练" breaks as "科学 / 训练", never "科学训 / 练". A one-character phrase stays with its
    neighbours: budoux cuts short labels into characters ("脚 / 跟 / 离 / 地"), which are not words."""
    return list(_breaks(text))


@functools.lru_cache(maxsize=4096)
def _breaks(text: str) -> tuple[int, ...]:
    """:func:`breaks`, remembered: uniseg takes milliseconds a text, and layout measures each one many times."""
    from uniseg.linebreak import line_break_units

    allowed, at = [], 0
    for unit in line_break_units(text):
        at += len(unit)
        allowed.append(at)
    if not any(_is_cjk(c) for c in text):
        return tuple(allowed)
    ends = [0, *itertools.accumulate(len(phrase) for phrase in _phrase_parser().parse(text))]
    phrases = {b for a, b, c in zip(ends, ends[1:], ends[2:], strict=False)
               if (b - a > 1 and c - b > 1) or not text[b - 1].isalnum()}  # or after punctuation
    return tuple(p for p in allowed
                 if p == len(text) or p in phrases or not (_is_cjk(text[p - 1]) or _is_cjk(text[p])))


def units(text: str) -> list[str]:
    """``text`` cut at every :func:`breaks` position: the pieces a line is made of."""
    cuts = [0, *breaks(text)]
    return [text[a:b] for a, b in itertools.pairwise(cuts) if b > a]


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: int, split: bool = True) -> list[str]:
    """Greedy line breaking at :func:`breaks`; a single word wider than the box is broken between
    characters when ``split`` (the only way it fits), else left whole (wider than the box)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for unit in units(paragraph):
            candidate = line + unit
            if not line.strip() or font.getlength(candidate.strip()) <= max_width:
                line = candidate
                continue
            lines.append(line.strip())
            line = unit.lstrip()
        while split and font.getlength(line.strip()) > max_width and len(line.strip()) > 1:  # one over-long word
            cut = next((i for i in range(len(line), 0, -1) if font.getlength(line[:i]) <= max_width), 1)
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line.strip())
    return lines


def balanced(text: str, font: ImageFont.FreeTypeFont, lines: list[str]) -> list[str]:
    """``lines`` (wrapped words, no word split) made as even as the same number of lines allows: the narrowest
    width that still needs no more lines, so no word is left alone ("Keep your weight over / your whole foot",
    not "... your whole / foot")."""
    def fits(width: int) -> list[str] | None:
        trial = wrap(text, font, width, split=False)
        return trial if len(trial) <= len(lines) and max(font.getlength(line) for line in trial) <= width else None

    if len(lines) < 2:
        return lines
    high = max(round(font.getlength(line)) for line in lines)
    low = max(round(font.getlength(text.replace("\n", ""))) // len(lines), 1)  # no line is narrower than that
    while low < high:
        width = (low + high) // 2
        low, high = (low, width) if fits(width) else (width + 1, high)
    return fits(high) or lines  # a word split at the smallest size stays as it was


def line_height(face: ImageFont.FreeTypeFont) -> int:
    """Ascent plus descent: a line box that holds every glyph, accents and descenders included."""
    ascent, descent = face.getmetrics()
    return ascent + descent


@dataclass(frozen=True)
class FittedText:
    lines: list[str]
    size: int
    width: int
    height: int


@functools.lru_cache(maxsize=8192)  # layout measures the same text in the same box many times
def fit_text(text: str, font: FontRef, size: int, max_width: int, max_height: int,
             min_size: int = MIN_FONT_PX) -> FittedText:
    """``text`` at the largest size from ``size`` down to ``min_size`` at which it fits the box, wrapped
    at :func:`breaks`; never wider or taller than the box, never smaller than ``min_size`` (a layout
    that gives too little room gets an error, not unreadable letters). A word is broken inside only at
    ``min_size``, where no smaller size could keep it whole."""
    check_glyphs(font, text)
    size, min_size = max(size, MIN_FONT_PX), max(MIN_FONT_PX, min(min_size, size))
    while True:
        face = font.at(size)
        lines = wrap(text, face, max_width, split=size <= min_size)
        height = line_height(face) * len(lines)
        width = max(round(face.getlength(line)) for line in lines)
        if width <= max_width and height <= max_height:
            lines = balanced(text, face, lines)
            return FittedText(lines, size, max(round(face.getlength(line)) for line in lines), height)
        if size <= min_size:
            raise FitcontentError(f"text {text!r} does not fit a {max_width}x{max_height} box at {size} px (the "
                                  f"smallest allowed); shorten it or give the layer more room")
        size = max(min_size, int(size * 0.9))


def text_image(fitted: FittedText, font: FontRef, color: str, align: str = "center") -> Image.Image:
    """The fitted lines drawn on a transparent image of exactly their size."""
    image = Image.new("RGBA", (max(1, fitted.width), max(1, fitted.height)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    face = font.at(fitted.size)
    step = line_height(face)
    for row, line in enumerate(fitted.lines):
        width = face.getlength(line)
        x = {"left": 0, "center": (fitted.width - width) / 2, "right": fitted.width - width}[align]
        draw.text((x, row * step), line, font=face, fill=color, anchor="la")
    return image


def draw_mark(draw: ImageDraw.ImageDraw, kind: str, x: float, y: float, size: float, color: str) -> None:
    """A check (correct) or cross (error) drawn as strokes, so it never depends on the font's glyphs."""
    width = max(2, round(size * 0.16))
    if kind == "correct":
        points = [(x + 0.08 * size, y + 0.55 * size), (x + 0.38 * size, y + 0.85 * size),
                  (x + 0.92 * size, y + 0.2 * size)]
        draw.line(points, fill=color, width=width, joint="curve")
    else:
        pad = 0.18 * size
        draw.line([(x + pad, y + pad), (x + size - pad, y + size - pad)], fill=color, width=width)
        draw.line([(x + size - pad, y + pad), (x + pad, y + size - pad)], fill=color, width=width)

