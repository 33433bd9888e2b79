"""Layouts as data and the geometry every layout obeys.

A typo in a project layout is a ``file:line`` error naming what is allowed; clips are never stretched;
labels stay inside each platform's safe zone; a grid follows the shape of the frame.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fitcontent.cli import cli
from fitcontent.errors import CatalogError, RequestError
from fitcontent.fonts import default_font
from fitcontent.post import geometry
from fitcontent.post.compose import Box, render_still, text_box
from fitcontent.post.formats import FORMATS, Rect, parse_formats
from fitcontent.post.layers import LAYERS
from fitcontent.post.spec import KINDS, load_brand, load_layout
from tests.post.conftest import clip_entry

KNOWN_LAYERS = "(known: " + ", ".join(sorted(LAYERS)) + ")"
LABELLED = ("comparison", "error-grid", "angle-grid", "variations")


def write(templates: Path, name: str, text: str) -> Path:
    path = templates / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rect(box: Box) -> Rect:
    return Rect(box.x, box.y, box.w, box.h)


# ---- layout files -------------------------------------------------------------------------------------
def test_unknown_layer_type_names_its_line_the_closest_type_and_every_known_one(tmp_path: Path) -> None:
    """A misspelt layer type is reported at its line with a suggestion, not as a pydantic union dump."""
    path = write(tmp_path, "layouts/comparison.yaml", "description: mine\nlayers:\n  - type: label\n  - type: boder\n")
    with pytest.raises(CatalogError) as info:
        load_layout("comparison", tmp_path)
    assert str(info.value) == (f"{path}:4: layers[1].type: unknown layer type 'boder'; did you mean 'border'? "
                               f"{KNOWN_LAYERS}\n1 catalog error")


def test_unknown_field_of_a_layer_names_the_allowed_fields(tmp_path: Path) -> None:
    path = write(tmp_path, "layouts/comparison.yaml", "layers:\n  - type: border\n    colour: '#ff0000'\n")
    with pytest.raises(CatalogError) as info:
        load_layout("comparison", tmp_path)
    allowed = ", ".join(sorted(LAYERS["border"].model_fields))
    assert f"{path}:3: layers[0].colour: unknown field 'colour' for a border layer" in str(info.value)
    assert f"(allowed: {allowed})" in str(info.value)


def test_every_layer_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Two typos in two layers: both are listed, so one edit fixes the file."""
    write(tmp_path, "layouts/error-grid.yaml", "layers:\n  - type: boder\n  - type: label\n    mrk: false\n")
    with pytest.raises(CatalogError) as info:
        load_layout("error-grid", tmp_path)
    lines = str(info.value).splitlines()
    assert [line.split(": ")[1] for line in lines[:-1]] == ["layers[0].type", "layers[1].mrk"]
    assert lines[-1] == "2 catalog errors"
    assert "did you mean 'mark'?" in lines[1]


def test_a_bad_colour_is_reported_at_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, "layouts/comparison.yaml", "fit: contain\nlayers:\n  - type: label\n  - type: border\n"
                                                      "    correct: green\n")
    with pytest.raises(CatalogError) as info:
        load_layout("comparison", tmp_path)
    assert str(info.value).startswith(f"{path}:5: layers[1].correct: ")
    assert "(got 'green')" in str(info.value)


def test_a_bad_value_is_reported_with_the_value(tmp_path: Path) -> None:
    """Whatever the line, the message names the bad value and the file, and nothing loads."""
    path = write(tmp_path, "layouts/comparison.yaml", "layers:\n  - type: border\n    correct: green\n")
    with pytest.raises(CatalogError) as info:
        load_layout("comparison", tmp_path)
    assert str(info.value).startswith(f"{path}:")
    assert "correct" in str(info.value) and "(got 'green')" in str(info.value)


def test_a_bad_brand_colour_is_reported_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "brand.yaml", "name: gym\ncolors:\n  correct: '#00ff00'\n  error: red\n")
    with pytest.raises(CatalogError) as info:
        load_brand(path)
    assert str(info.value).startswith(f"{path}:4: colors.error: ")
    assert "(got 'red')" in str(info.value)


