"""Marketing cuts: every render of a build, filed per platform in the aspect, length and encoding it accepts.

Reels, TikTok and Shorts take 9:16 up to 60 s (longer renders are cut at 60 s); the feeds take 1:1
and 4:5; YouTube takes 16:9 with a 1280x720 JPEG thumbnail under 2 MB. Every cut is conformed to its
platform's publishing rules (Meta's and TikTok's APIs: a constant 23-60 fps, no edit list, the index
at the front, an AAC track): an 8 or 16 fps render is raised to the smallest whole multiple of its
rate in range by repeating each frame the same number of times, so nothing stutters, and gets a
silent 48 kHz stereo AAC track. Posters and caption files (WebVTT and SRT, en and zh) travel with
each video.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fitcontent.build.store import TEMP_PREFIX, atomic_write_bytes, file_sha256, publish, write_text_if_changed
from fitcontent.errors import FitcontentError
from fitcontent.export.course import read_manifest
from fitcontent.post.captions import trim

log = logging.getLogger(__name__)
THUMBNAIL_SIZE = (1280, 720)
THUMBNAIL_MAX_BYTES = 2_000_000


AUDIO_RATE = 48_000
CONFORM_VERSION = "1"
"""Bumped whenever :func:`conform`'s settings change, so cuts of the old settings are made again."""


@dataclass(frozen=True)
class Platform:
    """A publishing target's rules, as data."""

    name: str
    format: str
    max_seconds: float | None
    min_fps: int = 23
    max_fps: int = 60

    def fps_for(self, fps: float) -> int:
        """The smallest whole multiple of ``fps`` the platform takes (each frame shown a whole number of times)."""
        for times in range(1, self.max_fps + 1):
            if self.min_fps <= fps * times <= self.max_fps and float(fps * times).is_integer():
                return int(fps * times)
        raise FitcontentError(f"{self.name} takes {self.min_fps}-{self.max_fps} fps; {fps:g} fps has no whole "
                              "multiple in that range")


PLATFORMS = (
    Platform("reels", "9:16", 60), Platform("tiktok", "9:16", 60), Platform("shorts", "9:16", 60),
    Platform("feed-square", "1:1", None), Platform("feed-portrait", "4:5", None),
    Platform("youtube", "16:9", None, min_fps=24),
)


def export_marketing(dist: Path, out: Path) -> dict[str, Any]:
    """Write ``out/<platform>/...`` cuts and ``out/marketing.json`` listing them (and what was skipped)."""
    dist, out = Path(dist), Path(out)
    renders = [a for a in read_manifest(dist) if a.get("format") and a.get("kind") != "clip"]
    if not renders:
        raise FitcontentError(f"{dist} has no renders; build them with fitcontent build EXERCISES --formats all")
    index: dict[str, Any] = {"platforms": {}, "skipped": {}}
    encoded: dict[str, tuple[Path, str]] = {}  # source key -> its cut and sha256: Reels, TikTok, Shorts share one
    before = _previous_cuts(out)
    for platform in PLATFORMS:
        chosen = [r for r in renders if r["format"] == platform.format]
        if not chosen:
            reason = f"no {platform.format} renders in {dist}; build with --formats {platform.format}"
            index["skipped"][platform.name] = reason
            continue
        index["platforms"][platform.name] = [_cut(dist, out, platform, render, encoded, before) for render in chosen]
    write_text_if_changed(out / "marketing.json", json.dumps(index, ensure_ascii=False, indent=2) + "\n")
    made = sum(len(files) for files in index["platforms"].values())
    log.debug("wrote %s: %d cuts for %d platforms", out, made, len(index["platforms"]))
    return index


