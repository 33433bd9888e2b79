"""Encoding and probing video with the ffmpeg that imageio-ffmpeg ships (no system ffmpeg needed)."""

from __future__ import annotations

import struct
import subprocess
import tempfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fitcontent.errors import FitcontentError

CLIP_CRF = 18
"""Generated and preview clips: a little finer than renders, which decode them again."""
RENDER_CRF = 20
"""Renders and marketing cuts."""
X264_PRESET = "veryfast"
"""libx264's speed preset for every encode. On composed 9:16 renders it encodes 1.5-2.0x faster than
``medium`` at the same CRF, with SSIM at most 0.0002 lower and files no larger (benchmarks/RESULTS.md):
flat-shaded figures gain nothing from ``medium``'s deeper search."""


def h264_params(fps: int, crf: int, profile: str = "high") -> list[str]:
    """The libx264 output options every fitcontent video shares: the CRF, :data:`X264_PRESET`, the H.264
    profile, a keyframe every half second and the index at the front (``+faststart``)."""
    return ["-crf", str(crf), "-preset", X264_PRESET, "-profile:v", profile, "-g", str(max(1, fps // 2)),
            "-movflags", "+faststart"]


def encode_h264(path: Path, frames: Iterable[np.ndarray], width: int, height: int, fps: int,
                crf: int = CLIP_CRF) -> int:
    """Write RGB frames as H.264 MP4 that browsers and phones play: yuv420p, High profile, +faststart.

    Sizes must be even (odd sizes make yuv444p video many players refuse); returns the frame count.
    """
    import imageio_ffmpeg

    if width % 2 or height % 2:
        raise FitcontentError(f"video size must be even for H.264 yuv420p (got {width}x{height})")
    writer = imageio_ffmpeg.write_frames(
        str(path), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=None,
        macro_block_size=1, ffmpeg_log_level="error",
        output_params=[*h264_params(fps, crf), "-f", "mp4"],
    )
    writer.send(None)
    count = 0
    for frame in frames:
        writer.send(np.ascontiguousarray(frame, dtype=np.uint8))
        count += 1
    writer.close()
    return count


def decode_frames(path: Path | str, width: int, height: int, filters: list[str] | None = None,
                  pix_fmt: str = "yuv420p", bits_per_pixel: int = 12) -> Generator[bytes, None, None]:
    """Each frame of ``path`` as raw ``pix_fmt`` bytes, ``width`` x ``height`` after ffmpeg's ``filters``
    (scale, crop). Closing the iterator stops ffmpeg; a file that decodes to nothing raises with its reason."""
    import imageio_ffmpeg

    size = width * height * bits_per_pixel // 8
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-nostdin", "-i", str(path),
               *(["-vf", ",".join(filters)] if filters else []), "-pix_fmt", pix_fmt, "-f", "rawvideo", "-"]
    with tempfile.TemporaryFile() as errors:  # a file, not a pipe: ffmpeg never blocks on what it reports
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors)
        assert process.stdout is not None  # stdout=PIPE
        count = 0
        try:
            while len(data := process.stdout.read(size)) == size:
                count += 1
                yield data
        finally:
            process.stdout.close()
            if process.poll() is None:
                process.kill()
            process.wait()
        if count == 0:
            errors.seek(0)
            reason = errors.read().decode("utf-8", "replace").strip().splitlines()
            raise FitcontentError(f"{path}: no frames could be decoded ({reason[-1] if reason else 'no video'})")


@dataclass(frozen=True)
class VideoInfo:
    width: int
    height: int
    fps: float
    frames: int
    codec: str
    pix_fmt: str