def test_a_project_layout_replaces_the_packaged_one_of_its_name(tmp_path: Path) -> None:
    path = write(tmp_path, "layouts/comparison.yaml", "fit: cover\nmax_crop: 0.5\nlayers:\n  - type: border\n")
    layout, found = load_layout("comparison", tmp_path)
    assert found == path
    assert (layout.fit, layout.max_crop, [layer.type for layer in layout.layers]) == ("cover", 0.5, ["border"])
    packaged, packaged_path = load_layout("demo", tmp_path)  # not overridden: the packaged one
    assert packaged_path != tmp_path / "layouts/demo.yaml" and packaged_path.is_file()
    assert packaged.fit == "cover"


def test_an_unknown_layout_names_the_known_ones() -> None:
    with pytest.raises(RequestError, match=r"unknown layout 'comparisn'; did you mean 'comparison'\? \(known: "):
        load_layout("comparisn")


def test_build_with_an_unknown_layout_fails_in_one_line_before_building(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, restore_logging: None) -> None:
    monkeypatch.setenv("FITCONTENT_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(cli, ["build", "squat", "--layouts", "nope", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error")]
    known = ", ".join(sorted([*KINDS, "all", "none"]))
    assert errors == [f"error: unknown layout 'nope'; did you mean 'none'? (known: {known})"]
    assert "Traceback" not in result.output
    assert not (tmp_path / "dist").exists() and not (tmp_path / "cache").exists()  # nothing was built


def test_formats_parse_by_name_and_in_file_name_form() -> None:
    assert [f.name for f in parse_formats(["9x16", "16:9", "9:16"])] == ["9:16", "16:9"]
    assert [f.name for f in parse_formats(["all"])] == ["16:9", "9:16", "1:1", "4:5"]
    assert [f.sized(True) for f in parse_formats(["all"])] == [(960, 540), (540, 960), (540, 540), (540, 674)]
    with pytest.raises(RequestError, match=r"unknown format '3:2'"):
        parse_formats(["3:2"])


# ---- geometry rules -----------------------------------------------------------------------------------
CLIPS = [(720, 480), (480, 720), (1360, 768), (96, 64), (160, 96), (64, 64), (1920, 1080), (100, 62)]
ROOMS = [Rect(0, 0, 960, 540), Rect(6, 10, 540, 960), Rect(3, 7, 252, 168), Rect(0, 0, 301, 199),
         Rect(50, 50, 1901, 1061), Rect(0, 0, 64, 400)]


@pytest.mark.parametrize("mode", ["contain", "cover"])
def test_fit_never_stretches(mode: str) -> None:
    """Both axes scale by one factor: the scaled size has the clip's ratio within rounding to even pixels."""
    for (w, h), room, max_crop in itertools.product(CLIPS, ROOMS, (0.0, 0.2, 0.9)):
        placed = geometry.fit((w, h), room, mode, max_crop)
        sw, sh = placed.scaled
        assert abs(sh - sw * h / w) <= 2 or abs(sw - sh * w / h) <= 2, ((w, h), room, placed)
        # what is shown is a part of the scaled picture and lies inside the room
        cx, cy = placed.crop
        assert cx + placed.dest.w <= sw and cy + placed.dest.h <= sh, ((w, h), room, placed)
        assert room.contains(placed.dest), ((w, h), room, placed)


def test_contain_shows_the_whole_clip_centred_in_its_room() -> None:
    for (w, h), room in itertools.product(CLIPS, ROOMS):
        placed = geometry.fit((w, h), room, "contain", 0.2)
        d = placed.dest
        assert placed.crop == (0, 0) and (d.w, d.h) == placed.scaled
        # centred, give or take the snapping to even pixels (whole chroma samples)
        assert abs((d.x - room.x) - (room.right - d.right)) <= 3, ((w, h), room, placed)
        assert abs((d.y - room.y) - (room.bottom - d.bottom)) <= 3, ((w, h), room, placed)
        assert d.w >= room.w - 4 or d.h >= room.h - 4  # as large as fits: one side meets the room


SQUAT_FRONT = Rect(280, 10, 160, 454)
"""Where a front-view squat's body stays in a 720x480 clip (the pose engine's subject box)."""


def test_cover_fills_the_room_as_far_as_the_subject_stays_whole() -> None:
    """A 3:2 clip in a 16:9 room: cover crops top and bottom only as far as the body stays in view."""
    room = Rect(10, 20, 960, 540)
    placed = geometry.fit((720, 480), room, "cover", 0.2, SQUAT_FRONT)
    contain = geometry.fit((720, 480), room, "contain", 0.2)
    assert placed.dest.h == room.h and placed.dest.w > contain.dest.w  # larger than letterboxed
    shown = placed.place(SQUAT_FRONT)
    sy = placed.scaled[1] / 480
    assert shown.h >= round(SQUAT_FRONT.h * sy) - 1  # the whole body, head to feet
    assert 1 - (placed.dest.w * placed.dest.h) / (placed.scaled[0] * placed.scaled[1]) <= 0.2


