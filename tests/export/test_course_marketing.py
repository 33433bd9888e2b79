"""Course package and marketing cuts, exported from a real (draft) build."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import zipfile
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.errors import FitcontentError
from fitcontent.export.marketing import PLATFORMS, conform
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
            assert 23 <= info.fps == item["fps"] <= 60 and item["fps"] % 8 == 0  # the 8 fps renders, each frame 3x
            trace = _container(tmp_path / "mk" / item["path"])
            assert "edit list" not in trace.lower() and "Audio: aac" in trace
            assert item["duration"] <= 60
            assert (tmp_path / "mk" / item["captions"]["zh"]).is_file()
    thumbnail = tmp_path / "mk" / index["platforms"]["youtube"][0]["poster"]
    with Image.open(thumbnail) as image:
        assert (image.format, image.size) == ("JPEG", (1280, 720))
    assert thumbnail.stat().st_size < 2_000_000


def _container(path: Path) -> str:
    """ffmpeg's own trace of reading ``path``: its streams and whether the mp4 holds an edit list."""
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "trace", "-i", str(path)], capture_output=True,
                            text=True, check=False)
    return result.stderr


def test_conform_cuts_to_the_limit_repeating_each_frame_and_adds_silent_aac_without_an_edit_list(
        tmp_path: Path) -> None:
    frames = [np.full((64, 64, 3), (i * 37) % 256, np.uint8) for i in range(8 * 70)]  # every frame differs
    encode_h264(tmp_path / "long.mp4", frames, 64, 64, 8)
    assert "edit list" in _container(tmp_path / "long.mp4").lower()  # libx264's B-frames: the muxer writes one
    conform(tmp_path / "long.mp4", tmp_path / "cut.mp4", 8, 24, 60)
    info = probe(tmp_path / "cut.mp4")
    assert (info.frames, info.fps) == (60 * 24, 24.0)
    assert (info.codec, info.pix_fmt) == ("h264", "yuv420p")
    trace = _container(tmp_path / "cut.mp4")
    assert "edit list" not in trace.lower()
    assert re.search(r"Audio: aac .*48000 Hz, stereo", trace)
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "cut.mp4"))
    next(reader)
    levels = [int(np.frombuffer(frame, np.uint8).mean().round()) for frame, _ in zip(reader, range(48), strict=False)]
    assert all(len(set(levels[i:i + 3])) == 1 for i in range(0, 48, 3)), levels  # each frame shown 3 times
    assert len(set(levels[::3])) == 16  # and none dropped or blended
    shown = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-i", str(tmp_path / "cut.mp4"), "-map", "0:v",
                            "-vf", "showinfo", "-f", "null", "-"], capture_output=True, text=True, check=False).stderr
    times = [float(t) for t in re.findall(r"pts_time:([0-9.]+)", shown)]
    assert len(times) == 60 * 24 and times[0] == 0
    assert max(abs(b - a - 1 / 24) for a, b in itertools.pairwise(times)) < 1e-3  # even steps throughout
    mtime = (tmp_path / "cut.mp4").stat().st_mtime_ns
    conform(tmp_path / "long.mp4", tmp_path / "cut.mp4", 8, 24, 60)
    assert (tmp_path / "cut.mp4").stat().st_mtime_ns == mtime  # a rerun writes nothing
    assert not list(tmp_path.glob(".tmp-*"))


def test_a_platform_takes_the_smallest_whole_multiple_of_the_rate_in_its_range() -> None:
    reels = next(p for p in PLATFORMS if p.name == "reels")
    assert [reels.fps_for(fps) for fps in (8, 16, 24, 25, 30)] == [24, 32, 24, 25, 30]
    with pytest.raises(FitcontentError, match="no whole multiple"):
        reels.fps_for(7.5 * 9)