def probe(path: Path) -> VideoInfo:
    """Facts of a video file, from decoding it (so a file that does not decode fails here)."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    reader.close()
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(path))
    codec = meta.get("codec", "").partition(" ")[0]
    return VideoInfo(int(meta["size"][0]), int(meta["size"][1]), float(meta["fps"]), int(frames), codec,
                     meta.get("pix_fmt", "").split("(")[0])


# ---- MP4 boxes (ISO/IEC 14496-12/-14/-15): the facts platforms check, read without ffprobe ----------------
HANDLERS = {"vide": "video", "soun": "audio"}
H264_PROFILES = {66: "baseline", 77: "main", 88: "extended", 100: "high", 110: "high10", 122: "high422",
                 244: "high444"}
AAC_TYPES = {1: "Main", 2: "LC", 5: "HE-AAC", 29: "HE-AACv2"}


@dataclass(frozen=True)
class Mp4Track:
    """One track of an MP4 as its boxes describe it (what ffprobe would report, without ffprobe)."""

    kind: str  # "video", "audio" or the handler type
    codec: str  # "h264", "aac", or the sample entry's four letters
    profile: str  # "high" / "LC"
    level: str  # "4.2" (H.264 only)
    timescale: int
    duration: float  # seconds
    samples: int
    frame_durations: tuple[int, ...]  # the distinct sample durations, in timescale units
    bytes: int
    edit_list: bool
    width: int = 0
    height: int = 0
    pix_fmt: str = ""
    sample_rate: int = 0
    channels: int = 0

    @property
    def fps(self) -> float:
        """ffprobe's r_frame_rate: the rate of the shortest frame."""
        return self.timescale / min(self.frame_durations) if self.frame_durations else 0.0

    @property
    def avg_fps(self) -> float:
        """ffprobe's avg_frame_rate: frames over duration."""
        return self.samples / self.duration if self.duration else 0.0

    @property
    def bitrate(self) -> float:
        """Bits a second of the track's samples."""
        return self.bytes * 8 / self.duration if self.duration else 0.0


@dataclass(frozen=True)
class Mp4Info:
    top: tuple[str, ...]  # top-level boxes in file order ("ftyp", "moov", "mdat")
    tracks: tuple[Mp4Track, ...]

    def track(self, kind: str) -> Mp4Track | None:
        return next((t for t in self.tracks if t.kind == kind), None)

    @property
    def duration(self) -> float:
        return max((t.duration for t in self.tracks), default=0.0)


def read_mp4(path: Path) -> Mp4Info:
    """The boxes of an MP4 file that say how it is encoded; only ``moov`` is read into memory."""
    top, moov = [], b""
    try:
        with open(path, "rb") as file:
            end, pos = file.seek(0, 2), 0
            while pos + 8 <= end:
                file.seek(pos)
                kind, head, size = _box_header(file.read(16), 0, end - pos)
                top.append(kind)
                if kind == "moov":
                    file.seek(pos + head)
                    moov = file.read(size - head)
                pos += size
        if not moov:
            raise ValueError("no moov box")
        tracks = tuple(_track(moov, s, e) for kind, s, e in _boxes(moov, 0, len(moov)) if kind == "trak")
    except (ValueError, IndexError, TypeError, StopIteration, struct.error) as exc:
        raise FitcontentError(f"{path}: not a readable MP4 ({exc})") from None
    return Mp4Info(tuple(top), tracks)


def _box_header(data: bytes, pos: int, room: int) -> tuple[str, int, int]:
    """A box's type, header length and total size (``room``: bytes left from ``pos`` to its parent's end)."""
    size, kind = struct.unpack_from(">I4s", data, pos)
    head = 8
    if size == 1:
        size, head = struct.unpack_from(">Q", data, pos + 8)[0], 16
    elif size == 0:
        size = room
    if size < head or size > room:
        raise ValueError(f"a broken {kind.decode('latin-1')!r} box")
    return kind.decode("latin-1"), head, size


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[str, int, int]]:
    """(type, payload start, payload end) of each box in ``data[start:end]``."""
    while start + 8 <= end:
        kind, head, size = _box_header(data, start, end - start)
        yield kind, start + head, start + size
        start += size


def _find(data: bytes, start: int, end: int, path: str) -> tuple[int, int] | None:
    """The payload of the box at ``path`` ("mdia/minf/stbl") below ``data[start:end]``, if there is one."""
    for name in path.split("/"):
        start, end = next(((s, e) for kind, s, e in _boxes(data, start, end) if kind == name), (-1, -1))
        if start < 0:
            return None
    return start, end


def _need(data: bytes, start: int, end: int, path: str) -> tuple[int, int]:
    """Like :func:`_find`, for a box every such file has: a missing one raises ValueError."""
    found = _find(data, start, end, path)
    if found is None:
        raise ValueError(f"no {path} box")
    return found


