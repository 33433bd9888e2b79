"""A draft build end to end: every render kind in the manifest with its poster and captions, every video
decodes as recorded, a second build reuses everything, and another language makes other files."""

from __future__ import annotations

import hashlib
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PIL import Image

from fitcontent import api
from fitcontent.artifacts import ClipArtifact
from fitcontent.media import probe
from fitcontent.post.compose import render_key
from fitcontent.post.formats import FORMATS
from tests.post.conftest import BUILD, BUILD_KINDS, CORRECT, ERROR, close, manifest, read_frame, ring_lines

FORMAT_NAMES = BUILD["formats"]


def _files(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): p.stat().st_mtime_ns for p in sorted(root.rglob("*")) if p.is_file()}


def _planned(built: SimpleNamespace, kinds: list[str]) -> dict[str, object]:
    """The renders the build's planner makes from the build's clips, by id (the specs behind the files)."""
    clips = [ClipArtifact(**e) for e in manifest(built.dist) if e["kind"] == "clip"]
    planner = api._planner(built.request, built.settings, api.load_catalog(built.settings), built.dist, True)
    return {render.id: render for render in planner.plan(clips, kinds)}


def test_the_manifest_lists_every_render_kind_in_every_format(built: SimpleNamespace) -> None:
    assert built.report.failed == []
    clips = {e["id"] for e in manifest(built.dist) if e["kind"] == "clip"}
    assert len(clips) == 4
    per_format = {"demo": 2, "comparison": 2, "error-grid": 1, "angle-grid": 1, "lesson": 1}
    assert set(per_format) == set(BUILD_KINDS)
    for fmt in FORMAT_NAMES:
        kinds = [e["kind"] for e in built.renders if e["format"] == fmt]
        assert {kind: kinds.count(kind) for kind in kinds} == per_format, fmt
    assert len(built.renders) == len(FORMAT_NAMES) * sum(per_format.values())
    for entry in built.renders:
        fmt = FORMATS[entry["format"]]
        assert (entry["width"], entry["height"]) == fmt.sized(True), entry["id"]
        assert entry["path"].startswith("renders/squat/") and entry["path"].endswith(f".{fmt.slug}.mp4")
        assert entry["poster"] == entry["path"].removesuffix(".mp4") + ".jpg"
        assert set(entry["captions"]) == set(entry["subtitles"]) == {"en", "zh"}
        assert entry["lang"] == "en" and set(entry["title"]) == {"en", "zh"}
        assert entry["inputs"] and set(entry["inputs"]) <= clips, entry["id"]
        for relative in (entry["path"], entry["poster"], *entry["captions"].values(), *entry["subtitles"].values()):
            assert (built.dist / relative).is_file(), relative


def test_every_render_decodes_as_recorded(built: SimpleNamespace) -> None:
    for entry in built.renders:
        path = built.dist / entry["path"]
        info = probe(path)
        assert (info.codec, info.pix_fmt) == ("h264", "yuv420p"), entry["id"]
        assert (info.width, info.height, info.frames) == (entry["width"], entry["height"], entry["frames"])
        assert info.fps == entry["fps"] == 8
        assert entry["frames"] == round(entry["duration"] * entry["fps"])
        assert hashlib.sha256(path.read_bytes()).hexdigest() == entry["sha256"]


def test_posters_are_jpegs_of_the_video_size(built: SimpleNamespace) -> None:
    for entry in built.renders:
        with Image.open(built.dist / entry["poster"]) as poster:
            assert poster.format == "JPEG" and poster.mode == "RGB"
            assert poster.size == (entry["width"], entry["height"]), entry["id"]
        assert 0 <= entry["poster_time"] < entry["duration"]


def test_a_poster_shows_the_video_at_its_poster_time(built: SimpleNamespace) -> None:
    entry = next(e for e in built.renders if e["kind"] == "comparison" and e["format"] == "16:9")
    frame = read_frame(built.dist / entry["path"], round(entry["poster_time"] * entry["fps"]))
    poster = np.asarray(Image.open(built.dist / entry["poster"]).convert("RGB"), np.int16)
    assert np.abs(poster - frame).mean() < 4


def test_built_comparisons_frame_correct_form_in_green_and_the_error_in_red(built: SimpleNamespace) -> None:
    """The files are the planner's specs (same cache key), and their decoded rings have the brand colours."""
    planned = _planned(built, ["comparison"])
    comparisons = [e for e in built.renders if e["kind"] == "comparison"]
    assert sorted(planned) == sorted(e["id"] for e in comparisons)
    for entry in comparisons:
        render = planned[entry["id"]]
        assert render_key(render.spec) == entry["cache_key"]
        frame = read_frame(built.dist / entry["path"], 4)
        for panel, color in zip(render.spec.scenes[0].panels, (CORRECT, ERROR), strict=True):
            sides = ring_lines(frame, panel)
            assert all(close(np.median(side, axis=0), color) for side in sides), (entry["id"], color)


def test_a_second_identical_build_reuses_everything_and_touches_no_file(built: SimpleNamespace) -> None:
    before, store = _files(built.dist), _files(built.settings.cache_dir)
    again = api.build(built.request, built.settings, out=built.dist, draft=True)
    assert again.failed == []
    assert again.cached == len(again.built) == len(built.report.built)
    assert again.summary().startswith(f"Built 4 clips and {len(built.renders)} renders ({len(again.built)} cached)")
    assert _files(built.dist) == before  # same files, none rewritten
    assert _files(built.settings.cache_dir) == store


def test_burned_in_chinese_makes_other_render_files(built: SimpleNamespace, tmp_path: Path) -> None:
    """``--lang zh`` draws other text into the video: other cache keys and other bytes than English, from
    the same (cached) clips."""
    request = api.make_request(**{**BUILD, "lang": "zh", "layouts": ["demo", "comparison"], "formats": ["16:9"]})
    dist = tmp_path / "dist-zh"
    report = api.build(request, built.settings, out=dist, draft=True)
    assert report.failed == []
    assert report.cached == 4  # the clips: only the renders are new
    chinese = [e for e in manifest(dist) if e["kind"] != "clip"]
    english = {e["id"]: e for e in built.renders}
    assert len(chinese) == 4
    for entry in chinese:
        assert entry["lang"] == "zh"
        assert ".zh." in entry["id"] and "-zh." in entry["path"]  # both languages can share one dist/
        same = english[entry["id"].replace(".zh.", ".")]
        assert entry["cache_key"] != same["cache_key"] and entry["sha256"] != same["sha256"]
        assert (dist / entry["path"]).read_bytes() != (built.dist / same["path"]).read_bytes()
        # the caption files carry both languages either way
        assert (dist / entry["captions"]["zh"]).read_text("utf-8") == (built.dist / same["captions"]["zh"]).read_text(
            "utf-8")