def test_captions_of_a_cut_video_end_at_the_cut() -> None:
    from fitcontent.post.captions import Event, srt, trim, webvtt

    events = [Event(55.0, 58.0, "Keep your chest up"), Event(58.5, 62.0, "Drive up"), Event(63.0, 65.0, "Late")]
    vtt = trim(webvtt(events), 60)
    assert "00:00:58.500 --> 00:01:00.000 line:8%" in vtt and "Late" not in vtt and vtt.startswith("WEBVTT")
    assert trim(srt(events), 60).splitlines()[-2:] == ["00:00:58,500 --> 00:01:00,000", "Drive up"]


def test_course_in_chinese_uses_the_english_lessons_when_no_chinese_ones_exist(dist: Path, tmp_path: Path) -> None:
    course = api.export_course(dist, tmp_path / "course", lang="zh")
    assert [v.format for v in course.lessons[0].videos] == ["16:9", "9:16"]
    with zipfile.ZipFile(tmp_path / "course" / "course-scorm12.zip") as package:
        page = package.read("lessons/squat-bodyweight.html").decode("utf-8")
    assert "深蹲" in page


def test_a_marketing_rerun_encodes_nothing_and_writes_nothing(dist: Path, tmp_path: Path,
                                                               conform_calls: list[Path]) -> None:
    from fitcontent.export import marketing

    calls = conform_calls
    first = marketing.export_marketing(dist, tmp_path / "mk")
    cuts = [c for files in first["platforms"].values() for c in files]
    assert 0 < len(calls) < len(cuts)  # Reels, TikTok and Shorts share one encode of each 9:16 render
    stamps = {p: p.stat().st_mtime_ns for p in (tmp_path / "mk").rglob("*") if p.is_file()}
    calls.clear()
    assert marketing.export_marketing(dist, tmp_path / "mk") == first
    assert calls == []
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "mk").rglob("*") if p.is_file()} == stamps
    (tmp_path / "mk" / cuts[0]["path"]).write_bytes(b"damaged")  # a cut that no longer matches is made again
    marketing.export_marketing(dist, tmp_path / "mk")
    assert len(calls) == 1


@pytest.mark.parametrize("kind", ["manifest", "course"])
def test_the_published_schemas_are_the_models_schemas(kind: str) -> None:
    published = Path(__file__).resolve().parents[2] / "docs" / "schemas" / f"{kind}.schema.json"
    assert json.loads(published.read_text(encoding="utf-8")) == api.schemas()[kind], \
        f"regenerate it: fitcontent schema --kind {kind} > docs/schemas/{kind}.schema.json"


def test_manifest_and_course_validate_against_their_schemas_and_list_true_file_facts(dist: Path,
                                                                                     tmp_path: Path) -> None:
    import hashlib

    from jsonschema import Draft202012Validator, ValidationError

    api.export_course(dist, tmp_path / "course")
    for kind, document in (("manifest", dist / "manifest.json"), ("course", tmp_path / "course" / "course.json")):
        schema = api.schemas()[kind]
        Draft202012Validator.check_schema(schema)
        Draft202012Validator(schema).validate(json.loads(document.read_text(encoding="utf-8")))
    course = json.loads((tmp_path / "course" / "course.json").read_text(encoding="utf-8"))
    files = {f["path"]: f for f in course["files"]}
    for video in course["lessons"][0]["videos"]:
        listed = [video["path"], video["poster"], *video["captions"].values(), *video["subtitles"].values()]
        assert set(listed) <= set(files)
        assert (video["size"], video["sha256"], video["mime"]) == \
            (files[video["path"]]["size"], files[video["path"]]["sha256"], "video/mp4")
    mimes = {"mp4": "video/mp4", "jpg": "image/jpeg", "vtt": "text/vtt", "srt": "application/x-subrip"}
    for path, facts in files.items():
        data = (tmp_path / "course" / path).read_bytes()
        assert (facts["size"], facts["sha256"]) == (len(data), hashlib.sha256(data).hexdigest()), path
        assert facts["mime"] == mimes[path.rsplit(".", 1)[1]], path
    broken = {**course, "lessons": [{**course["lessons"][0], "videos": [{"format": "16:9"}]}]}
    with pytest.raises(ValidationError, match="required property"):
        Draft202012Validator(api.schemas()["course"]).validate(broken)
