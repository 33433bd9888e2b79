"""Marketing cuts: every render of a build, filed per platform in the length and encoding it accepts.

The platforms are presets in :mod:`fitcontent.export.platforms` (size, frame rates, length, H.264 profile and
level, bitrate cap, audio, thumbnail), each number from the platform's published spec. Renders are made at
the presets' sizes (a ``--draft`` build at half of them, which its cuts keep and ``marketing.json`` marks).
Every cut is conformed to its preset: a constant frame rate in its range (an 8 or 16 fps render is raised to
the smallest whole multiple of its rate in range by repeating each frame the same number of times, so
nothing stutters), the preset's profile, level and bitrate cap, no edit list, the index at the front, and a
48 kHz stereo AAC track: silent, or a music bed looped or cut to the video, normalised to
:data:`LOUDNESS_LUFS` with ffmpeg's ``loudnorm`` (EBU R128) and faded out. Posters become each platform's
thumbnail; caption files (WebVTT and SRT, en and zh) travel with each video. :func:`check_marketing` reads
the cuts back and lists every way one differs from its preset."""

from __future__ import annotations

import io
import json
import logging
import subprocess
from pathlib import Path
from typing import Any

from fitcontent.artifacts import RenderArtifact
from fitcontent.errors import FitcontentError
from fitcontent.export.manifest import read_manifest
from fitcontent.export.platforms import (
    AUDIO_CHANNELS,
    AUDIO_RATE,
    LOUDNESS_LUFS,
    PIX_FMT,
    PLATFORMS,
    PRESETS,
    TRUE_PEAK_DBTP,
    Platform,
    Thumbnail,
)
from fitcontent.media import RENDER_CRF, h264_params, read_mp4
from fitcontent.post.captions import trim
from fitcontent.store import (
    atomic_write_bytes,
    file_sha256,
    output_dir,
    publish,
    remove_stale_temp_files,
    write_atomically,
    write_text_if_changed,
)

log = logging.getLogger(__name__)
__all__ = ["PLATFORMS", "check_marketing", "conform", "export_marketing"]
CONFORM_VERSION = "3"
"""Bumped whenever :func:`conform`'s settings change, so cuts of the old settings are made again."""
FADE_SECONDS = 1.0
"""The music bed's fade-out (at most a tenth of a short cut, which would otherwise sound quieter)."""
AAC_PRIMING = 1024
"""Samples the AAC encoder puts before the audio (its decoder delay)."""


def export_marketing(dist: Path, out: Path, music: Path | None = None) -> dict[str, Any]:
    """Write ``out/<platform>/...`` cuts and ``out/marketing.json`` listing them (and what was skipped).

    ``music``: an audio file to lay under every cut at :data:`LOUDNESS_LUFS` (silent without one)."""
    dist, out = Path(dist), Path(out)
    renders = [a for a in read_manifest(dist) if isinstance(a, RenderArtifact)]
    if not renders:
        raise FitcontentError(f"{dist} has no renders; build them with fitcontent build EXERCISES --formats all")
    bed = (Path(music), _music_sha256(Path(music))) if music else None  # checked before anything is encoded
    output_dir(out)  # checked before anything is made, after what needs no folder
    remove_stale_temp_files(out)  # a killed export's
    index: dict[str, Any] = {"platforms": {}, "skipped": {}}
    if bed:
        index["music"] = {"path": str(bed[0]), "sha256": bed[1], "integrated_lufs": LOUDNESS_LUFS,
                          "true_peak_dbtp": TRUE_PEAK_DBTP}
    encoded: dict[str, tuple[Path, str]] = {}  # stamp -> its cut and sha256: Reels, TikTok, Shorts share one
    before = _previous_cuts(out)
    for platform in PLATFORMS:
        chosen = [r for r in renders if r.format == platform.format]
        if not chosen:
            reason = f"no {platform.format} renders in {dist}; build with --formats {platform.format}"
            index["skipped"][platform.name] = reason
            continue
        index["platforms"][platform.name] = [_cut(dist, out, platform, render, encoded, before, bed)
                                             for render in chosen]
    write_text_if_changed(out / "marketing.json", json.dumps(index, ensure_ascii=False, indent=2) + "\n")
    made = sum(len(files) for files in index["platforms"].values())
    log.debug("wrote %s: %d cuts for %d platforms", out, made, len(index["platforms"]))
    return index


