"""Marketing cuts: every render of a build, filed per platform in the aspect and length it accepts.

Reels, TikTok and Shorts take 9:16 up to 60 s (longer renders are cut at 60 s); the feeds take 1:1
and 4:5; YouTube takes 16:9 with a 1280x720 JPEG thumbnail under 2 MB.
Posters and caption files (WebVTT and SRT, en and zh) travel with each video.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fitcontent.build.store import TEMP_PREFIX, atomic_write_bytes, publish, write_text_if_changed
from fitcontent.errors import FitcontentError
from fitcontent.export.course import read_manifest
from fitcontent.post.captions import trim

log = logging.getLogger(__name__)
THUMBNAIL_SIZE = (1280, 720)
THUMBNAIL_MAX_BYTES = 2_000_000


@dataclass(frozen=True)
class Platform:
    name: str
    format: str
    max_seconds: float | None


PLATFORMS = (
    Platform("reels", "9:16", 60), Platform("tiktok", "9:16", 60), Platform("shorts", "9:16", 60),
    Platform("feed-square", "1:1", None), Platform("feed-portrait", "4:5", None), Platform("youtube", "16:9", None),
)


def export_marketing(dist: Path, out: Path) -> dict[str, Any]:
    """Write ``out/<platform>/...`` cuts and ``out/marketing.json`` listing them (and what was skipped)."""
    dist, out = Path(dist), Path(out)
    renders = [a for a in read_manifest(dist) if a.get("format") and a.get("kind") != "clip"]
    if not renders:
        raise FitcontentError(f"{dist} has no renders; build them with fitcontent build EXERCISES --formats all")
    index: dict[str, Any] = {"platforms": {}, "skipped": {}}
    for platform in PLATFORMS:
        chosen = [r for r in renders if r["format"] == platform.format]
        if not chosen:
            reason = f"no {platform.format} renders in {dist}; build with --formats {platform.format}"
            index["skipped"][platform.name] = reason
            continue
        index["platforms"][platform.name] = [_cut(dist, out, platform, render) for render in chosen]
    write_text_if_changed(out / "marketing.json", json.dumps(index, ensure_ascii=False, indent=2) + "\n")
    made = sum(len(files) for files in index["platforms"].values())
    log.debug("wrote %s: %d cuts for %d platforms", out, made, len(index["platforms"]))
    return index


def _cut(dist: Path, out: Path, platform: Platform, render: dict) -> dict[str, Any]:
    source = dist / render["path"]
    if not source.is_file():
        raise FitcontentError(f"{source} is listed in the manifest but missing; rebuild with fitcontent build")
    stem = f"{render['exercise']}-{Path(render['path']).name.removesuffix('.mp4')}"
    folder = out / platform.name
    video = folder / f"{stem}.mp4"
    duration = render["duration"]
    trimmed = platform.max_seconds is not None and duration > platform.max_seconds
    if trimmed:
        _trim(source, video, platform.max_seconds)
        duration = platform.max_seconds
        log.info("%s: %s cut to %g s (was %g s)", platform.name, stem, platform.max_seconds, render["duration"])
    else:
        publish(source, video)
    entry = {"kind": render["kind"], "exercise": render["exercise"], "path": video.relative_to(out).as_posix(),
             "width": render["width"], "height": render["height"], "duration": duration, "trimmed": trimmed,
             "captions": {}, "subtitles": {}}
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
            atomic_write_bytes(poster, _thumbnail(dist / render["poster"]))
        else:
            publish(dist / render["poster"], poster)
        entry["poster"] = poster.relative_to(out).as_posix()
    return entry


def _trim(source: Path, dest: Path, seconds: float) -> None:
    """The first ``seconds`` of ``source``, written atomically. Re-encoded with the renders' settings:
    a stream copy ends at a packet boundary and overshoots the limit by the B-frames held back."""
    import imageio_ffmpeg

    from fitcontent.post.compose import CRF

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{TEMP_PREFIX}{dest.name}")
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source), "-t", f"{seconds:g}",
               "-an", "-c:v", "libx264", "-preset", "medium", "-crf", str(CRF), "-profile:v", "high",
               "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(tmp)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise FitcontentError(f"cutting {source} to {seconds:g} s failed: {result.stderr.strip()[-300:]}")
    tmp.replace(dest)


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
