"""Where panels go: the grid for n clips in a frame, and how a clip fits its panel without stretching.

Rules (documented in the README):
- The grid is the arrangement (columns x rows) that shows the clips largest; a 2x2 in 16:9 becomes a
  vertical stack in 9:16 because that shows 3:2 clips larger there.
- ``contain`` scales a clip to fit its panel whole and centres it (bars around it); ``cover`` fills the
  panel and crops the edges evenly, but only while the crop removes at most ``max_crop`` of the picture;
  past that it falls back to ``contain``. Clips are never stretched: both axes scale by one factor.
- When a panel's label cannot sit on the panel inside the platform's safe zone (a 4-high stack in 9:16),
  the grid keeps its arrangement and shrinks towards the safe zone until every label can.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from fitcontent.post.formats import Rect


def even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def columns(n: int, area: Rect, aspect: float, gap: int) -> int:
    """How many columns show ``n`` clips of ``aspect`` (w/h) largest in ``area``."""
    best: tuple[float, int] = (-1.0, 1)
    for cols in range(1, n + 1):
        rows = math.ceil(n / cols)
        cell_w = (area.w - (cols - 1) * gap) / cols
        cell_h = (area.h - (rows - 1) * gap) / rows
        if cell_w <= 0 or cell_h <= 0:
            continue
        shown = min(cell_w, cell_h * aspect) * min(cell_h, cell_w / aspect)
        if shown > best[0] + 1e-6:
            best = (shown, cols)
    return best[1]


def grid(n: int, area: Rect, aspect: float, gap: int, cols: int | None = None) -> list[Rect]:
    """Cells for ``n`` clips in ``area``, in ``cols`` columns (default: :func:`columns`)."""
    cols = cols or columns(n, area, aspect, gap)
    rows = math.ceil(n / cols)
    cell_w = (area.w - (cols - 1) * gap) // cols
    cell_h = (area.h - (rows - 1) * gap) // rows
    cells = []
    for index in range(n):
        row, col = divmod(index, cols)
        in_row = min(cols, n - row * cols)  # centre a last row that is not full
        offset = (area.w - (in_row * cell_w + (in_row - 1) * gap)) // 2
        cells.append(Rect(area.x + offset + col * (cell_w + gap), area.y + row * (cell_h + gap), cell_w, cell_h))
    return cells


@dataclass(frozen=True)
class Fit:
    """All even: the compositor copies whole 2x2 chroma blocks."""

    scaled: tuple[int, int]  # size the decoder scales the clip to
    crop: tuple[int, int]  # top-left of the part shown
    dest: Rect  # where it lands on the canvas


def fit(clip: tuple[int, int], room: Rect, mode: str, max_crop: float) -> Fit:
    """Place a ``clip`` (w, h) in ``room`` by ``mode`` (contain | cover), one scale factor for both axes."""
    width, height = clip
    room = on_even_pixels(room)
    if mode == "cover":
        scale = max(room.w / width, room.h / height)
        scaled = (max(room.w, even(width * scale)), max(room.h, even(height * scale)))
        if 1 - (room.w * room.h) / (scaled[0] * scaled[1]) <= max_crop:
            crop = ((scaled[0] - room.w) // 4 * 2, (scaled[1] - room.h) // 4 * 2)
            return Fit(scaled, crop, room)
    scale = min(room.w / width, room.h / height)
    scaled = (min(room.w, even(width * scale)), min(room.h, even(height * scale)))
    dest = Rect(room.x + (room.w - scaled[0]) // 4 * 2, room.y + (room.h - scaled[1]) // 4 * 2, *scaled)
    return Fit(scaled, (0, 0), dest)


def on_even_pixels(rect: Rect) -> Rect:
    """The largest rectangle inside ``rect`` with even position and size (whole yuv420p chroma samples)."""
    x, y = rect.x + rect.x % 2, rect.y + rect.y % 2
    return Rect(x, y, (rect.right - x) // 2 * 2, (rect.bottom - y) // 2 * 2)


def panel_area(canvas: Rect, safe: Rect) -> Rect:
    """The tallest full-width band centred on the safe zone: in 9:16 the panels sit where the text is,
    not under the platform's buttons and captions at the bottom."""
    centre = (safe.y + safe.bottom) / 2
    half = min(centre, canvas.h - centre)
    return Rect(canvas.x, round(centre - half), canvas.w, round(2 * half))


def without_band(safe: Rect, band: int, position: str) -> Rect:
    """The safe zone less a caption band at its top or bottom (labels must not sit under captions)."""
    if position == "top":
        return Rect(safe.x, safe.y + band, safe.w, safe.h - band)
    return Rect(safe.x, safe.y, safe.w, safe.h - band)


def shrink_towards(area: Rect, target: Rect, k: float) -> Rect:
    """``area`` moved a fraction ``k`` of the way to ``target``'s vertical span (full width kept)."""
    top = round(area.y + (target.y - area.y) * k)
    bottom = round(area.bottom + (target.bottom - area.bottom) * k)
    return Rect(area.x, top, area.w, bottom - top)


def label_box(dest: Rect, safe: Rect, height: int, position: str, margin: int) -> Rect | None:
    """The room for a label on a panel, inside the safe zone; None when the panel leaves none."""
    room = dest.inset(margin).intersect(safe)
    if room.w < height * 3 or room.h < height:
        return None
    y = room.y if position == "top" else room.bottom - height
    return Rect(room.x, y, room.w, height)
