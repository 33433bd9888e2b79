"""The layout rules of a video scene, in one place: panels fitted around their subject, text in free space.

- Each clip comes with its *subject*: the box its body and props stay in all clip long (from the pose
  track). A panel never cuts it (``geometry.fit``). The panels of one scene are fitted to the union
  of their subjects: one crop, so a grid's panels are one size.
- A panel's label sits in a corner of the panel (top first) that is clear of the subject and inside
  the safe zone, else in a strip just above the panel (the panel shrinks to make room).
- Captions go in a band at the caption's edge of the safe zone, the lower third just inside it at the
  left, or moved onto the picture it would lie across. Where that text would cover a subject or a label,
  the panels shrink away from the captions, then from the lower third too; otherwise they keep the
  whole frame.
- The grid is the arrangement (columns x rows) that shows the panels largest once every label has its
  place; where a label cannot sit inside the safe zone, the grid shrinks towards it (top edge, then
  bottom, then sides) as far as shows the panels largest with every label in place.
- No text is smaller than :data:`MIN_TEXT` of the frame's short side (1/28: 39 px at 1080): a layout
  that lacks room for text at that size gets fewer words per card, not smaller letters.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fitcontent.post import geometry
from fitcontent.post.formats import Rect

MIN_TEXT = 1 / 28
"""The smallest on-screen text, as a fraction of the frame's shorter side: readable on a phone."""
SHRINK_STEPS = 10
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


def min_text(canvas: Rect) -> int:
    return math.ceil(min(canvas.w, canvas.h) * MIN_TEXT)


@dataclass(frozen=True)
class PanelNeed:
    """What the layout needs to know of a panel: the clip's size, its subject, and its label's drawn
    size (w, h) when it may be ``width`` wide (None: no label)."""

    size: tuple[int, int]
    subject: Rect  # clip pixels
    label: Callable[[int], tuple[int, int] | None] | None = None  # None from the call: it does not fit


@dataclass(frozen=True)
class PlacedPanel:
    fit: geometry.Fit
    subject: Rect  # on the canvas
    label: Rect | None  # the drawn label's rectangle on the canvas
    label_room: Rect | None = None  # the box it was measured in, to draw it in (anchored at label_anchor)
    label_anchor: str = "top-left"


@dataclass(frozen=True)
class SceneLayout:
    panels: list[PlacedPanel]
    caption: Rect  # the caption band at the caption's edge of the safe zone (empty without captions)
    corner: Rect | None  # the lower third, next to the caption band at the left

    @property
    def taken(self) -> list[Rect]:
        """Everything text and the logo must keep off: subjects, labels, the caption band, the lower third."""
        return _marks(self.panels) + [r for r in (self.caption, self.corner) if r is not None]


def _marks(placed: Sequence[PlacedPanel]) -> list[Rect]:
    """The subjects and labels of ``placed`` panels."""
    return [r for p in placed for r in (p.subject, p.label) if r is not None]


def arrange(canvas: Rect, safe: Rect, needs: list[PanelNeed], caption_h: int, position: str,
            corner: tuple[int, int] | None, mode: str, max_crop: float, gap: int, border: int) -> SceneLayout:
    """Panels, labels, the caption band and the lower third (``corner``: its drawn size) of one scene.
    The panels take the whole frame, or keep out of the caption band, or out of the caption band and
    the lower third's rows too: whichever shows them largest with no text over a subject or a label,
    and the lower third wholly on a picture (moved onto it if need be) or wholly off every one where
    either is clear (else across an edge, where its opaque box still reads)."""
    area = geometry.panel_area(canvas, safe)
    area = area.inset(gap) if len(needs) > 1 else area
    if len({need.size for need in needs}) == 1:  # one crop for every panel, so a grid's panels stay one size
        whole = functools.reduce(Rect.union, [need.subject for need in needs])
        needs = [dataclasses.replace(need, subject=whole) for need in needs]
    caption = _band(safe, caption_h, position)
    text_room = _text_room(safe, caption, position)
    corner_rect = None
    if corner:
        y = caption.y - corner[1] if position == "bottom" else caption.bottom
        corner_rect = Rect(safe.x, y, *corner)
    band = caption if caption_h else None
    best: tuple[int, SceneLayout] | None = None
    for reserved in dict.fromkeys((0, caption_h, caption_h + (corner[1] if corner else 0))):
        if reserved and position == "top":
            room = Rect(area.x, safe.y + reserved + gap, area.w, area.bottom - safe.y - reserved - gap)
        elif reserved:
            room = Rect(area.x, area.y, area.w, safe.bottom - reserved - gap - area.y)
        else:
            room = area
        placed = _panels(needs, room, text_room, mode, max_crop, gap, border)
        taken = _marks(placed)
        shown = min(p.fit.dest.w * p.fit.dest.h for p in placed)
        places = _corner_places(corner_rect, placed, gap)
        lower = next((c for c in places if _clear(band, c, taken, placed, border)), corner_rect)
        fits = _clear(band, lower, taken, placed, border, lower_across=True)  # the last resort: see _corner_places
        if best is None or (fits and shown > best[0]):
            best = (shown if fits else -1, SceneLayout(placed, caption, lower))
    assert best is not None
    return best[1]


