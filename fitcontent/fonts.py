"""Fonts: a font file and face (:class:`FontRef`), the default one, and whether it has a text's glyphs.

Pillow has no glyph fallback, so one font must cover every character of a text: the default is Noto Sans
CJK SC (from the ``noto-cjk`` package), which covers English and Chinese. A configured font is checked
against the text before anything renders, so a missing glyph is an error, not a row of boxes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from PIL import ImageFont

from fitcontent.errors import FitcontentError


@dataclass(frozen=True)
class FontRef:
    """A font file and the face inside it (collections such as ``.ttc`` hold several)."""

    path: Path
    index: int = 0

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        return _font(str(self.path), self.index, size)


def default_font() -> FontRef:
    """Noto Sans CJK SC from the ``noto-cjk[sans]`` package: Latin and Chinese in one face."""
    try:
        import noto_cjk

        path = noto_cjk.otc_path("sans")
    except Exception as exc:  # the package or its font package is missing
        raise FitcontentError(f"the default font is not installed ({exc}); run: pip install 'noto-cjk[sans]' "
                              f"or set font: in brand.yaml to a .ttf/.otf that has your captions' glyphs") from None
    return FontRef(Path(path), _face_index(str(path), "CJK SC"))


@functools.lru_cache(maxsize=8)
def _face_index(path: str, family_suffix: str) -> int:
    from fontTools.ttLib import TTCollection

    for index, face in enumerate(TTCollection(path, lazy=True).fonts):
        if face["name"].getDebugName(1).endswith(family_suffix):
            return index
    return 0


@functools.lru_cache(maxsize=64)
def _font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, size, index=index)
    except OSError as exc:
        raise FitcontentError(f"font {path} (face {index}): cannot be read ({exc}); "
                              f"give a .ttf, .otf or .ttc file") from None


@functools.lru_cache(maxsize=8)
def _charset(path: str, index: int) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, fontNumber=index, lazy=True) as face:
        return frozenset(face.getBestCmap())


def check_glyphs(font: FontRef, text: str) -> None:
    """Raise when ``font`` lacks a character of ``text`` (Pillow would draw a box in its place)."""
    missing = sorted({c for c in text if not c.isspace() and ord(c) not in _charset(str(font.path), font.index)})
    if missing:
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:5])
        raise FitcontentError(f"font {font.path.name} has no glyph for {shown} in {text!r}; set font: in "
                              f"brand.yaml to a font that covers it (the default Noto Sans CJK covers en and zh)")
