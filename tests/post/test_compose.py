"""The compositor executes a planned spec into pixels: checked on solid-colour clips, where every pixel is known.

Borders have the declared colours, each grid cell shows its own clip, cover crops evenly, timed text shows
only in its window, and text (Chinese included) is drawn with real glyphs, wrapped or shrunk, never cut off.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from fitcontent import api
from fitcontent.errors import FitcontentError
from fitcontent.fonts import FontRef, check_glyphs, default_font
from fitcontent.media import encode_h264, probe
from fitcontent.post import compose
from fitcontent.post.compose import (
    Box,
    PanelSpec,
    RenderSpec,
    SceneSpec,
    TextSpec,
    render_still,
    render_video,
    text_box,
)
from fitcontent.post.spec import Brand, load_brand
from fitcontent.post.text import (
    fit_text,
    line_height,
    text_image,
    units,
    wrap,
)
from fitcontent.settings import Settings
from tests.post.conftest import (
    BLUE,
    CORRECT,
    DEJAVU,
    ERROR,
    GREEN,
    RED,
    YELLOW,
    clip_entry,
    close,
    read_frame,
    ring_lines,
)

PURPLE, TEAL = (120, 40, 160), (20, 160, 160)
WHITE = (255, 255, 255)


@pytest.fixture
def pair(make_clip) -> list[dict]:
    """A correct clip (purple) and a knees-caving-in clip (teal) from the front camera."""
    return [make_clip("front", PURPLE), make_clip("front", TEAL, form="knee-valgus")]


def comparison(planner, clips: list[dict]):
    (render,) = planner.plan(clips, ["comparison"])
    return render


def centre(image: np.ndarray, panel: PanelSpec) -> np.ndarray:
    return image[panel.dest.y + panel.dest.h // 2, panel.dest.x + panel.dest.w // 2]


def assert_border(image: np.ndarray, panel: PanelSpec, color: str, decoded: bool = False) -> None:
    """The panel declares ``color`` and its ring shows it on all four sides: every pixel of a composed
    still, the median of each side of a decoded video (H.264 blurs the odd pixel)."""
    assert panel.border == color and panel.border_width >= 2
    for line in ring_lines(image, panel):
        if decoded:
            assert close(np.median(line, axis=0), color), (panel.clip, color)
        else:
            assert all(close(pixel, color, 4) for pixel in line), (panel.clip, color)


# ---- borders ------------------------------------------------------------------------------------------
def test_comparison_borders_are_the_brand_colours_of_each_form(make_planner, pair: list[dict]) -> None:
    """Correct form is framed in green (#16a34a), the error in red (#dc2626), the whole ring round."""
    render = comparison(make_planner(formats=["16:9"]), pair)
    correct, error = render.spec.scenes[0].panels
    still = np.asarray(render_still(render.spec, 0.5))
    assert_border(still, correct, CORRECT)
    assert_border(still, error, ERROR)
    assert close(centre(still, correct), PURPLE) and close(centre(still, error), TEAL)


def test_borders_survive_encoding(make_planner, pair: list[dict], tmp_path: Path) -> None:
    """In the encoded 9:16 video the middle of each ring still decodes to its colour."""
    render = comparison(make_planner(formats=["9:16"]), pair)
    video = tmp_path / "comparison.mp4"
    compose.render_video(render.spec, video)
    frame = read_frame(video, 3)
    for panel, color in zip(render.spec.scenes[0].panels, (CORRECT, ERROR), strict=True):
        assert_border(frame, panel, color, decoded=True)


def test_a_custom_brand_colours_borders_and_labels(make_planner, pair: list[dict], tmp_path: Path) -> None:
    """colors.correct / colors.error of a brand.yaml replace the defaults on borders and label tags."""
    path = tmp_path / "brand.yaml"
    path.write_text("name: gym\ncolors:\n  correct: '#2563eb'\n  error: '#f97316'\n", encoding="utf-8")
    brand, _ = load_brand(path)
    render = comparison(make_planner(formats=["16:9"], brand=brand), pair)
    still = np.asarray(render_still(render.spec, 0.5))
    font = default_font()
    for panel, color in zip(render.spec.scenes[0].panels, ("#2563eb", "#f97316"), strict=True):
        assert_border(still, panel, color)
        image, x, y = text_box(panel.label, font)
        assert close(still[y + image.height // 2, x + image.width - 4], color, 4)  # the tag's background


def test_a_brand_given_in_settings_reaches_the_planner(pair: list[dict], tmp_path: Path, dist: Path) -> None:
    """``Settings(brand=...)`` (the --brand flag) is the brand the build's planner draws with."""
    path = tmp_path / "brand.yaml"
    path.write_text("colors:\n  correct: '#0000ff'\n  error: '#ffff00'\n", encoding="utf-8")
    request = api.make_request(exercises=["squat"], formats=["1:1"])
    planner = api._planner(request, Settings(brand=path), api.load_catalog(), dist, True)
    render = comparison(planner, pair)
    still = np.asarray(render_still(render.spec, 0.5))
    correct, error = render.spec.scenes[0].panels
    assert_border(still, correct, "#0000ff")
    assert_border(still, error, "#ffff00")


def test_a_layout_border_colour_overrides_the_brand(make_planner, pair: list[dict], tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "layouts").mkdir(parents=True)
    (templates / "layouts" / "comparison.yaml").write_text(
        "fit: contain\nlayers:\n  - type: border\n    width: 0.02\n    correct: '#06b6d4'\n    error: '#a855f7'\n"
        "  - type: label\n", encoding="utf-8")
    render = comparison(make_planner(formats=["4:5"], templates=templates), pair)
    still = np.asarray(render_still(render.spec, 0.5))
    correct, error = render.spec.scenes[0].panels
    assert correct.border_width == round(0.02 * render.spec.width)
    assert_border(still, correct, "#06b6d4")
    assert_border(still, error, "#a855f7")


# ---- panels -------------------------------------------------------------------------------------------
def test_each_grid_cell_shows_its_own_clip(make_planner, four_angles: list[dict], tmp_path: Path) -> None:
    """Four cameras, four colours: in the encoded angle grid each cell is the colour of its camera's clip,
    at its centre and near its far corner."""
    (render,) = make_planner(formats=["16:9"]).plan(four_angles, ["angle-grid"])
    panels = render.spec.scenes[0].panels
    assert [p.clip for p in panels] == [str(tmp_path / "dist" / c.path) for c in four_angles]
    video = tmp_path / "grid.mp4"
    compose.render_video(render.spec, video)
    info = probe(video)
    assert (info.width, info.height, info.frames) == (render.spec.width, render.spec.height, render.spec.frames)
    frame = read_frame(video, 5)
    for panel, color in zip(panels, (RED, GREEN, BLUE, YELLOW), strict=True):
        d = panel.dest
        assert close(centre(frame, panel), color), (panel.clip, color)
        assert close(frame[d.y + d.h - 8, d.x + d.w - 8], color), (panel.clip, color)


def test_each_cell_of_a_vertical_grid_shows_its_own_clip(make_planner, four_angles: list[dict]) -> None:
    (render,) = make_planner(formats=["9:16"]).plan(four_angles, ["angle-grid"])
    still = np.asarray(render_still(render.spec, 0.5))
    for panel, color in zip(render.spec.scenes[0].panels, (RED, GREEN, BLUE, YELLOW), strict=True):
        assert close(centre(still, panel), color), (panel.clip, color)


def test_cover_fills_the_panel_and_crops_around_the_subject(make_planner, dist: Path) -> None:
    """The demo layout covers its panel with a 3:2 clip as far as the subject allows: the clip's left half
    (red) and right half (blue) meet in the middle of the panel, and its green top and bottom stripes,
    outside the subject, are cropped away."""
    width, height, frames = 192, 128, 8
    frame = np.empty((height, width, 3), np.uint8)
    frame[:, : width // 2], frame[:, width // 2:] = RED, BLUE
    frame[:8], frame[-8:] = GREEN, GREEN
    clip = clip_entry("front", size=(width, height), frames=frames).model_copy(update={"subject": (40, 12, 152, 116)})
    (dist / "squat").mkdir(parents=True)
    encode_h264(dist / clip.path, [frame] * frames, width, height, 8)
    (render,) = make_planner(formats=["16:9"]).plan([clip], ["demo"])
    (panel,) = render.spec.scenes[0].panels
    d = panel.dest
    assert panel.crop[0] == 0 and panel.crop[1] > 0
    still = np.asarray(render_still(render.spec, 0.5))
    middle = d.x + d.w // 2
    for y in (d.y + 3, d.y + d.h // 2, d.y + d.h - 4):
        assert close(still[y, middle - 6], RED, 20) and close(still[y, middle + 6], BLUE, 20), y
        assert close(still[y, d.x + 3], RED, 20) and close(still[y, d.x + d.w - 4], BLUE, 20), y


def test_inputs_shorter_than_their_scene_hold_their_last_frame(make_clip, make_planner) -> None:
    """A comparison of an 8-frame and a 16-frame clip lasts 16 frames; the short one keeps showing."""
    short, long = make_clip("front", PURPLE, frames=8), make_clip("front", TEAL, form="knee-valgus", frames=16)
    render = comparison(make_planner(formats=["16:9"]), [short, long])
    assert render.spec.frames == 16
    still = np.asarray(render_still(render.spec, 1.9))
    first, second = render.spec.scenes[0].panels
    assert close(centre(still, first), PURPLE) and close(centre(still, second), TEAL)


def test_the_poster_taken_while_encoding_is_the_still_at_its_time(make_clip, make_planner, tmp_path: Path) -> None:
    """render_video hands back the frame at ``still_at`` pixel for pixel as render_still composes it (the
    build takes posters this way, without decoding the clips a second time)."""
    short, long = make_clip("front", PURPLE, frames=8), make_clip("front", TEAL, form="knee-valgus", frames=16)
    render = comparison(make_planner(formats=["16:9"]), [short, long])
    poster = render_video(render.spec, tmp_path / "comparison.mp4", still_at=1.4)
    assert poster is not None and poster.size == (render.spec.width, render.spec.height)
    assert np.array_equal(np.asarray(poster), np.asarray(render_still(render.spec, 1.4)))
    assert render_video(render.spec, tmp_path / "again.mp4") is None


def _one_panel_spec(clip: dict, dist: Path, texts: list[TextSpec]) -> RenderSpec:
    font = default_font()
    panel = PanelSpec(clip=str(dist / clip.path), sha256=clip.sha256, frames=clip.frames, fps=clip.fps,
                      size=(clip.width, clip.height), scaled=(192, 128), crop=(0, 0),
                      dest=Box(x=32, y=16, w=192, h=128))
    scene = SceneSpec(duration=clip.frames / clip.fps, background="#000000", panels=[panel], texts=texts)
    return RenderSpec(id="test", kind="demo", format="16:9", width=256, height=160, fps=clip.fps,
                      font=str(font.path), font_index=font.index, font_sha256="0" * 64, scenes=[scene])


def test_timed_text_shows_only_in_its_window(make_clip, dist: Path) -> None:
    """A caption from 0.5 s to 1.0 s: absent before and after, present (white box) inside."""
    clip = make_clip("front", BLUE)
    caption = TextSpec(text="Brace", box=Box(x=40, y=100, w=170, h=40), size=16, color="#000000",
                       background="#ffffff", start=0.5, end=1.0)
    spec = _one_panel_spec(clip, dist, [caption])
    image, x, y = text_box(caption, default_font())
    pad = 4  # the strip above the words, inside the tag's rounded corners
    for t, color in ((0.25, BLUE), (0.75, WHITE), (1.5, BLUE)):
        strip = np.asarray(render_still(spec, t))[y + 1:y + pad, x + 2 * pad:x + image.width - 2 * pad]
        assert strip.size and all(close(pixel, color) for pixel in strip.reshape(-1, 3)), t


def test_the_scaled_input_is_pasted_where_the_spec_says(make_clip, dist: Path) -> None:
    """A 96x64 clip decoded at 192x128 and pasted at (32, 16): outside that box only the background."""
    spec = _one_panel_spec(make_clip("front", YELLOW), dist, [])
    still = np.asarray(render_still(spec, 0.5))
    inside = still[16 + 2:16 + 128 - 2, 32 + 2:32 + 192 - 2].reshape(-1, 3)
    assert all(close(p, YELLOW) for p in inside[::97])
    outside = np.ones(still.shape[:2], bool)
    outside[16:144, 32:224] = False
    assert (still[outside] == 0).all()


# ---- text ---------------------------------------------------------------------------------------------
def _white_pixels(image: Image.Image) -> int:
    rgb = np.asarray(image.convert("RGB"), np.int16)
    return int((rgb.min(axis=2) > 200).sum())


def test_chinese_label_is_drawn_with_the_default_font() -> None:
    """The label "膝盖内扣" on a red tag: white glyph pixels where an empty label has none; each character's
    glyph differs from the others (a missing glyph would draw the same box four times)."""
    font = default_font()

    def label(text: str) -> Image.Image:
        spec = TextSpec(text=text, box=Box(x=0, y=0, w=400, h=60), size=24, color="#ffffff", background=ERROR)
        return text_box(spec, font)[0]

    assert _white_pixels(label("")) == 0
    assert _white_pixels(label("膝盖内扣")) > 200
    glyphs = [np.asarray(label(char))[..., 0] for char in "膝盖内扣"]
    for a, b in itertools.combinations(glyphs, 2):
        assert a.shape != b.shape or (a != b).any()


def test_a_chinese_render_labels_the_error_in_chinese(make_planner, pair: list[dict]) -> None:
    render = comparison(make_planner(formats=["9:16"], lang="zh"), pair)
    correct, error = render.spec.scenes[0].panels
    assert (correct.label.text, error.label.text) == ("正确", "膝盖内扣")
    still = render_still(render.spec, 0.5)
    image, x, y = text_box(error.label, default_font())
    drawn = still.crop((x, y, x + image.width, y + image.height))
    assert _white_pixels(drawn) > 100  # the mark and four characters, in the text colour


@pytest.fixture
def dejavu() -> FontRef:
    if not DEJAVU.is_file():
        pytest.skip(f"{DEJAVU} is not installed")
    return FontRef(DEJAVU)


def test_a_font_without_chinese_is_refused_naming_the_character(dejavu: FontRef) -> None:
    check_glyphs(dejavu, "Knees caving in")
    with pytest.raises(FitcontentError, match=r"font DejaVuSans\.ttf has no glyph for '内' \(U\+5185\), '扣' "
                                              r"\(U\+6263\), '盖' \(U\+76D6\), '膝' \(U\+819D\) in '膝盖内扣'"):
        check_glyphs(dejavu, "膝盖内扣")


def test_a_brand_font_lacking_a_glyph_fails_at_planning(make_planner, pair: list[dict], dist: Path,
                                                        dejavu: FontRef) -> None:
    """The Chinese label cannot be drawn with DejaVu Sans: planning stops, before anything renders."""
    brand = Brand(font=dejavu.path)
    english = comparison(make_planner(brand=brand), pair)
    assert english.spec.font == str(dejavu.path)
    with pytest.raises(FitcontentError, match=r"DejaVuSans\.ttf has no glyph for '正' \(U\+6B63\)"):
        make_planner(brand=brand, lang="zh").plan(pair, ["comparison"])
    assert not (dist / "renders").exists()


def test_a_brand_font_lacking_a_caption_glyph_fails_at_planning(make_planner, tmp_path: Path, dejavu: FontRef) -> None:
    templates = tmp_path / "templates"
    (templates / "layouts").mkdir(parents=True)
    (templates / "layouts" / "demo.yaml").write_text("layers:\n  - type: caption\n    source: cues\n", encoding="utf-8")
    planner = make_planner(brand=Brand(font=dejavu.path), lang="zh", templates=templates)
    with pytest.raises(FitcontentError, match=r"no glyph for"):
        planner.plan([clip_entry("front")], ["demo"])


LONG = "Push your knees out over your toes while you keep your chest up and your whole foot on the floor"


def test_long_text_in_a_narrow_box_is_wrapped_onto_several_lines() -> None:
    font = default_font()
    fitted = fit_text(LONG, font, 24, 200, 200)
    face = font.at(fitted.size)
    assert len(fitted.lines) > 2
    assert " ".join(fitted.lines) == LONG  # nothing dropped
    assert all(face.getlength(line) <= 200 for line in fitted.lines)
    assert fitted.width <= 200 and fitted.height <= 200
    assert fitted.height == line_height(face) * len(fitted.lines)


def test_text_that_cannot_fit_at_its_size_is_shrunk() -> None:
    font = default_font()
    fitted = fit_text(LONG, font, 40, 300, 90)
    assert fitted.size < 40
    assert fitted.width <= 300 and fitted.height <= 90
    assert " ".join(fitted.lines) == LONG


def test_chinese_wraps_between_characters() -> None:
    font = default_font()
    text = "下蹲前收紧核心臀部向后向下坐保持挺胸"
    fitted = fit_text(text, font, 24, 100, 300)
    assert len(fitted.lines) > 1 and "".join(fitted.lines) == text
    assert all(font.at(fitted.size).getlength(line) <= 100 for line in fitted.lines)


def test_chinese_lines_never_start_with_closing_punctuation() -> None:
    fitted = fit_text("膝盖向外推，对准脚尖", default_font(), 40, 200, 400)
    assert len(fitted.lines) > 1
    assert not any(line[0] in "，。、；：！？）」" for line in fitted.lines)


def test_an_over_long_word_is_broken_between_characters_not_cut() -> None:
    face = default_font().at(20)
    word = "Supercalifragilisticexpialidocious"
    lines = wrap(word, face, 80)
    assert len(lines) > 1 and "".join(lines) == word
    assert all(face.getlength(line) <= 80 for line in lines)


def test_text_that_fits_nowhere_is_an_error_not_a_clipped_line() -> None:
    with pytest.raises(FitcontentError, match=r"does not fit a 20x6 box"):
        fit_text(LONG, default_font(), 24, 20, 6)


@pytest.mark.parametrize("text", ["Jiggly puppy quays gjpqy with Ångström ÉÅ", "膝盖向外推，对准脚尖 gjpq"])
def test_drawn_text_is_never_cut_off(text: str) -> None:
    """Every glyph's ink lies inside the fitted image: it has as much ink as the same lines drawn with room."""
    font = default_font()
    fitted = fit_text(text, font, 40, 220, 400)
    image = text_image(fitted, font, "#ffffff", "left")
    assert image.size == (max(1, fitted.width), max(1, fitted.height))
    roomy = Image.new("RGBA", (fitted.width + 100, fitted.height + 100), (0, 0, 0, 0))
    draw, face = ImageDraw.Draw(roomy), font.at(fitted.size)
    for row, line in enumerate(fitted.lines):
        draw.text((50, 50 + row * line_height(face)), line, font=face, fill="#ffffff", anchor="la")
    assert np.asarray(image)[..., 3].astype(int).sum() == np.asarray(roomy)[..., 3].astype(int).sum()


def test_a_text_box_never_leaves_its_box() -> None:
    """Whatever the anchor and text, the drawn box (tag, mark and words) fits the box it was given."""
    font = default_font()
    box = Box(x=10, y=20, w=400, h=90)
    for anchor, text, mark in itertools.product(["top-left", "center", "bottom-right", "bottom-center"],
                                                ["OK", LONG, "膝盖向外推，对准脚尖"], [None, "error"]):
        spec = TextSpec(text=text, box=box, size=20, color="#ffffff", background="#000000", anchor=anchor, mark=mark)
        image, x, y = text_box(spec, font)
        assert box.x <= x and x + image.width <= box.x + box.w, (anchor, text, mark)
        assert box.y <= y and y + image.height <= box.y + box.h, (anchor, text, mark)


def test_a_latin_only_brand_font_still_renders_english_cards(tmp_path: Path) -> None:
    """Chinese card text goes only to the caption files, so an English build needs no CJK glyphs."""
    from fitcontent.post.formats import FORMATS
    from fitcontent.post.names import load_strings
    from fitcontent.post.plan import Planner, load_layouts

    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        pytest.skip(f"{latin} not installed")
    clips = tmp_path / "clips"
    clips.mkdir()
    encode_h264(clips / "front.mp4", [np.zeros((64, 96, 3), np.uint8)] * 8, 96, 64, 8)
    entry = clip_entry("front", size=(96, 64), frames=8).model_copy(update={"path": "front.mp4", "subject": None})
    planner = Planner(api.load_catalog(), load_layouts(None), Brand(font=latin), load_strings(None),
                      [FORMATS["16:9"]], "en", clips, draft=True)
    (lesson,) = planner.plan([entry], ["lesson"])
    assert "深蹲" in lesson.captions["zh"][0].text


@pytest.mark.parametrize(("text", "words"), [("规范动作，科学训练", ["科学", "训练"]),
                                             ("膝盖与脚尖方向一致", ["脚尖", "方向", "一致"])])
def test_chinese_breaks_between_words_never_inside_one(text: str, words: list[str]) -> None:
    """Unicode line breaking plus word segmentation: a narrow box breaks between words, never "科学训 / 练"."""
    font = default_font()
    face = font.at(40)
    for width in range(round(face.getlength("科学")), round(face.getlength(text)), 7):
        lines = wrap(text, face, width)
        assert "".join(lines) == text
        for word in words:  # a word sits on one line whenever a line can hold it
            assert any(word in line for line in lines), (width, lines)


def test_text_is_never_shrunk_below_its_minimum_size() -> None:
    with pytest.raises(FitcontentError, match=r"at 30 px \(the smallest allowed\)"):
        fit_text(LONG, default_font(), 40, 300, 90, min_size=30)
    assert fit_text("Correct", default_font(), 40, 300, 90, min_size=30).size == 40


@pytest.mark.parametrize("word", ["Correct", "正确", "脚跟离地"])
def test_a_word_is_shrunk_whole_rather_than_broken(word: str) -> None:
    """A box too narrow for the word at 48 px but wide enough at 40 gets it whole, one line, smaller:
    never "Correc / t" or "正 / 确" while a size down to the minimum keeps it whole."""
    font = default_font()
    width = round(font.at(40).getlength(word)) + 1
    assert font.at(48).getlength(word) > width
    fitted = fit_text(word, font, 48, width, 500, min_size=30)
    assert fitted.lines == [word] and fitted.size < 48


def test_a_word_is_broken_only_at_the_minimum_size() -> None:
    """Where even the minimum size cannot hold the word, it is broken there, not at a larger size."""
    font = default_font()
    fitted = fit_text("Correct", font, 48, 100, 500, min_size=30)
    assert len(fitted.lines) > 1 and "".join(fitted.lines) == "Correct" and fitted.size == 30


@pytest.mark.parametrize(("text", "pieces"), [("脚跟离地", ["脚跟离地"]), ("前侧45°", ["前侧45°"]),
                                              ("下蹲深度不足", ["下蹲", "深度不足"]),
                                              ("挺胸，保持背部平直", ["挺胸，", "保持", "背部", "平直"])])
def test_chinese_words_of_one_character_stay_with_their_neighbours(text: str, pieces: list[str]) -> None:
    """budoux cuts short labels into characters ("脚 / 跟 / 离 / 地"); a line never breaks next to a
    one-character piece, but always may after punctuation."""
    assert units(text) == pieces


@pytest.mark.parametrize("text", ["Keep your weight over your whole foot", "Knees caving in", "规范动作，科学训练"])
def test_wrapped_lines_are_balanced_so_no_word_is_left_alone(text: str) -> None:
    """Greedy breaking at a width that leaves one word on the last line; the fitted text keeps the same
    number of lines, made as even as they go: "Keep your weight / over your whole foot"."""
    font = default_font()
    face = font.at(48)
    width = next(w for w in range(2000, 40, -2) if len(wrap(text, face, w)) == 2)  # the widest two-line box
    greedy = wrap(text, face, width)
    assert len(greedy[-1].split()) == 1 or len(greedy[-1]) <= 2  # one word alone
    fitted = fit_text(text, font, 48, width, 500, 48)
    assert len(fitted.lines) == 2 and "".join(fitted.lines).replace(" ", "") == text.replace(" ", "")
    assert fitted.width < max(face.getlength(line) for line in greedy)
    assert max(face.getlength(line) for line in fitted.lines) - min(face.getlength(line) for line in fitted.lines) \
        < max(face.getlength(line) for line in greedy) - min(face.getlength(line) for line in greedy)