def _music_sha256(music: Path) -> str:
    """The sha256 of a music file ffmpeg can decode audio from; otherwise one error line naming the file."""
    import imageio_ffmpeg

    if not music.is_file():
        raise FitcontentError(f"music {music}: no such file")
    result = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(music), "-map", "0:a:0",
                             "-t", "1", "-f", "s16le", "-"], capture_output=True, check=False)
    if result.returncode != 0 or not result.stdout:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines() or ["no audio samples"]
        raise FitcontentError(f"music {music}: not audio ffmpeg can read ({lines[-1].removeprefix(f'{music}: ')})")
    return file_sha256(music)[1]


def _previous_cuts(out: Path) -> dict[str, dict]:
    """The cuts an earlier export listed in ``out/marketing.json``, by path (none when it is unreadable)."""
    try:
        index = json.loads((out / "marketing.json").read_text(encoding="utf-8"))
        return {c["path"]: c for cuts in index["platforms"].values() for c in cuts}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _cut(dist: Path, out: Path, platform: Platform, render: RenderArtifact, encoded: dict[str, tuple[Path, str]],
         before: dict[str, dict], bed: tuple[Path, str] | None) -> dict[str, Any]:
    source = dist / render.path
    if not source.is_file():
        raise FitcontentError(f"{source} is listed in the manifest but missing; rebuild with fitcontent build")
    stem = f"{render.exercise}-{Path(render.path).name.removesuffix('.mp4')}"
    folder = out / platform.name
    video = folder / f"{stem}.mp4"
    duration = render.duration
    trimmed = duration > platform.max_seconds
    if trimmed:
        duration = platform.max_seconds
        log.info("%s: %s cut to %g s (was %g s)", platform.name, stem, platform.max_seconds, render.duration)
    if duration < platform.min_seconds:
        log.warning("%s: %s is %g s; %s takes at least %g s", platform.name, stem, duration, platform.name,
                    platform.min_seconds)
    fps = platform.fps_for(render.fps)
    # what the cut is made from, and how: a change to any part (another music file too) makes it again
    stamp = (f"{render.sha256}:{fps}:{duration:g}:{platform.encoding}:{bed[1] if bed else 'silent'}:"
             f"{CONFORM_VERSION}")
    path = video.relative_to(out).as_posix()
    if stamp in encoded:
        first, sha256 = encoded[stamp]
        publish(first, video)
    else:
        found = file_sha256(video)[1] if video.is_file() else None
        if found is None or before.get(path, {}).get("source") != stamp or found != before[path].get("sha256"):
            conform(source, video, render.fps, fps, duration, platform, bed[0] if bed else None)
            found = file_sha256(video)[1]
        sha256 = found
        encoded[stamp] = (video, sha256)
    entry: dict[str, Any] = {
        "kind": render.kind, "exercise": render.exercise, "path": path, "width": render.width,
        "height": render.height, "draft": (render.width, render.height) == platform.size(draft=True),
        "duration": duration, "fps": fps, "trimmed": trimmed, "source": stamp,
        "sha256": sha256, "captions": {}, "subtitles": {}}
    for key, suffix in (("captions", "vtt"), ("subtitles", "srt")):
        for lang, path in getattr(render, key).items():
            dest = folder / f"{stem}.{lang}.{suffix}"
            if trimmed:  # no cue may point past the cut
                write_text_if_changed(dest, trim((dist / path).read_text(encoding="utf-8"), platform.max_seconds))
            else:
                publish(dist / path, dest)
            entry[key][lang] = f"{platform.name}/{stem}.{lang}.{suffix}"
    if render.poster:
        poster = folder / f"{stem}.jpg"
        _write_thumbnail(dist / render.poster, poster, platform)
        entry["poster"] = poster.relative_to(out).as_posix()
    return entry


