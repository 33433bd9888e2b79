"""Timed captions: each cue shows while its phase is on screen, in WebVTT and SRT files that parse, in both
languages, shifted by whatever plays before the video (a lesson's title card)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from webvtt import WebVTT

from fitcontent.catalog.loader import Catalog
from fitcontent.pose.motion import phase_times
from fitcontent.post.captions import (
    MIN_CAPTION_SECONDS,
    CaptionError,
    Event,
    cue_events,
    phase_events,
    phase_windows,
    srt,
    trim,
    webvtt,
)
from fitcontent.post.layers import EndCard, SummaryCard, TitleCard
from fitcontent.post.names import load_strings
from fitcontent.post.plan import load_layouts
from fitcontent.post.spec import Brand
from tests.post.conftest import BUILD, clip_entry

CLOCK = r"(\d{2}):([0-5]\d):([0-5]\d)([.,])(\d{3})"
TIMING = re.compile(rf"^{CLOCK} --> {CLOCK}(?: .*)?$")


@dataclass(frozen=True)
class Cue:
    start: float
    end: float
    text: str


def _seconds(hours: str, minutes: str, secs: str, millis: str) -> float:
    return round(int(hours) * 3600 + int(minutes) * 60 + int(secs) + int(millis) / 1000, 3)


def _timing(line: str, separator: str) -> tuple[float, float]:
    match = TIMING.match(line)
    assert match, f"not a timing line: {line!r}"
    h1, m1, s1, sep1, ms1, h2, m2, s2, sep2, ms2 = match.groups()
    assert sep1 == sep2 == separator, line
    start, end = _seconds(h1, m1, s1, ms1), _seconds(h2, m2, s2, ms2)
    assert start < end, line
    return start, end


def parse_vtt(text: str) -> list[Cue]:
    """A small WebVTT reader: the ``WEBVTT`` header, then blocks of an optional id, a timing line with a dot
    before the milliseconds, and one or more lines of text."""
    header, *blocks = text.strip("\n").split("\n\n")
    assert header == "WEBVTT"
    cues = []
    for block in blocks:
        lines = block.split("\n")
        if "-->" not in lines[0]:
            lines = lines[1:]  # a cue identifier
        start, end = _timing(lines[0], ".")
        assert lines[1:] and all(line.strip() for line in lines[1:]), block
        cues.append(Cue(start, end, "\n".join(lines[1:])))
    return cues


def parse_srt(text: str) -> list[Cue]:
    """SRT: numbered blocks from 1, a timing line with a comma before the milliseconds, the text."""
    cues: list[Cue] = []
    if not text.strip():  # a render without captions (an error grid)
        return cues
    for number, block in enumerate(text.strip("\n").split("\n\n"), 1):
        index, timing, *lines = block.split("\n")
        assert index == str(number), block
        start, end = _timing(timing, ",")
        assert lines and all(line.strip() for line in lines), block
        cues.append(Cue(start, end, "\n".join(lines)))
    return cues


# ---- timing rules -------------------------------------------------------------------------------------
TIMES = [(0.0, "top"), (1.0, "bottom"), (2.0, "top"), (3.0, "bottom"), (4.0, "top")]


def test_each_keyframe_owns_the_time_between_the_midpoints_around_it() -> None:
    assert phase_windows(TIMES, 4.125) == [(0.0, 0.5, "top"), (0.5, 1.5, "bottom"), (1.5, 2.5, "top"),
                                           (2.5, 3.5, "bottom"), (3.5, 4.125, "top")]


def test_cues_of_a_phase_take_turns_and_short_windows_get_none() -> None:
    """Windows under a second are skipped; the second visit of ``bottom`` shows its second cue."""
    cues = [("top", "Brace"), ("bottom", "Knees out"), ("bottom", "Chest up")]
    assert cue_events(TIMES, 4.125, cues) == [Event(0.5, 1.5, "Knees out"), Event(1.5, 2.5, "Brace"),
                                              Event(2.5, 3.5, "Chest up")]
    assert all(e.end - e.start >= MIN_CAPTION_SECONDS for e in cue_events(TIMES, 4.125, cues))
    assert cue_events([(0.0, "top"), (0.5, "bottom"), (1.0, "top")], 1.125, cues) == []


def test_a_correction_shows_only_while_its_error_shows() -> None:
    assert phase_events(TIMES, 4.125, ["bottom"], "Knees out") == [Event(0.5, 1.5, "Knees out"),
                                                                    Event(2.5, 3.5, "Knees out")]


def test_webvtt_and_srt_write_the_same_cues_with_a_dot_and_a_comma() -> None:
    events = [Event(0.0, 3.0, "Squat\nPrimary muscles: Quadriceps"), Event(3.5, 4.5, "Knees out"),
              Event(3723.5, 3724.25, "下蹲前收紧核心")]
    vtt, subtitles = webvtt(events), srt(events)
    assert "01:02:03.500 --> 01:02:04.250" in vtt and "01:02:03,500 --> 01:02:04,250" in subtitles
    expected = [Cue(e.start, e.end, e.text) for e in events]
    assert parse_vtt(vtt) == expected
    assert parse_srt(subtitles) == expected


def test_shifting_moves_both_ends() -> None:
    assert Event(0.5, 1.5, "x").shifted(3.0) == Event(3.5, 4.5, "x")


# ---- cutting caption files ---------------------------------------------------------------------------
LONG = [Event(0.0, 3.0, "Squat\nPrimary muscles: Quadriceps"), Event(55.0, 58.0, "Keep your chest up"),
        Event(58.5, 62.0, "下蹲前收紧核心"), Event(63.0, 65.0, "Late")]


@pytest.mark.parametrize("write", [webvtt, srt], ids=["webvtt", "srt"])
def test_trim_drops_later_cues_and_ends_the_last_at_the_cut(write) -> None:
    assert trim(write(LONG), 60) == write([*LONG[:2], Event(58.5, 60.0, "下蹲前收紧核心")])
    assert trim(write(LONG), 58.2) == write(LONG[:2])  # between cues: nothing is cut short
    assert trim(write(LONG), 58.5004) == write(LONG[:2])  # at the millisecond the cue starts: it would last 0 ms
    assert trim(write(LONG), 100) == write(LONG)


def test_trimmed_webvtt_cues_keep_their_place_near_the_top() -> None:
    captions = WebVTT.from_string(trim(webvtt(LONG), 60), strict=True).captions
    assert [str(c.settings) for c in captions] == ["line:8% position:50% align:center"] * 3


@pytest.mark.parametrize(("text", "problem"), [
    ("WEBVTT\n\n00:00:01.000 --> 00:0x:02.000 line:8%\nhi\n", "not a WebVTT file we can read: Invalid cue block"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000 line:high\nhi\n", "Invalid cue setting 'line:high'"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi\n00:00:03.000 --> 00:00:04.000\nho\n", "Invalid cue block"),
    ("1\n00:00:01,000 -> 00:00:02,000\nhi\n", "not an SRT file we can read"),
    ("Squat\n", "not an SRT file we can read"),
], ids=["vtt-clock", "vtt-setting", "vtt-no-blank-line", "srt-arrow", "srt-no-cue"])
def test_trim_names_what_is_wrong_with_a_malformed_file(text: str, problem: str) -> None:
    with pytest.raises(CaptionError, match=re.escape(problem)):
        trim(text, 60)


# ---- burned-in captions -------------------------------------------------------------------------------
def test_burned_in_captions_are_the_caption_file_cues_of_the_render_language(make_planner) -> None:
    """The captions drawn into the video (texts with a start and an end) are the cues its language's file
    gets; the other language's cues are not drawn."""
    for lang, other in (("en", "zh"), ("zh", "en")):
        (render,) = make_planner(lang=lang).plan([clip_entry("front", frames=33)], ["demo"])
        drawn = {(t.start, t.end, t.text) for t in render.spec.scenes[0].texts}
        events = {(e.start, e.end, e.text) for e in render.captions[lang]}
        assert len(events) == 3 and events <= drawn
        assert not {e.text for e in render.captions[other]} & {text for _, _, text in drawn}


