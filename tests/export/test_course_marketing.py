"""Course package and marketing cuts, exported from a real (draft) build."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.errors import FitcontentError
from fitcontent.export.marketing import _trim
from fitcontent.media import encode_h264, probe


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """squat from two cameras with one error, as lessons and demos in 16:9 and 9:16 (draft size)."""
    root = tmp_path_factory.mktemp("export")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FITCONTENT_CACHE", str(root / "cache"))
        request = api.make_request(exercises=["squat"], angles=["front", "side"], errors=["knee-valgus"], frames=17,
                                   width=160, height=96, layouts=["lesson", "demo"], formats=["16:9", "9:16"])
        report = api.build(request, out=root / "dist", draft=True)
    assert not report.failed
    return root / "dist"


def _mtimes(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def test_course_json_lists_lessons_with_localized_metadata_and_existing_media(dist: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "course", str(dist), "--out", str(tmp_path / "course")])
    assert result.exit_code == 0, result.output
    assert "1 lesson " in result.output
    course = json.loads((tmp_path / "course" / "course.json").read_text(encoding="utf-8"))
    assert course["format"] == "fitcontent-course/1"
    (lesson,) = course["lessons"]
    assert lesson["id"] == "squat-bodyweight"
    assert lesson["title"] == {"en": "Squat", "zh": "深蹲"}
    assert lesson["muscles"]["primary"][0] == {"id": "quadriceps", "en": "Quadriceps", "zh": "股四头肌"}
    assert any(c["en"] == "Push your knees out over your toes" and c["phase"] == "bottom" for c in lesson["cues"])
    assert [v["format"] for v in lesson["videos"]] == ["16:9", "9:16"]
    for video in lesson["videos"]:
        info = probe(tmp_path / "course" / video["path"])
        assert (info.width, info.height) == (video["width"], video["height"])
        assert info.frames / info.fps == pytest.approx(video["duration"], abs=0.2)
        assert Image.open(tmp_path / "course" / video["poster"]).format == "JPEG"
        assert video["captions_burned_in"] == "en"  # the lesson layout draws its cues: a player must not repeat them
        for lang in ("en", "zh"):
            assert (tmp_path / "course" / video["captions"][lang]).read_text(encoding="utf-8").startswith("WEBVTT")
            assert (tmp_path / "course" / video["subtitles"][lang]).is_file()
    with zipfile.ZipFile(tmp_path / "course" / "course-scorm12.zip") as package:
        assert "imsmanifest.xml" in package.namelist()
        assert "media/squat-bodyweight/lesson.16x9.mp4" in package.namelist()


def test_course_export_again_writes_nothing(dist: Path, tmp_path: Path) -> None:
    api.export_course(dist, tmp_path / "course")
    before = _mtimes(tmp_path / "course")
    api.export_course(dist, tmp_path / "course")
    assert _mtimes(tmp_path / "course") == before


def test_course_export_without_lessons_says_how_to_build_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("FITCONTENT_CACHE", str(tmp_path / "cache"))
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], frames=9, width=160,
                               height=96, layouts=["none"])
    api.build(request, out=tmp_path / "dist")
    with pytest.raises(FitcontentError, match=r"no lesson renders; build them with .* --layouts lesson"):
        api.export_course(tmp_path / "dist", tmp_path / "course")
    result = CliRunner().invoke(cli, ["export", "course", str(tmp_path / "nowhere"), "--out", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert "manifest.json not found; run fitcontent build first" in result.output


def test_marketing_files_each_render_under_the_platforms_of_its_format(dist: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["export", "marketing", str(dist), "--out", str(tmp_path / "mk")])
    assert result.exit_code == 0, result.output
    assert "feed-square: skipped (no 1:1 renders" in result.output
    index = json.loads((tmp_path / "mk" / "marketing.json").read_text(encoding="utf-8"))
    assert set(index["platforms"]) == {"reels", "tiktok", "shorts", "youtube"}
    for platform, size in (("reels", (540, 960)), ("youtube", (960, 540))):
        files = index["platforms"][platform]
        assert {f["kind"] for f in files} == {"demo", "lesson"}
        for item in files:
            info = probe(tmp_path / "mk" / item["path"])
            assert (info.width, info.height) == size
            assert item["duration"] <= 60
            assert (tmp_path / "mk" / item["captions"]["zh"]).is_file()
    thumbnail = tmp_path / "mk" / index["platforms"]["youtube"][0]["poster"]
    with Image.open(thumbnail) as image:
        assert (image.format, image.size) == ("JPEG", (1280, 720))
    assert thumbnail.stat().st_size < 2_000_000


def test_trim_cuts_a_long_video_to_exactly_the_limit(tmp_path: Path) -> None:
    frames = [np.full((64, 64, 3), i % 256, np.uint8) for i in range(8 * 70)]
    encode_h264(tmp_path / "long.mp4", frames, 64, 64, 8)
    _trim(tmp_path / "long.mp4", tmp_path / "cut.mp4", 60)
    info = probe(tmp_path / "cut.mp4")
    assert info.frames == 60 * 8
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    assert not list(tmp_path.glob(".tmp-*"))


def test_captions_of_a_cut_video_end_at_the_cut() -> None:
    from fitcontent.post.captions import Event, srt, trim, webvtt

    events = [Event(55.0, 58.0, "Keep your chest up"), Event(58.5, 62.0, "Drive up"), Event(63.0, 65.0, "Late")]
    vtt = trim(webvtt(events), 60)
    assert "00:00:58.500 --> 00:01:00.000 line:8%" in vtt and "Late" not in vtt and vtt.startswith("WEBVTT")
    assert trim(srt(events), 60).splitlines()[-2:] == ["00:00:58,500 --> 00:01:00,000", "Drive up"]


def test_course_in_chinese_uses_the_english_lessons_when_no_chinese_ones_exist(dist: Path, tmp_path: Path) -> None:
    course = api.export_course(dist, tmp_path / "course", lang="zh")
    assert [v["format"] for v in course["lessons"][0]["videos"]] == ["16:9", "9:16"]
    with zipfile.ZipFile(tmp_path / "course" / "course-scorm12.zip") as package:
        page = package.read("lessons/squat-bodyweight.html").decode("utf-8")
    assert "深蹲" in page