def test_cover_keeps_the_subject_in_a_portrait_room_and_respects_max_crop() -> None:
    """A landscape clip in a portrait room: cut at the sides around the body, never more than max_crop."""
    room = Rect(0, 0, 540, 960)
    assert geometry.fit((720, 480), room, "cover", 0.0, SQUAT_FRONT) == geometry.fit((720, 480), room, "contain", 0.0)
    for max_crop in (0.2, 0.5, 0.9):
        placed = geometry.fit((720, 480), room, "cover", max_crop, SQUAT_FRONT)
        assert 1 - (placed.dest.w * placed.dest.h) / (placed.scaled[0] * placed.scaled[1]) <= max_crop + 0.01
        shown = placed.place(SQUAT_FRONT)
        scale = placed.scaled[0] / 720
        assert shown.w >= round(SQUAT_FRONT.w * scale) - 1 and shown.h >= round(SQUAT_FRONT.h * scale) - 1
    assert geometry.fit((720, 480), room, "cover", 0.9, SQUAT_FRONT).dest.h > 480  # much taller than contain


def test_cover_without_a_known_subject_shows_the_whole_clip() -> None:
    room = Rect(10, 20, 960, 540)
    assert geometry.fit((720, 480), room, "cover", 0.9) == geometry.fit((720, 480), room, "contain", 0.9)


def test_grid_of_four_is_two_by_two_in_landscape_and_one_column_in_portrait() -> None:
    """Four 3:2 clips: 2x2 fills a 16:9 frame, one column shows them larger in a 9:16 frame."""
    wide = geometry.grid(4, Rect(0, 0, 960, 540), 1.5, 6)
    assert len({c.x for c in wide}) == 2 and len({c.y for c in wide}) == 2
    tall = geometry.grid(4, Rect(0, 0, 540, 960), 1.5, 6)
    assert len({(c.x, c.w) for c in tall}) == 1
    assert [c.y for c in tall] == sorted({c.y for c in tall})
    for cells, area in ((wide, Rect(0, 0, 960, 540)), (tall, Rect(0, 0, 540, 960))):
        assert all(area.contains(c) for c in cells)
        assert all(a.intersect(b).w * a.intersect(b).h == 0 for a, b in itertools.combinations(cells, 2))


def test_grid_centres_a_last_row_that_is_not_full() -> None:
    cells = geometry.grid(5, Rect(0, 0, 960, 540), 1.5, 6)
    rows = sorted({c.y for c in cells})
    assert len(rows) == 2
    last = [c for c in cells if c.y == rows[1]]
    assert len(last) == 2
    assert abs(last[0].x - (960 - last[-1].right)) <= 1


def _panels(make_planner, kind: str, fmt: str, clips: list[dict], templates: Path | None = None):
    (render,) = make_planner(formats=[fmt], templates=templates).plan(clips, [kind])
    return render.spec.scenes[0].panels


FOUR = [clip_entry(a) for a in ("front", "side", "back", "low-angle")]


def test_planned_angle_grid_of_four_is_two_columns_two_rows_in_16x9(make_planner) -> None:
    panels = _panels(make_planner, "angle-grid", "16:9", FOUR)
    assert len({p.dest.x for p in panels}) == 2 and len({p.dest.y for p in panels}) == 2
    assert [p.dest.y for p in panels] == sorted(p.dest.y for p in panels)  # row by row, in angle order


def test_planned_labelled_angle_grid_of_four_is_two_by_two_in_9x16(make_planner) -> None:
    """A one-column stack would push the top label out of the safe zone and shrink every panel to make
    room: two by two, each label on its panel or above it, shows the panels larger."""
    panels = _panels(make_planner, "angle-grid", "9:16", FOUR)
    a, b, c, d = (p.dest for p in panels)
    assert abs(a.x - c.x) <= 2 and abs(b.x - d.x) <= 2 and b.x - a.x > a.w // 2  # two columns
    assert abs(a.y - b.y) <= 2 and abs(c.y - d.y) <= 2 and c.y - a.y > a.h // 2  # two rows
    assert max(p.dest.w for p in panels) - min(p.dest.w for p in panels) <= 4  # one panel size (even pixels)
    assert all(p.label is not None for p in panels)