def _previous_cuts(out: Path) -> dict[str, dict]:
    """The cuts an earlier export listed in ``out/marketing.json``, by path (none when it is unreadable)."""
    try:
        index = json.loads((out / "marketing.json").read_text(encoding="utf-8"))
        return {c["path"]: c for cuts in index["platforms"].values() for c in cuts}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _cut(dist: Path, out: Path, platform: Platform, render: dict, encoded: dict[str, tuple[Path, str]],
         before: dict[str, dict]) -> dict[str, Any]:
    source = dist / render["path"]
    if not source.is_file():
        raise FitcontentError(f"{source} is listed in the manifest but missing; rebuild with fitcontent build")
    stem = f"{render['exercise']}-{Path(render['path']).name.removesuffix('.mp4')}"
    folder = out / platform.name
    video = folder / f"{stem}.mp4"
    duration = render["duration"]
    trimmed = platform.max_seconds is not None and duration > platform.max_seconds
    if trimmed:
        duration = platform.max_seconds
        log.info("%s: %s cut to %g s (was %g s)", platform.name, stem, platform.max_seconds, render["duration"])
    fps = platform.fps_for(render["fps"])
    key = f"{render['sha256']}:{fps}:{duration:g}:{CONFORM_VERSION}"  # what the cut is made from, and how
    path = video.relative_to(out).as_posix()
    if key in encoded:
        first, sha256 = encoded[key]
        publish(first, video)
    else:
        sha256 = file_sha256(video)[1] if video.is_file() else None
        if before.get(path, {}).get("source") != key or sha256 != before[path].get("sha256"):
            conform(source, video, render["fps"], fps, duration)  # else the cut of these inputs is there: keep it
            sha256 = file_sha256(video)[1]
        encoded[key] = (video, sha256)
    entry = {"kind": render["kind"], "exercise": render["exercise"], "path": path, "width": render["width"],
             "height": render["height"], "duration": duration, "fps": fps, "trimmed": trimmed, "source": key,
             "sha256": sha256, "captions": {}, "subtitles": {}}
    for key, suffix in (("captions", "vtt"), ("subtitles", "srt")):
        for lang, path in render.get(key, {}).items():
            dest = folder / f"{stem}.{lang}.{suffix}"
            if trimmed:  # no cue may point past the cut
                write_text_if_changed(dest, trim((dist / path).read_text(encoding="utf-8"), platform.max_seconds))
            else:
                publish(dist / path, dest)
            entry[key][lang] = f"{platform.name}/{stem}.{lang}.{suffix}"
    if render.get("poster"):
        poster = folder / f"{stem}.jpg"
        if platform.name == "youtube":
            thumbnail = _thumbnail(dist / render["poster"])
            if not (poster.is_file() and poster.read_bytes() == thumbnail):  # a rerun writes nothing
                atomic_write_bytes(poster, thumbnail)
        else:
            publish(dist / render["poster"], poster)
        entry["poster"] = poster.relative_to(out).as_posix()
    return entry


def conform(source: Path, dest: Path, source_fps: float, fps: int, seconds: float) -> None:
    """The first ``seconds`` of ``source`` at a constant ``fps`` (a whole multiple of its own: frames are
    repeated, never blended or dropped), with a silent AAC track, no edit list (no B-frames either, so
    the video starts at 0; AAC's 1024 priming samples stay before 0 instead of shifting every frame
    after the first) and the index first; written atomically. Re-encoded with the renders' settings:
    a stream copy would end at a packet boundary and overshoot a limit by the B-frames held back. The
    source's frames are retimed to exactly ``source_fps`` first, so its own edit list cannot shift the
    cadence. An existing ``dest`` of the same bytes is left untouched."""
    import imageio_ffmpeg

    from fitcontent.post.compose import CRF

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{TEMP_PREFIX}{dest.name}")
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source),
               "-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo", "-map", "0:v:0", "-map", "1:a:0",
               "-t", f"{seconds:g}", "-vf", f"setpts=N/({source_fps:g}*TB),fps={fps}",
               "-c:v", "libx264", "-preset", "medium", "-crf", str(CRF), "-profile:v", "high", "-pix_fmt", "yuv420p",
               "-g", str(max(1, fps // 2)), "-bf", "0", "-c:a", "aac", "-b:a", "128k", "-ar", str(AUDIO_RATE),
               "-use_editlist", "0", "-avoid_negative_ts", "disabled", "-movflags", "+faststart", "-f", "mp4", str(tmp)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        if result.returncode != 0:
            raise FitcontentError(f"cutting {source} to {seconds:g} s failed: {result.stderr.strip()[-300:]}")
        publish(tmp, dest)  # x264 is deterministic: the same inputs leave an existing cut untouched
    finally:
        tmp.unlink(missing_ok=True)


def _thumbnail(poster: Path) -> bytes:
    """YouTube's thumbnail: 1280x720 JPEG under 2 MB (quality lowered until it fits)."""
    from PIL import Image

    with Image.open(poster) as image:
        image = image.convert("RGB").resize(THUMBNAIL_SIZE, Image.LANCZOS)
    for quality in (90, 80, 70, 60, 50):
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=quality, optimize=True)
        if buffer.tell() < THUMBNAIL_MAX_BYTES:
            break
    return buffer.getvalue()
