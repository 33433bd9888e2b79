"""Platform presets: each marketing cut read back by our box reader (--check), by ffmpeg and, where it is
installed, by ffprobe; a broken cut fails --check line by line; a music bed lands at the loudness target."""

from __future__ import annotations

import dataclasses
import itertools
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.errors import FitcontentError
from fitcontent.export import marketing
from fitcontent.export.platforms import LOUDNESS_LUFS, PRESETS, TRUE_PEAK_DBTP, Platform
from fitcontent.media import probe, read_mp4
from fitcontent.post.formats import FORMATS
from fitcontent.store import file_sha256

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A squat demo from the front in all four formats (draft size): 25 frames at 8 fps, 3.1 s, over Meta's 3 s."""
    root = tmp_path_factory.mktemp("presets")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FITCONTENT_CACHE", str(root / "cache"))
        request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], frames=25, width=160,
                                   height=96, layouts=["demo"], formats=["16:9", "9:16", "1:1", "4:5"])
        report = api.build(request, out=root / "dist", draft=True)
    assert not report.failed
    return root / "dist"


@pytest.fixture(scope="module")
def social(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("social") / "social"
    api.export_marketing(dist, out)
    return out


def _ffmpeg(*args: str) -> str:
    """ffmpeg's log of ``args`` (its report goes to stderr)."""
    return subprocess.run([FFMPEG, "-hide_banner", *args], capture_output=True, text=True, check=False).stderr


def _cuts(folder: Path) -> list[tuple[Platform, dict]]:
    index = json.loads((folder / "marketing.json").read_text(encoding="utf-8"))
    return [(PRESETS[name], cut) for name, cuts in index["platforms"].items() for cut in cuts]


def _sine(path: Path, hz: int) -> Path:
    """2 s of a sine in mono at 44.1 kHz and ffmpeg's default level (about -21 LUFS): shorter than a cut, so
    it loops, and at another rate and channel count than the cut's."""
    _ffmpeg("-y", "-v", "error", "-f", "lavfi", "-i", f"sine=frequency={hz}:sample_rate=44100:duration=2", str(path))
    assert path.stat().st_size > 100_000
    return path


def _loudness(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) as ffmpeg's ebur128 filter measures them."""
    summary = _ffmpeg("-nostats", "-i", str(path), "-map", "0:a", "-af", "ebur128=peak=true", "-f", "null", "-")
    summary = summary[summary.rindex("Summary:"):]
    return (float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1)),
            float(re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1)))


def test_the_presets_hold_the_platforms_published_numbers() -> None:
    assert {p.name: (p.format, p.width, p.height) for p in PRESETS.values()} == {
        "reels": ("9:16", 1080, 1920), "tiktok": ("9:16", 1080, 1920), "shorts": ("9:16", 1080, 1920),
        "feed-square": ("1:1", 1080, 1080), "feed-portrait": ("4:5", 1080, 1350), "youtube": ("16:9", 1920, 1080)}
    for preset in PRESETS.values():
        assert (FORMATS[preset.format].width, FORMATS[preset.format].height) == preset.size()  # renders are made so
        assert (preset.profile, preset.level) == ("high", "4.2")  # 4.1 stops at 30 fps at 1080p; cuts reach 32
        assert preset.min_fps >= 23 and preset.max_fps == 60 and preset.max_mbps <= 25
        assert preset.thumbnail.format == "JPEG"
    assert PRESETS["reels"].max_seconds == 60 and PRESETS["reels"].min_seconds == 3
    assert (PRESETS["youtube"].thumbnail.width, PRESETS["youtube"].thumbnail.height) == (1280, 720)
    assert PRESETS["youtube"].thumbnail.max_bytes == 2_000_000 and PRESETS["youtube"].max_seconds == 15 * 60
    assert len({PRESETS[name].encoding for name in ("reels", "tiktok", "shorts")}) == 1  # one encode for three