def test_unlabelled_grid_of_four_stacks_vertically_in_9x16(make_planner, tmp_path: Path) -> None:
    """Without labels nothing has to reach into the safe zone, and the 9:16 grid is one column."""
    templates = tmp_path / "templates"
    write(templates, "layouts/angle-grid.yaml", "layers:\n  - type: border\n")
    panels = _panels(make_planner, "angle-grid", "9:16", FOUR, templates)
    assert len({(p.dest.x, p.dest.w) for p in panels}) == 1
    ys = [p.dest.y for p in panels]
    assert ys == sorted(set(ys))
    assert all(p.dest.w > p.dest.h for p in panels)  # the clips keep their landscape shape


# ---- safe zones ---------------------------------------------------------------------------------------
EVERYTHING = [clip_entry(a) for a in ("front", "front-45", "side", "back", "low-angle")] + [
    clip_entry("front", "knee-valgus"), clip_entry("side", "rounded-back"), clip_entry("side", "heels-lifting"),
    clip_entry("side", "insufficient-depth")]


@pytest.mark.parametrize("draft", [True, False], ids=["draft", "full"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_label_lies_inside_the_safe_zone_and_its_panel(make_planner, lang: str, draft: bool) -> None:
    """Each labelled panel of a comparison, error grid (five panels), angle grid (five cameras) and variation
    grid in every format has its label; the label's box and the box actually drawn are inside the
    platform's safe zone and on the panel."""
    planner = make_planner(formats=list(FORMATS), lang=lang, draft=draft)
    clips = [*EVERYTHING, clip_entry("front", variation="goblet")]
    renders = planner.plan(clips, list(LABELLED))
    assert {(r.spec.kind, r.spec.format) for r in renders} == set(itertools.product(LABELLED, FORMATS))
    font = default_font()
    for render in renders:
        safe = FORMATS[render.spec.format].safe_rect(render.spec.width, render.spec.height)
        for panel in render.spec.scenes[0].panels:
            assert panel.label is not None, (render.id, panel.clip)
            image, x, y = text_box(panel.label, font)
            drawn = Rect(x, y, *image.size)
            where = (render.id, panel.label.text, drawn, safe)
            assert safe.contains(drawn) and rect(panel.label.box).contains(drawn), where
            dest = rect(panel.dest)
            on_panel = dest.contains(drawn)
            above = drawn.bottom <= dest.y - panel.border_width and drawn.x < dest.right and drawn.right > dest.x
            assert on_panel or above, where


def _chroma_samples(rect: Rect) -> Rect:
    """``rect`` grown to whole 2x2 chroma samples: yuv420p colours a pixel pair together, so a box that
    starts on an odd row tints the row above it."""
    x, y = rect.x - rect.x % 2, rect.y - rect.y % 2
    return Rect(x, y, rect.right + rect.right % 2 - x, rect.bottom + rect.bottom % 2 - y)


def test_label_pixels_appear_only_inside_the_safe_zone(make_planner, four_angles: list[dict]) -> None:
    """A 9:16 still with labels differs from the same still without them only inside the safe zone, in the
    labels' boxes, and every label left a mark."""
    (render,) = make_planner(formats=["9:16"]).plan(four_angles, ["angle-grid"])
    scene = render.spec.scenes[0]
    bare = render.spec.model_copy(update={"scenes": [scene.model_copy(update={"panels": [
        p.model_copy(update={"label": None}) for p in scene.panels]})]})
    labelled = np.asarray(render_still(render.spec, 0.5), np.int16)
    plain = np.asarray(render_still(bare, 0.5), np.int16)
    changed = np.abs(labelled - plain).max(axis=2) > 0
    ys, xs = np.nonzero(changed)
    assert len(ys) > 0
    safe = _chroma_samples(FORMATS["9:16"].safe_rect(render.spec.width, render.spec.height))
    assert safe.x <= xs.min() and xs.max() < safe.right and safe.y <= ys.min() and ys.max() < safe.bottom
    inside = np.zeros_like(changed)
    for panel in scene.panels:
        box = _chroma_samples(rect(panel.label.box))
        assert changed[box.y:box.bottom, box.x:box.right].any(), panel.label.text
        inside[box.y:box.bottom, box.x:box.right] = True
    assert not (changed & ~inside).any()