def _clear(band: Rect | None, lower: Rect | None, taken: list[Rect], placed: Sequence[PlacedPanel], border: int,
           lower_across: bool = False) -> bool:
    """No text over a subject or a label, and no text across an edge of the ``placed`` pictures (the
    lower third may, with ``lower_across``: its boxes are opaque)."""
    texts = [r for r in (band, lower) if r is not None]
    across = [r for r in (band, None if lower_across else lower) if r is not None]
    return not any(_overlap(t, r) for t in texts for r in taken) and not any(
        _straddles(t, p.fit.dest, border) for t in across for p in placed)


def _corner_places(corner: Rect | None, placed: list[PlacedPanel], gap: int) -> list[Rect | None]:
    """Where the lower third may go: its place beside the caption band, else moved onto each picture it
    lies across (inside its bottom-left corner, then its bottom-right), so it sits wholly on the picture
    like a broadcast lower third."""
    if corner is None:
        return [None]
    margin = _margin(gap)
    moved = []
    for panel in placed:
        dest = panel.fit.dest.inset(margin)
        if _overlap(corner, dest):
            y = min(corner.y, dest.bottom - corner.h)
            moved += [Rect(max(corner.x, dest.x), y, corner.w, corner.h),
                      Rect(dest.right - corner.w, y, corner.w, corner.h)]
    return [corner, *moved]


def free_corner(corners: dict[str, Rect], taken: list[Rect], preferred: str) -> str:
    """The first corner (``preferred`` first) whose rectangle covers nothing in ``taken``."""
    for name in (preferred, *(c for c in corners if c != preferred)):
        if not any(_overlap(corners[name], r) for r in taken):
            return name
    return preferred


def _band(safe: Rect, height: int, position: str) -> Rect:
    y = safe.y if position == "top" else safe.bottom - height
    return Rect(safe.x, y, safe.w, height)


def _text_room(safe: Rect, band: Rect, position: str) -> Rect:
    """The safe zone less the band: labels must not sit under captions."""
    if position == "top":
        return Rect(safe.x, band.bottom, safe.w, safe.bottom - band.bottom)
    return Rect(safe.x, safe.y, safe.w, band.y - safe.y)