# ---- caption files of a build -------------------------------------------------------------------------
def _files(built: SimpleNamespace, entry: dict, lang: str) -> tuple[list[Cue], list[Cue]]:
    return (parse_vtt((built.dist / entry["captions"][lang]).read_text(encoding="utf-8")),
            parse_srt((built.dist / entry["subtitles"][lang]).read_text(encoding="utf-8")))


def _entries(built: SimpleNamespace, kind: str) -> list[dict]:
    found = [e for e in built.renders if e["kind"] == kind]
    assert found, kind
    return found


def test_caption_files_sit_beside_the_video_in_both_languages(built: SimpleNamespace) -> None:
    for entry in built.renders:
        stem = Path(entry["path"]).with_suffix("")
        assert entry["captions"] == {lang: f"{stem}.{lang}.vtt" for lang in ("en", "zh")}
        assert entry["subtitles"] == {lang: f"{stem}.{lang}.srt" for lang in ("en", "zh")}
        for lang in ("en", "zh"):
            vtt, subtitles = _files(built, entry, lang)
            assert vtt == subtitles, (entry["id"], lang)  # same cues; the separators were checked by the parsers
            assert all(0 <= c.start < c.end <= entry["duration"] + 1e-3 for c in vtt), entry["id"]
            assert [c.start for c in vtt] == sorted(c.start for c in vtt)