def test_check_passes_on_a_fresh_export(social: Path) -> None:
    assert api.check_marketing(social) == []
    result = CliRunner().invoke(cli, ["export", "marketing", "--check", str(social)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{social}: every cut matches its platform's preset"


def test_ffmpeg_reads_every_cut_as_its_preset_says(social: Path) -> None:
    cuts = _cuts(social)
    assert {p.name for p, _ in cuts} == set(PRESETS)
    for preset, cut in cuts:
        path = social / cut["path"]
        trace = _ffmpeg("-v", "trace", "-i", str(path))
        assert "edit list" not in trace.lower() and "type:'elst'" not in trace, cut["path"]
        boxes = re.findall(r"type:'(\w{4})' parent:'root'", trace)
        assert boxes.index("moov") < boxes.index("mdat")  # faststart
        video = next(line for line in trace.splitlines() if "Video: h264 (High)" in line)
        width, height = map(int, re.search(r", (\d+)x(\d+)[, ]", video).groups())
        assert (width, height) == preset.size(draft=True) == (cut["width"], cut["height"])
        fps, tbr = re.search(r"([\d.]+) fps, ([\d.]+) tbr", video).groups()
        assert fps == tbr and preset.min_fps <= float(fps) <= preset.max_fps  # constant: avg == real base rate
        assert "yuv420p(" in video and int(re.search(r"(\d+) kb/s", video).group(1)) <= preset.max_mbps * 1000
        assert re.search(r"Audio: aac \(LC\) .*48000 Hz, stereo", trace)
        sps = _ffmpeg("-v", "debug", "-debug", "pict", "-i", str(path), "-map", "0:v", "-frames:v", "1", "-f", "null",
                      "-")
        assert re.search(r"sps:0 profile:100/42 .* 420 .* b8 ", sps)  # High, level 4.2, 4:2:0, 8 bit
        info = probe(path)
        assert preset.min_seconds <= info.frames / info.fps <= preset.max_seconds
        minutes, seconds = re.search(r"Duration: 00:(\d\d):([\d.]+)", trace).groups()
        assert preset.min_seconds <= int(minutes) * 60 + float(seconds) <= preset.max_seconds
        with Image.open(social / cut["poster"]) as image:
            assert (image.format, image.size) == ("JPEG", (preset.thumbnail.width, preset.thumbnail.height))
        assert (social / cut["poster"]).stat().st_size < preset.thumbnail.max_bytes


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="no ffprobe on this machine")
def test_ffprobe_agrees_with_our_box_reader(social: Path) -> None:
    for preset, cut in _cuts(social):
        result = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json",
                                 str(social / cut["path"])], capture_output=True, text=True, check=True)
        facts = json.loads(result.stdout)
        video = next(s for s in facts["streams"] if s["codec_type"] == "video")
        audio = next(s for s in facts["streams"] if s["codec_type"] == "audio")
        ours = read_mp4(social / cut["path"])
        assert (video["codec_name"], video["profile"], video["level"], video["pix_fmt"]) == ("h264", "High", 42,
                                                                                             "yuv420p")
        assert video["r_frame_rate"] == video["avg_frame_rate"] == f"{cut['fps']}/1"
        assert (video["width"], video["height"]) == (ours.track("video").width, ours.track("video").height)
        assert (audio["codec_name"], audio["profile"], audio["sample_rate"], audio["channels"]) == ("aac", "LC",
                                                                                                 "48000", 2)
        assert float(facts["format"]["duration"]) == pytest.approx(ours.duration, abs=0.001)
        assert preset.min_seconds <= float(facts["format"]["duration"]) <= preset.max_seconds
        assert int(video["bit_rate"]) <= preset.max_mbps * 1_000_000
        trace = subprocess.run(["ffprobe", "-v", "trace", str(social / cut["path"])], capture_output=True,
                               text=True, check=True).stderr
        assert "type:'edts'" not in trace and "type:'elst'" not in trace  # no edit list
        assert trace.index("type:'moov'") < trace.index("type:'mdat'")  # the index first
    assert {preset.name for preset, _ in _cuts(social)} == set(PRESETS)  # every preset was read back


def test_check_names_every_deviation_of_a_broken_cut(social: Path, tmp_path: Path) -> None:
    broken = tmp_path / "social"
    shutil.copytree(social, broken)  # copies: Reels, TikTok and Shorts share their files' inodes in an export
    reels = next(cut for preset, cut in _cuts(broken) if preset.name == "reels")
    remade = tmp_path / "remade.mp4"  # 8 fps, B-frames (so an edit list), 4:4:4, no faststart, no audio
    _ffmpeg("-v", "error", "-i", str(broken / reels["path"]), "-vf", "fps=8", "-c:v", "libx264", "-bf", "2",
            "-profile:v", "high444", "-pix_fmt", "yuv444p", "-an", str(remade))
    os.replace(remade, broken / reels["path"])
    (broken / reels["poster"]).unlink()
    Image.new("RGB", (64, 64)).save(broken / reels["poster"], format="PNG")
    index = json.loads((broken / "marketing.json").read_text(encoding="utf-8"))
    youtube = index["platforms"]["youtube"][0]
    youtube["draft"] = False  # a full-size build's cut at the draft's size
    (broken / "marketing.json").write_text(json.dumps(index), encoding="utf-8")
    result = CliRunner().invoke(cli, ["export", "marketing", "--check", str(broken)])
    assert result.exit_code == 1
    video, poster = reels["path"], reels["poster"]
    assert [line for line in result.output.splitlines() if line.split("/")[0] in PRESETS] == [
        f"{video}: fps 8, reels takes 23-60",
        f"{video}: profile high444, reels takes high",
        f"{video}: pix_fmt yuv444p, reels takes yuv420p",
        f"{video}: an edit list (elst), reels takes none",
        f"{video}: moov after mdat, reels takes the index first (faststart)",
        f"{video}: no audio stream, reels takes AAC-LC 48000 Hz 2 channels",
        f"{poster}: thumbnail PNG, reels takes JPEG",
        f"{poster}: thumbnail 64x64, reels takes 1080x1920",
        f"{youtube['path']}: size 960x540, youtube takes 1920x1080",
    ]
    assert "elst" in _ffmpeg("-v", "trace", "-i", str(broken / video))  # ffmpeg sees the edit list too