def _margin(gap: int) -> int:
    """Space between a panel's edge and the text put on it."""
    return max(2, gap // 2)


def _straddles(text: Rect, picture: Rect, border: int) -> bool:
    """Whether ``text`` lies partly on ``picture`` (or its border) and partly off it: a box cut by an edge."""
    return _overlap(text, picture.inset(-border)) and not picture.contains(text)


def _overlap(a: Rect, b: Rect) -> bool:
    inter = a.intersect(b)
    return inter.w > 0 and inter.h > 0


def _panels(needs: list[PanelNeed], area: Rect, text_room: Rect, mode: str, max_crop: float, gap: int,
            border: int) -> list[PlacedPanel]:
    """The grid arrangement that shows the panels largest with every label placed (:func:`_grid`)."""
    best: tuple[tuple[bool, int], list[PlacedPanel]] | None = None
    for cols in range(1, len(needs) + 1):
        placed = _grid(needs, area, text_room, mode, max_crop, gap, border, cols)
        labelled = all(p.label is not None for p, need in zip(placed, needs, strict=True) if need.label)
        score = (labelled, min(p.fit.dest.w * p.fit.dest.h for p in placed))
        if best is None or score > best[0]:
            best = (score, placed)
    assert best is not None
    return best[1]


def _grid(needs: list[PanelNeed], area: Rect, text_room: Rect, mode: str, max_crop: float, gap: int, border: int,
          cols: int) -> list[PlacedPanel]:
    """The panels in ``cols`` columns, as large as they show with every label inside ``text_room``. The
    grid is tried shrunk towards it step by step (the top edge first, then the bottom, then the sides): a
    smaller grid can give labels a place, or a lower one. Labels go on their panels where every panel
    has a clear corner, else all above their panels: the panels of a grid stay one size."""
    aspect = needs[0].size[0] / needs[0].size[1]
    placed: list[PlacedPanel] = []
    labelled: list[tuple[int, list[PlacedPanel]]] = []
    inner = area.intersect(text_room)
    below = Rect(area.x, inner.y, area.w, area.bottom - inner.y)
    rows = Rect(area.x, inner.y, area.w, inner.h)
    steps = [area] + [geometry.shrink_towards(start, end, k / SHRINK_STEPS) for start, end in
                      itertools.pairwise((area, below, rows, inner)) for k in range(1, SHRINK_STEPS + 1)]
    for room in steps:
        cells = geometry.grid(len(needs), room, aspect, gap, cols)
        if labelled and min(c.w * c.h for c in cells) <= max(shown for shown, _ in labelled):
            break  # the rooms only shrink from here: no panel can beat the best one found
        for above in (False, True):
            sizes = [need.label(cell.intersect(text_room).w) if need.label and above else None
                     for need, cell in zip(needs, cells, strict=True)]
            strip = max((size[1] for size in sizes if size), default=0)  # one strip height: one panel size
            placed = [_place(need, cell, text_room, mode, max_crop, border, gap, strip if above else None)
                      for need, cell in zip(needs, cells, strict=True)]
            if all(p.label is not None for p, need in zip(placed, needs, strict=True) if need.label):
                labelled.append((min(p.fit.dest.w * p.fit.dest.h for p in placed), placed))
                break
    return max(labelled, key=lambda shown: shown[0])[1] if labelled else placed


def _place(need: PanelNeed, cell: Rect, text_room: Rect, mode: str, max_crop: float, border: int, gap: int,
           strip: int | None) -> PlacedPanel:
    """One panel in its cell, and its label: in a corner clear of the subject, or in a ``strip`` of
    that height just above the panel; the label is None where it has no such place."""
    margin = _margin(gap)
    if need.label is None or strip is None:
        fitted = geometry.fit(need.size, cell.inset(border), mode, max_crop, need.subject)
        subject = fitted.place(need.subject)
        if need.label is None:
            return PlacedPanel(fitted, subject, None)
        inside = fitted.dest.inset(margin).intersect(text_room)
        beside = {"left": subject.x - margin - inside.x, "right": inside.right - subject.right - margin}
        for corner in CORNERS:
            vertical, side = corner.split("-")
            room_w = inside.w if beside[side] <= 0 else beside[side]  # wrapped to fit beside the subject
            size = need.label(room_w) if room_w > 0 else None
            if size is None:
                continue
            w, h = size
            x = inside.x if side == "left" else inside.right - w
            rect = Rect(x, inside.y if vertical == "top" else inside.bottom - h, w, h)
            if inside.contains(rect) and not _overlap(rect, subject):
                room_x = inside.x if side == "left" else inside.right - room_w
                return PlacedPanel(fitted, subject, rect, Rect(room_x, rect.y, room_w, h), f"top-{side}")
        return PlacedPanel(fitted, subject, None)
    across = cell.intersect(text_room)  # where the label may go, left to right
    size = need.label(across.w)
    if size is None:
        fitted = geometry.fit(need.size, cell.inset(border), mode, max_crop, need.subject)
        return PlacedPanel(fitted, fitted.place(need.subject), None)
    w, h = size
    room = Rect(cell.x, cell.y + strip + margin, cell.w, cell.h - strip - margin)
    fitted = geometry.fit(need.size, room.inset(border), mode, max_crop, need.subject)
    x = max(across.x, min(fitted.dest.x - border, across.right - w))
    rect = Rect(x, fitted.dest.y - border - margin - h, w, h)
    fits = cell.contains(rect) and text_room.contains(rect)
    room = Rect(x, rect.y, min(across.w, w + 2), h)  # as wide as it was measured, so it wraps the same
    return PlacedPanel(fitted, fitted.place(need.subject), rect if fits else None, room)
