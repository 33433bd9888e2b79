"""Where panels go: the grid for n clips in a frame, and how a clip fits its panel without stretching.

Rules (documented in the README):
- The grid is the arrangement (columns x rows) that shows the clips largest; a 2x2 in a wide area
  becomes a vertical stack in a tall one because that shows 3:2 clips larger there.
- ``contain`` scales a clip to fit its panel whole and centres it (bars around it); ``cover`` fills the
  panel as far as the clip's subject (the box its body and props stay in all clip long) stays whole and
  at most ``max_crop`` of the picture is cut, centred on the subject; bars fill what is left. Clips are
  never stretched: both axes scale by one factor.

Where labels and captions go, and which arrangement a scene uses, is decided in ``layout.py``.
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
    clip: tuple[int, int]  # the clip's own size

    def place(self, box: Rect) -> Rect:
        """Where ``box`` (clip pixels) lands on the canvas, rounded outwards, within the panel."""
        sx, sy = self.scaled[0] / self.clip[0], self.scaled[1] / self.clip[1]
        x0 = math.floor(self.dest.x + box.x * sx - self.crop[0])
        y0 = math.floor(self.dest.y + box.y * sy - self.crop[1])
        x1 = math.ceil(self.dest.x + box.right * sx - self.crop[0])
        y1 = math.ceil(self.dest.y + box.bottom * sy - self.crop[1])
        return Rect(x0, y0, x1 - x0, y1 - y0).intersect(self.dest)


def fit(clip: tuple[int, int], room: Rect, mode: str, max_crop: float, subject: Rect | None = None) -> Fit:
    """Place a ``clip`` (w, h) in ``room`` by ``mode``, one scale factor for both axes. ``contain`` shows
    it whole; ``cover`` fills the room as far as ``subject`` (the clip's box of body and props, default
    the whole clip) stays whole and at most ``max_crop`` of the picture is cut, centred on the subject."""
    width, height = clip
    room = on_even_pixels(room)
    subject = subject or Rect(0, 0, width, height)
    scale = min(room.w / width, room.h / height)
    if mode == "cover":
        largest = min(max(room.w / width, room.h / height),
                      (room.w - 4) / max(subject.w, 1), (room.h - 4) / max(subject.h, 1))
        while largest > scale and _cut(clip, room, largest) > max_crop:
            largest *= 0.98
        scale = max(scale, largest)
    scaled = (even(width * scale), even(height * scale))
    shown = (min(room.w, scaled[0]), min(room.h, scaled[1]))
    crop = (_offset(scaled[0], shown[0], subject.x * scaled[0] / width, subject.right * scaled[0] / width),
            _offset(scaled[1], shown[1], subject.y * scaled[1] / height, subject.bottom * scaled[1] / height))
    dest = Rect(room.x + (room.w - shown[0]) // 4 * 2, room.y + (room.h - shown[1]) // 4 * 2, *shown)
    return Fit(scaled, crop, dest, clip)


def _cut(clip: tuple[int, int], room: Rect, scale: float) -> float:
    """The fraction of the picture a crop at ``scale`` leaves out."""
    w, h = clip[0] * scale, clip[1] * scale
    return 1 - min(room.w, w) * min(room.h, h) / (w * h)


def _offset(length: int, shown: int, low: float, high: float) -> int:
    """An even crop offset along one axis that keeps [low, high] in view, centred on it where it can."""
    first, last = max(0, math.ceil(high) - shown), min(length - shown, math.floor(low))
    centred = round((low + high - shown) / 2)
    return max(0, min(length - shown, max(first, min(last, centred)))) // 2 * 2


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


def shrink_towards(area: Rect, target: Rect, k: float) -> Rect:
    """``area`` with each edge moved a fraction ``k`` of the way to ``target``'s."""
    def move(edge: int, to: int) -> int:
        return round(edge + (to - edge) * k)

    x, y = move(area.x, target.x), move(area.y, target.y)
    return Rect(x, y, move(area.right, target.right) - x, move(area.bottom, target.bottom) - y)