def test_check_without_an_export_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(FitcontentError, match=r"marketing\.json not found; run fitcontent export marketing first"):
        api.check_marketing(tmp_path)
    result = CliRunner().invoke(cli, ["export", "marketing", "dist", "--check", str(tmp_path)])
    assert result.exit_code == 2 and "--check DIR checks an export; give it alone" in result.output


def test_conform_applies_the_presets_profile_level_and_bitrate_cap(tmp_path: Path) -> None:
    noise = tmp_path / "noise.mp4"  # every frame new grain: far over 1 Mbps at the renders' CRF
    _ffmpeg("-v", "error", "-f", "lavfi", "-i", "color=gray:s=288x512:r=8:d=3,noise=alls=60:allf=t+u",
            "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", str(noise))
    for cap, level in ((40, "4.2"), (1, "3.1")):
        preset = dataclasses.replace(PRESETS["reels"], max_mbps=cap, level=level)
        marketing.conform(noise, tmp_path / f"{cap}.mp4", 8, 24, 3, preset)
        video = read_mp4(tmp_path / f"{cap}.mp4").track("video")
        assert (video.profile, video.level) == ("high", level)
        assert (video.bitrate <= 1_000_000) == (cap == 1), video.bitrate


def test_a_music_bed_plays_at_the_loudness_target_and_only_a_new_bed_encodes_again(
        dist: Path, social: Path, tmp_path: Path, conform_calls: list[Path]) -> None:
    calls = conform_calls
    bed, out = _sine(tmp_path / "bed.wav", 440), tmp_path / "mk"
    first = api.export_marketing(dist, out, music=bed)
    encodes = len(calls)
    assert first["music"]["sha256"] == file_sha256(bed)[1]
    assert api.check_marketing(out) == []
    for _, cut in _cuts(out):
        assert first["music"]["sha256"] in cut["source"]
        integrated, peak = _loudness(out / cut["path"])
        assert abs(integrated - LOUDNESS_LUFS) <= 1.5, (cut["path"], integrated)
        assert peak <= TRUE_PEAK_DBTP + 0.5
    assert _loudness(social / _cuts(social)[0][1]["path"])[0] <= -70  # without a bed: silence
    stamps = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    calls.clear()
    assert api.export_marketing(dist, out, music=bed) == first
    assert calls == [] and {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == stamps
    other = api.export_marketing(dist, out, music=_sine(tmp_path / "other.wav", 330))
    assert len(calls) == encodes and other["music"]["sha256"] != first["music"]["sha256"]


def test_a_bad_music_file_is_one_error_line_naming_it(dist: Path, tmp_path: Path) -> None:
    (tmp_path / "song.mp3").write_bytes(b"not audio at all")
    for music, reason in ((tmp_path / "song.mp3", "not audio ffmpeg can read ("), (tmp_path / "gone.wav",
                                                                                   "no such file")):
        result = CliRunner().invoke(cli, ["export", "marketing", str(dist), "--out", str(tmp_path / "mk"),
                                          "--music", str(music)])
        assert result.exit_code == 1
        (line,) = [line for line in result.output.splitlines() if line.strip()]
        assert line.startswith(f"error: music {music}: {reason}"), line
    assert not (tmp_path / "mk").exists()  # checked before anything was encoded


def test_a_native_rate_build_is_cut_frame_for_frame(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--fps 30 draws 30 poses a second; its Reels cut keeps every one of them (an 8 fps build's repeats each
    frame three times instead)."""
    monkeypatch.setenv("FITCONTENT_CACHE", str(tmp_path / "cache"))
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], fps=30, seconds=3,
                               width=160, height=96, layouts=["demo"], formats=["9:16"])
    assert not api.build(request, out=tmp_path / "dist", draft=True).failed
    render = next(e for e in json.loads((tmp_path / "dist" / "manifest.json").read_text())["artifacts"]
                  if e["kind"] == "demo")
    assert (render["fps"], render["frames"]) == (30, 91)
    index = api.export_marketing(tmp_path / "dist", tmp_path / "social")
    (cut,) = index["platforms"]["reels"]
    assert cut["fps"] == 30
    reader = imageio_ffmpeg.read_frames(str(tmp_path / "social" / cut["path"]), pix_fmt="gray", bits_per_pixel=8)
    next(reader)
    frames = [np.frombuffer(frame, np.uint8).astype(np.int16) for frame in reader]
    assert len(frames) == render["frames"]  # one for one
    moved = [np.abs(b - a).mean() > 0.05 for a, b in itertools.pairwise(frames)]
    assert sum(moved) > 60  # most frames move on from the last: drawn at 30 fps, not 8 or 15 fps repeated