def test_a_demo_cue_shows_while_a_keyframe_of_its_phase_is_on_screen(built: SimpleNamespace, catalog: Catalog) -> None:
    squat = catalog.movement("squat")
    times = phase_times(squat, BUILD["frames"], 8)
    for lang in ("en", "zh"):
        phases_of = {}
        for cue in squat.cues:
            phases_of.setdefault(getattr(cue, lang), set()).add(cue.phase)
        for entry in _entries(built, "demo"):
            vtt, _ = _files(built, entry, lang)
            assert len(vtt) == 3, (entry["id"], vtt)  # three phase windows of a second or more in two reps
            for cue in vtt:
                assert cue.text in phases_of, (lang, cue)
                assert any(cue.start <= t <= cue.end and phase in phases_of[cue.text] for t, phase in times), cue


def test_chinese_caption_files_have_the_chinese_cues_at_the_same_times(built: SimpleNamespace,
                                                                        catalog: Catalog) -> None:
    squat = catalog.movement("squat")
    for entry in _entries(built, "demo"):
        english, _ = _files(built, entry, "en")
        chinese, _ = _files(built, entry, "zh")
        assert [(c.start, c.end) for c in chinese] == [(c.start, c.end) for c in english]
        to_zh = {cue.en: cue.zh for cue in squat.cues}
        assert [c.text for c in chinese] == [to_zh[c.text] for c in english]
        assert "膝盖向外推，对准脚尖" in (built.dist / entry["captions"]["zh"]).read_text(encoding="utf-8")


def test_a_comparison_captions_the_correction_while_the_error_shows(built: SimpleNamespace, catalog: Catalog) -> None:
    squat = catalog.movement("squat")
    times = phase_times(squat, BUILD["frames"], 8)
    errors = {e.id: e for e in squat.errors}
    for entry in _entries(built, "comparison"):
        (form,) = [clip.rsplit(".", 1)[1] for clip in entry["inputs"] if not clip.endswith(".correct")]
        error = errors[form]
        for lang in ("en", "zh"):
            vtt, _ = _files(built, entry, lang)
            assert vtt and {c.text for c in vtt} == {getattr(error.correction, lang)}
            for cue in vtt:
                assert any(cue.start <= t <= cue.end and phase in error.phases for t, phase in times), cue