def conform(source: Path, dest: Path, source_fps: float, fps: int, seconds: float,
            platform: Platform = PLATFORMS[0], music: Path | None = None) -> None:
    """The first ``seconds`` of ``source`` as ``platform`` takes it, written atomically.

    Video: a constant ``fps`` (a whole multiple of the source's: frames are repeated, never blended or
    dropped) in the preset's H.264 profile and level, under its bitrate cap (a VBV buffer of two
    seconds at the cap that starts empty, so the whole cut, however short, averages under it). No edit list
    and no B-frames, so the video starts at 0; AAC's 1024 priming samples stay at the start of the audio
    track instead of shifting every frame after the first, and the track is that much shorter, so neither
    track runs past ``seconds``. The index first. Audio: ``music`` looped or cut to length, normalised to
    :data:`LOUDNESS_LUFS` integrated and :data:`TRUE_PEAK_DBTP` by ``loudnorm`` and then faded out (after the
    normaliser, which would otherwise undo the fade), or silence. Re-encoded, not stream-copied: a copy
    would end at a packet boundary and overshoot a limit. The source's frames are retimed to exactly
    ``source_fps`` first, so its own edit list cannot shift the cadence. An existing ``dest`` of the same
    bytes is left untouched."""
    import imageio_ffmpeg

    samples = round(seconds * AUDIO_RATE) - AAC_PRIMING  # the priming samples count: the track ends at seconds
    if music is None:
        audio = ["-f", "lavfi", "-i", f"anullsrc=r={AUDIO_RATE}:cl=stereo", "-af", f"atrim=end_sample={samples}"]
    else:
        fade = min(FADE_SECONDS, seconds / 10)
        audio = ["-stream_loop", "-1", "-i", str(music), "-af",
                 f"aresample={AUDIO_RATE},loudnorm=I={LOUDNESS_LUFS:g}:TP={TRUE_PEAK_DBTP:g}:LRA=11,"
                 f"aresample={AUDIO_RATE},atrim=end_sample={samples},"
                 f"afade=t=out:st={samples / AUDIO_RATE - fade:.6f}:d={fade:.6f}"]
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source), *audio,
               "-map", "0:v:0", "-map", "1:a:0", "-t", f"{seconds:g}",
               "-vf", f"setpts=N/({source_fps:g}*TB),fps={fps}",
               "-c:v", "libx264", *h264_params(fps, RENDER_CRF, platform.profile),
               "-level:v", platform.level, "-maxrate", f"{platform.max_mbps}M", "-bufsize", f"{2 * platform.max_mbps}M",
               "-rc_init_occupancy", "1",  # bits: the buffer starts (as good as) empty
               "-pix_fmt", PIX_FMT, "-bf", "0",
               "-c:a", "aac", "-b:a", f"{platform.audio_kbps}k", "-ar", str(AUDIO_RATE), "-ac", str(AUDIO_CHANNELS),
               "-use_editlist", "0", "-avoid_negative_ts", "disabled", "-f", "mp4"]

    def produce(tmp: Path) -> None:
        result = subprocess.run([*command, str(tmp)], capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise FitcontentError(f"cutting {source} to {seconds:g} s failed: {result.stderr.strip()[-300:]}")

    write_atomically(dest, produce)  # x264 is deterministic: the same inputs leave an existing cut untouched


def _write_thumbnail(poster: Path, dest: Path, platform: Platform) -> None:
    """The poster as the platform's thumbnail: linked when it already fits, else resized (written only when
    its bytes change, so a rerun writes nothing)."""
    if not _thumbnail_problems(poster, platform):
        publish(poster, dest)
        return
    thumbnail = _thumbnail(poster, platform.thumbnail)
    if not (dest.is_file() and dest.read_bytes() == thumbnail):
        atomic_write_bytes(dest, thumbnail)


def _thumbnail(poster: Path, spec: Thumbnail) -> bytes:
    """The poster at the thumbnail's size (cropped to its aspect if need be), JPEG quality lowered until it fits."""
    from PIL import Image, ImageOps

    with Image.open(poster) as image:
        image = ImageOps.fit(image.convert("RGB"), (spec.width, spec.height), Image.Resampling.LANCZOS)
    for quality in (90, 80, 70, 60, 50):
        buffer = io.BytesIO()
        image.save(buffer, format=spec.format, quality=quality, optimize=True)
        if buffer.tell() < spec.max_bytes:
            break
    return buffer.getvalue()


# ---- checking cuts against their presets ------------------------------------------------------------------
def check_marketing(folder: Path) -> list[str]:
    """Every way a cut listed in ``folder/marketing.json`` (or its thumbnail) differs from its platform's
    preset, one line each ("reels/squat-demo.9x16.mp4: fps 8, reels takes 23-60"); empty when all pass.
    Read from the files' own MP4 boxes, so no ffprobe is needed."""
    folder = Path(folder)
    try:
        platforms = json.loads((folder / "marketing.json").read_text(encoding="utf-8"))["platforms"]
        listed = [(name, cut) for name, cuts in platforms.items() for cut in cuts if cut["path"]]
    except FileNotFoundError:
        raise FitcontentError(f"{folder / 'marketing.json'} not found; run fitcontent export marketing first") from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise FitcontentError(f"{folder / 'marketing.json'} is not a marketing index ({exc})") from None
    if not listed:
        return ["marketing.json: lists no cuts"]
    problems = []
    for name, cut in listed:
        platform = PRESETS.get(name)
        if platform is None:
            problems.append(f"marketing.json: {name} is not a platform ({', '.join(PRESETS)})")
            continue
        size = platform.size(cut.get("draft", False))
        problems += [f"{cut['path']}: {line}" for line in _video_problems(folder / cut["path"], platform, size)]
        if cut.get("poster"):
            problems += [f"{cut['poster']}: {line}" for line in _thumbnail_problems(folder / cut["poster"], platform)]
    if drafts := sum(bool(cut.get("draft")) for _, cut in listed):
        log.info("%d of %d cuts are from a --draft build: checked at half the presets' sizes", drafts, len(listed))
    return problems


def _video_problems(path: Path, platform: Platform, size: tuple[int, int]) -> list[str]:
    """How the MP4 at ``path`` differs from ``platform``'s preset (at ``size``)."""
    if not path.is_file():
        return ["missing"]
    try:
        info = read_mp4(path)
    except FitcontentError as exc:
        return [str(exc).removeprefix(f"{path}: ")]
    name, video, audio = platform.name, info.track("video"), info.track("audio")
    problems = []
    if video is None or video.codec != "h264":
        problems.append(f"video {video.codec if video else 'none'}, {name} takes h264")
    else:
        if (video.width, video.height) != size:
            problems.append(f"size {video.width}x{video.height}, {name} takes {size[0]}x{size[1]}")
        if len(video.frame_durations) != 1 or abs(video.fps - video.avg_fps) > 0.01:
            problems.append(f"fps variable ({video.avg_fps:.4g} on average, {video.fps:.4g} at most), "
                            f"{name} takes a constant rate")
        elif not platform.min_fps <= round(video.fps, 3) <= platform.max_fps:
            problems.append(f"fps {video.fps:.4g}, {name} takes {platform.min_fps}-{platform.max_fps}")
        if video.profile != platform.profile:
            problems.append(f"profile {video.profile}, {name} takes {platform.profile}")
        if _level(video.level) > _level(platform.level):
            problems.append(f"level {video.level}, {name} takes up to {platform.level}")
        if video.pix_fmt != PIX_FMT:
            problems.append(f"pix_fmt {video.pix_fmt}, {name} takes {PIX_FMT}")
        if video.bitrate > platform.max_mbps * 1_000_000:
            problems.append(f"video bitrate {video.bitrate / 1e6:.1f} Mbps, {name} takes up to "
                            f"{platform.max_mbps} Mbps")
    if any(track.edit_list for track in info.tracks):
        problems.append(f"an edit list (elst), {name} takes none")
    if "mdat" in info.top and info.top.index("moov") > info.top.index("mdat"):
        problems.append(f"moov after mdat, {name} takes the index first (faststart)")
    wanted = f"AAC-LC {AUDIO_RATE} Hz {AUDIO_CHANNELS} channels"
    if audio is None:
        problems.append(f"no audio stream, {name} takes {wanted}")
    elif (audio.codec, audio.profile, audio.sample_rate, audio.channels) != ("aac", "LC", AUDIO_RATE, AUDIO_CHANNELS):
        problems.append(f"audio {audio.codec} {audio.profile} {audio.sample_rate} Hz {audio.channels} channels, "
                        f"{name} takes {wanted}")
    if not platform.min_seconds <= round(info.duration, 3) <= platform.max_seconds:
        limits = f"{platform.min_seconds:g}-" if platform.min_seconds else "up to "
        problems.append(f"duration {info.duration:.3f} s, {name} takes {limits}{platform.max_seconds:g} s")
    return problems


def _level(level: str) -> float:
    return 1.05 if level == "1b" else float(level or 0)


def _thumbnail_problems(path: Path, platform: Platform) -> list[str]:
    """How the image at ``path`` differs from ``platform``'s thumbnail."""
    from PIL import Image

    spec, name = platform.thumbnail, platform.name
    if not path.is_file():
        return ["missing"]
    try:
        with Image.open(path) as image:
            kind, (width, height) = image.format, image.size
    except OSError as exc:  # Pillow's "cannot identify image file" too
        return [f"thumbnail unreadable ({exc})"]
    problems = []
    if kind != spec.format:
        problems.append(f"thumbnail {kind}, {name} takes {spec.format}")
    if (width, height) != (spec.width, spec.height):
        problems.append(f"thumbnail {width}x{height}, {name} takes {spec.width}x{spec.height}")
    if (size := path.stat().st_size) >= spec.max_bytes:
        problems.append(f"thumbnail {size / 1e6:.2f} MB, {name} takes under {spec.max_bytes / 1e6:g} MB")
    return problems
