"""Encoding and probing video with the ffmpeg that imageio-ffmpeg ships (no system ffmpeg needed)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fitcontent.errors import FitcontentError

CRF = 18


def encode_h264(path: Path, frames: Iterable[np.ndarray], width: int, height: int, fps: int, crf: int = CRF) -> int:
    """Write RGB frames as H.264 MP4 that browsers and phones play: yuv420p, High profile, +faststart.

    Sizes must be even (odd sizes make yuv444p video many players refuse); returns the frame count.
    """
    import imageio_ffmpeg

    if width % 2 or height % 2:
        raise FitcontentError(f"video size must be even for H.264 yuv420p (got {width}x{height})")
    writer = imageio_ffmpeg.write_frames(
        str(path), (width, height), fps=fps, codec="libx264", pix_fmt_out="yuv420p", quality=None,
        macro_block_size=1, ffmpeg_log_level="error",
        output_params=["-crf", str(crf), "-preset", "medium", "-profile:v", "high", "-g", str(max(1, fps // 2)),
                       "-movflags", "+faststart", "-f", "mp4"],
    )
    writer.send(None)
    count = 0
    for frame in frames:
        writer.send(np.ascontiguousarray(frame, dtype=np.uint8))
        count += 1
    writer.close()
    return count


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