def test_lesson_captions_are_shifted_by_its_title_card(built: SimpleNamespace, catalog: Catalog) -> None:
    """The lesson opens with its title card, so the demonstration's cues come that many seconds later."""
    title = next(layer for layer in load_layouts(None)["lesson"].layers if isinstance(layer, TitleCard))
    squat = catalog.movement("squat")
    for fmt in ("16x9", "9x16"):
        lesson = next(e for e in _entries(built, "lesson") if e["path"].endswith(f".{fmt}.mp4"))
        demo = next(e for e in _entries(built, "demo") if e["path"].endswith(f"bodyweight-front-demo.{fmt}.mp4"))
        for lang in ("en", "zh"):
            cues, _ = _files(built, lesson, lang)
            demo_cues, _ = _files(built, demo, lang)
            assert cues[0].start == 0.0 and cues[0].end == title.seconds
            assert cues[0].text.split("\n")[0] == getattr(squat.name, lang)
            shown = [c for c in cues if title.seconds <= c.start < title.seconds + demo["duration"]]
            assert shown == [Cue(round(c.start + title.seconds, 3), round(c.end + title.seconds, 3), c.text)
                             for c in demo_cues]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_lesson_captions_cover_its_closing_cards(built: SimpleNamespace, catalog: Catalog, lang: str) -> None:
    """The summary and end cards are captioned for as long as they show; the last caption ends with the lesson."""
    lesson = _entries(built, "lesson")[0]
    cues, _ = _files(built, lesson, lang)
    layers = load_layouts(None)["lesson"].layers
    summary = next(layer for layer in layers if isinstance(layer, SummaryCard))
    end = next(layer for layer in layers if isinstance(layer, EndCard))
    strings, brand = load_strings(None), Brand()
    squat = catalog.movement("squat")
    assert cues[-2].text.split("\n")[0] == strings["key_points"][lang]  # the recap's heading
    assert set(cues[-2].text.split("\n")[1:]) <= {getattr(cue, lang) for cue in squat.cues}
    assert round(cues[-2].end - cues[-2].start, 3) == summary.seconds
    assert cues[-1].text == f"{getattr(brand.end_card, lang)}\n{getattr(brand.cta, lang)}"
    assert round(cues[-1].end - cues[-1].start, 3) == end.seconds
    assert cues[-1].end == pytest.approx(lesson["duration"], abs=1e-3)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_an_error_grid_captions_every_label_it_shows_for_the_whole_clip(built: SimpleNamespace, catalog: Catalog,
                                                                         lang: str) -> None:
    """The grid's only words are its labels, so its caption files carry one cue per labelled panel, read
    back here by webvtt-py and srt (parsers nobody here wrote)."""
    import srt as srt_parser
    import webvtt

    squat = catalog.movement("squat")
    names = {e.id: getattr(e.name, lang) for e in squat.errors}
    for entry in _entries(built, "error-grid"):
        errors = [i.rsplit(".", 1)[1] for i in entry["inputs"] if not i.endswith(".correct")]
        vtt = webvtt.read(str(built.dist / entry["captions"][lang]))
        subtitles = list(srt_parser.parse((built.dist / entry["subtitles"][lang]).read_text(encoding="utf-8")))
        assert len(vtt) == len(subtitles) == 1 + len(errors), entry["id"]
        texts = [c.text for c in vtt]
        assert [s.content for s in subtitles] == texts
        assert texts[0].startswith("✓ ") and all(t.startswith("✗ ") for t in texts[1:])
        assert sorted(t[2:] for t in texts[1:]) == sorted(names[e] for e in errors)
        for cue in subtitles:  # webvtt-py gives whole seconds; srt gives the milliseconds
            assert cue.start.total_seconds() == 0 and abs(cue.end.total_seconds() - entry["duration"]) < 0.01
        assert {(c.start, c.end) for c in vtt} == {("00:00:00.000", _vtt_clock(subtitles[0].end))}


@pytest.mark.parametrize(("key", "parse"), [("captions", parse_vtt), ("subtitles", parse_srt)], ids=["vtt", "srt"])
def test_a_built_lesson_trimmed_keeps_its_cues_up_to_the_cut(built: SimpleNamespace, key: str, parse) -> None:
    lesson = _entries(built, "lesson")[0]
    text = (built.dist / lesson[key]["en"]).read_text(encoding="utf-8")
    cut = round(lesson["duration"] / 2, 3)
    expected = [Cue(c.start, min(c.end, cut), c.text) for c in parse(text) if c.start < cut]
    assert 0 < len(expected) < len(parse(text))
    assert parse(trim(text, cut)) == expected


def _vtt_clock(delta) -> str:
    millis = round(delta.total_seconds() * 1000)
    return f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d}.{millis % 1000:03d}"


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_lesson_goes_on_through_the_cues_of_a_phase_instead_of_repeating_the_first(
        built: SimpleNamespace, catalog: Catalog, lang: str) -> None:
    """Each section of a lesson continues where the previous one stopped: a cue comes back only once
    every cue of its phase has been shown."""
    squat = catalog.movement("squat")
    phase_of = {getattr(cue, lang): cue.phase for cue in squat.cues}
    per_phase = {phase: sum(c.phase == phase for c in squat.cues) for phase in phase_of.values()}
    for lesson in _entries(built, "lesson"):
        cues, _ = _files(built, lesson, lang)
        synced = [c.text for c in cues if c.text in phase_of]  # the cards hold several lines: not these
        corrections = {getattr(e.correction, lang) for e in squat.errors}
        while synced and synced[-1] in corrections:  # the comparisons come last and caption corrections,
            synced.pop()  # one of which is worded as a cue
        for phase, count in per_phase.items():
            order = [text for text in synced if phase_of[text] == phase]
            assert len(order) >= 2, (lesson["id"], phase)
            for i, text in enumerate(order):
                assert text not in order[max(0, i - count + 1):i], (lesson["id"], order)