def _track(data: bytes, start: int, end: int) -> Mp4Track:
    mdhd, hdlr = _need(data, start, end, "mdia/mdhd"), _need(data, start, end, "mdia/hdlr")
    stbl = _need(data, start, end, "mdia/minf/stbl")
    version, at = data[mdhd[0]], mdhd[0] + 4
    timescale, duration = struct.unpack_from(">IQ" if version == 1 else ">II", data, at + (16 if version == 1 else 8))
    stsd, stts, stsz = (_need(data, *stbl, name) for name in ("stsd", "stts", "stsz"))
    entries = struct.unpack_from(">I", data, stts[0] + 4)[0]
    durations = struct.unpack_from(f">{2 * entries}I", data, stts[0] + 8)[1::2]
    size, samples = struct.unpack_from(">II", data, stsz[0] + 4)
    total = size * samples if size else sum(struct.unpack_from(f">{samples}I", data, stsz[0] + 12))
    entry, entry_start, entry_end = next(_boxes(data, stsd[0] + 8, stsd[1]))
    handler = data[hdlr[0] + 8:hdlr[0] + 12].decode("latin-1")
    facts = {"kind": HANDLERS.get(handler, handler), "codec": entry, "profile": "", "level": "",
             "timescale": timescale, "duration": duration / timescale if timescale else 0.0, "samples": samples,
             "frame_durations": tuple(sorted(set(durations))), "bytes": total,
             "edit_list": _find(data, start, end, "edts/elst") is not None}
    if entry in ("avc1", "avc3"):
        facts.update(_avc(data, entry_start, entry_end))
    elif entry == "mp4a":
        facts.update(_mp4a(data, entry_start, entry_end))
    return Mp4Track(**facts)


def _avc(data: bytes, start: int, end: int) -> dict:
    """An H.264 sample entry: its size and, from avcC and the first SPS, profile, level and chroma format."""
    width, height = struct.unpack_from(">HH", data, start + 24)
    avcc = _need(data, start + 78, end, "avcC")
    profile, level = data[avcc[0] + 1], data[avcc[0] + 3]
    length = struct.unpack_from(">H", data, avcc[0] + 6)[0]
    sps = data[avcc[0] + 8:avcc[0] + 8 + length].replace(b"\x00\x00\x03", b"\x00\x00")
    bits, pos = "".join(f"{b:08b}" for b in sps[4:20]), 0

    def golomb() -> int:  # ue(v), H.264 9.1
        nonlocal pos
        zeros = bits.index("1", pos) - pos
        value = int(bits[pos + zeros:pos + 2 * zeros + 1], 2) - 1
        pos += 2 * zeros + 1
        return value

    golomb()  # seq_parameter_set_id
    chroma, depth = 1, 8
    if profile in (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135):
        chroma = golomb()
        pos += chroma == 3  # separate_colour_plane_flag
        depth = 8 + golomb()
    pix_fmt = ("gray", "yuv420p", "yuv422p", "yuv444p")[chroma] + ("" if depth == 8 else str(depth))
    return {"codec": "h264", "profile": H264_PROFILES.get(profile, str(profile)), "width": width, "height": height,
            "level": "1b" if level == 9 else f"{level // 10}.{level % 10}", "pix_fmt": pix_fmt}


def _mp4a(data: bytes, start: int, end: int) -> dict:
    """An MPEG-4 audio sample entry: channels, rate and, from esds, the codec and AAC object type."""
    channels, rate = struct.unpack_from(">H6xI", data, start + 16)
    pos = _need(data, start + 28, end, "esds")[0] + 4

    def descriptor(pos: int) -> int:  # skips a descriptor's tag and length (ISO/IEC 14496-1 8.3.3)
        pos += 1
        while data[pos] & 0x80:
            pos += 1
        return pos + 1

    pos = descriptor(pos)  # ES_Descriptor
    flags, pos = data[pos + 2], pos + 3
    pos += 2 if flags & 0x80 else 0  # dependsOn_ES_ID
    pos += 1 + data[pos] if flags & 0x40 else 0  # URL
    pos += 2 if flags & 0x20 else 0  # OCR_ES_Id
    pos = descriptor(pos)  # DecoderConfigDescriptor
    object_type = data[pos]
    pos = descriptor(pos + 13)  # DecoderSpecificInfo: AudioSpecificConfig
    codec = "aac" if object_type in (0x40, 0x66, 0x67, 0x68) else {0x69: "mp3", 0x6B: "mp3"}.get(object_type, "mp4a")
    profile = AAC_TYPES.get(data[pos] >> 3, str(data[pos] >> 3)) if codec == "aac" else ""
    return {"codec": codec, "profile": profile, "sample_rate": rate >> 16, "channels": channels}
