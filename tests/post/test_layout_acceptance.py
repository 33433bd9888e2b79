"""Every render kind × format × language, planned from clips with the pose engine's subject boxes:
no text over an athlete, no athlete cut by its panel, no text under the minimum size, no word broken
inside, and caption files that say what the screen says, when it
says it."""

from __future__ import annotations

import math

import pytest

from fitcontent.fonts import default_font
from fitcontent.pose.motion import phase_times
from fitcontent.post.captions import phase_windows
from fitcontent.post.compose import _boxed, text_box
from fitcontent.post.formats import FORMATS, Rect
from fitcontent.post.names import load_strings
from fitcontent.post.plan import Planner, load_layouts
from fitcontent.post.spec import KINDS, load_brand
from fitcontent.post.text import breaks
from tests.post.conftest import clip_entry

ANGLES = ("front", "front-45", "side", "back", "low-angle")
CLIPS = [clip_entry(a) for a in ANGLES] + [
    clip_entry("front", "knee-valgus"), clip_entry("side", "rounded-back"), clip_entry("side", "heels-lifting"),
    clip_entry("side", "insufficient-depth"), clip_entry("front", variation="goblet")]


@pytest.fixture(scope="module", params=[("en", False), ("zh", False), ("en", True), ("zh", True)],
                ids=["en", "zh", "en-draft", "zh-draft"])
def renders(request, catalog, tmp_path_factory):
    """Every kind in every format at delivery size (and --draft's half size), with the packaged layouts,
    brand and strings."""
    lang, draft = request.param
    planner = Planner(catalog, load_layouts(None), load_brand(None)[0], load_strings(None), list(FORMATS.values()),
                      lang, tmp_path_factory.mktemp("dist"), draft)
    made = planner.plan(CLIPS, list(KINDS))
    assert {(r.spec.kind, r.spec.format) for r in made} == {(k, f) for k in KINDS for f in FORMATS}
    return made


def _rect(box) -> Rect:
    return Rect(box.x, box.y, box.w, box.h)


def _subject_on_canvas(panel, clip: dict) -> Rect:
    """Where the clip's subject box lands, not clipped to the panel (so a cut shows)."""
    x0, y0, x1, y1 = clip.subject
    sx, sy = panel.scaled[0] / panel.size[0], panel.scaled[1] / panel.size[1]
    d, (cx, cy) = panel.dest, panel.crop
    left, top = math.floor(d.x + x0 * sx - cx), math.floor(d.y + y0 * sy - cy)
    return Rect(left, top, math.ceil(d.x + x1 * sx - cx) - left, math.ceil(d.y + y1 * sy - cy) - top)


def _overlaps(a: Rect, b: Rect) -> bool:
    inter = a.intersect(b)
    return inter.w > 0 and inter.h > 0


CLIP_BY_PATH = {c.path: c for c in CLIPS}


def test_no_text_covers_an_athlete_and_no_athlete_leaves_its_panel(renders) -> None:
    font = default_font()
    for render in renders:
        for scene in render.spec.scenes:
            subjects = []
            for panel in scene.panels:
                clip = next(c for path, c in CLIP_BY_PATH.items() if panel.clip.endswith(path))
                subject = _subject_on_canvas(panel, clip)
                assert _rect(panel.dest).contains(subject), (render.id, panel.clip, subject, panel.dest)
                subjects.append(subject)
            texts = [*scene.texts, *(p.label for p in scene.panels if p.label)]
            for text in texts:
                image, x, y = text_box(text, font)
                drawn = Rect(x, y, *image.size)
                for subject in subjects:
                    assert not _overlaps(drawn, subject), (render.id, text.text, drawn, subject)


def test_no_see_through_text_box_lies_across_a_pictures_edge(renders) -> None:
    """A text box sits wholly on a picture or wholly off it (borders count as picture), or it is opaque: a
    see-through box across an edge looks cut in two, grey on the picture and black off it (as the lower
    third did across the bottom of the demo)."""
    font = default_font()
    for render in renders:
        for scene in render.spec.scenes:
            for text in scene.texts:
                image, x, y = text_box(text, font)
                drawn = Rect(x, y, *image.size)
                for panel in scene.panels:
                    b = panel.border_width
                    framed = Rect(panel.dest.x - b, panel.dest.y - b, panel.dest.w + 2 * b, panel.dest.h + 2 * b)
                    opaque = text.background is not None and len(text.background.lstrip("#")) == 6
                    assert opaque or _rect(panel.dest).contains(drawn) or not _overlaps(drawn, framed), (
                        render.id, text.text, drawn, panel.dest)


def test_no_word_is_broken_inside(renders) -> None:
    """Every line of every drawn text (labels, captions, cards, lower thirds) ends where a line may break
    (:func:`breaks`): no "Correc / t", no "正 / 确"."""
    font = default_font()
    for render in renders:
        for scene in render.spec.scenes:
            for text in [*scene.texts, *(p.label for p in scene.panels if p.label)]:
                lines, at, starts = _boxed(text, font).fitted.lines, 0, []  # as the compositor draws them
                for line in lines:
                    at = text.text.index(line, at)
                    starts.append(at)
                    at += len(line)
                assert set(starts[1:]) <= set(breaks(text.text)), (render.id, text.text, lines)


def test_every_text_meets_the_minimum_size(renders) -> None:
    """1/28 of the frame's short side (39 px at 1080): cards, captions, labels and lower thirds alike.
    The compositor never shrinks a text below its ``min_size``; drawing it proves it fits at that size."""
    font = default_font()
    for render in renders:
        smallest = math.ceil(min(render.spec.width, render.spec.height) / 28)
        for scene in render.spec.scenes:
            for text in [*scene.texts, *(p.label for p in scene.panels if p.label)]:
                assert text.size >= text.min_size >= smallest, (render.id, text.text, text.size, text.min_size)
                text_box(text, font)  # raises where the text fits its box only smaller


def test_labelled_panels_all_have_their_label(renders) -> None:
    for render in renders:
        if render.spec.kind in ("comparison", "error-grid", "angle-grid", "variations"):
            for panel in render.spec.scenes[0].panels:
                assert panel.label is not None, (render.id, panel.clip)


def test_caption_files_carry_every_on_screen_caption_at_its_time(renders) -> None:
    """Each burned-in caption is a cue of the caption file in the render's language, with the same words
    and times; every cue starts and ends on the clip's phase windows (or a scene edge)."""
    for render in renders:
        lang = render.info.lang
        cues = {(round(e.start, 3), round(e.end, 3), e.text) for e in render.captions[lang]}
        start = 0.0
        for scene in render.spec.scenes:
            for text in scene.texts:
                if text.start is not None and text.background and "caption" not in text.anchor:
                    said = (round(start + text.start, 3), round(start + text.end, 3), text.text)
                    if text.anchor.endswith("center"):  # captions (lower thirds are left-anchored names)
                        assert said in cues, (render.id, said)
            start += scene.duration
        assert render.captions["en"] and render.captions["zh"], render.id


def test_cues_line_up_with_phase_times(renders, catalog) -> None:
    squat = catalog.movement("squat")
    windows = {(s, e) for s, e, _ in phase_windows(phase_times(squat, 49, 8), 49 / 8)}
    for render in renders:
        if render.spec.kind not in ("demo", "angle-grid"):
            continue
        for event in render.captions["en"]:
            assert (event.start, event.end) in windows, (render.id, event)
