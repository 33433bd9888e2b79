"""Platform presets as data: what each publishing target takes, one frozen row per platform.

Every number comes from the platform's own published spec (read 2025):

- Meta, Instagram Graph API, IG User Media, "Reels specifications": MOV or MP4, no edit lists, ``moov`` atom
  at the front; AAC, 48 kHz maximum, mono or stereo, 128 kbps; H.264 or HEVC, progressive, closed GOP, 4:2:0;
  23-60 fps; at most 1920 columns; VBR, 25 Mbps maximum; 3 s to 15 min. Feed videos go through the same
  endpoint (a Reel shared to the feed); the older feed-video spec capped them at 60 s. Images: JPEG, 8 MB.
- TikTok for Developers, Content Posting API, "Media Transfer Guide" (video restrictions): MP4 and H.264
  recommended; 23-60 fps; 360-4096 px a side; every creator may post 3 min (the API takes up to 10 min).
  Images: JPEG or WebP, at most 1080p and 20 MB. No bitrate limit is published.
- YouTube Help, "Recommended upload encoding settings": MP4, no edit lists, ``moov`` at the front (fast start);
  AAC-LC, stereo, 48 or 96 kHz, 384 kbps for stereo; H.264 High profile, progressive, closed GOP of half the
  frame rate, 4:2:0; 1080p at 8 Mbps (24-30 fps) or 12 Mbps (48-60 fps). "Add custom thumbnails": 1280x720,
  JPG/GIF/PNG, under 2 MB. Uploads run to 15 min until the account is verified; Shorts to 3 min (since Oct 2024).

No platform names an H.264 level. 1080x1920 is 8,160 macroblocks; level 4.1 allows 245,760 a second (30 fps
at that size, ITU-T H.264 Table A-1) and a 16 fps render is cut at 32 fps, so every preset takes level 4.2
(522,240 a second: 64 fps at 1080p, the whole 23-60 fps range).

Reels, TikTok and Shorts share one encode of each render, so their encoding fields are the same: 60 s is
inside all three limits (and was the Shorts limit until late 2024), 12 Mbps is the strictest published
figure (YouTube's for 1080p at high frame rates; Meta allows 25, TikTok names none) and 128 kbps is Meta's.
"""

from __future__ import annotations

from dataclasses import dataclass

from fitcontent.errors import FitcontentError
from fitcontent.post.formats import FORMATS

AUDIO_CODEC = "aac"  # AAC-LC: all three publish it
AUDIO_RATE = 48_000  # Meta's maximum, YouTube's recommendation
AUDIO_CHANNELS = 2
LOUDNESS_LUFS = -14.0
"""Integrated loudness of a music bed (EBU R128 / ITU-R BS.1770): what YouTube, Spotify and Instagram
normalise playback to, so the platforms neither turn the bed down nor up."""
TRUE_PEAK_DBTP = -1.0
"""True-peak ceiling of a music bed: headroom for the platforms' own lossy re-encode."""
PIX_FMT = "yuv420p"  # 4:2:0, 8 bit: all three


@dataclass(frozen=True)
class Thumbnail:
    """The still a platform shows before the video plays."""

    width: int
    height: int
    max_bytes: int
    format: str = "JPEG"


@dataclass(frozen=True)
class Platform:
    """One publishing target's rules: what a cut must be to be accepted without re-encoding."""

    name: str
    format: str  # the render aspect it takes ("9:16")
    width: int
    height: int
    max_seconds: float
    thumbnail: Thumbnail
    min_seconds: float = 0.0
    min_fps: int = 23
    max_fps: int = 60
    profile: str = "high"
    level: str = "4.2"
    max_mbps: int = 12  # video bitrate cap: -maxrate, with a VBV buffer (-bufsize) of two seconds at it
    audio_kbps: int = 128

    def size(self, draft: bool = False) -> tuple[int, int]:
        """The delivery size, or the half of it a ``--draft`` build renders (the cuts keep the render's size)."""
        return FORMATS[self.format].sized(True) if draft else (self.width, self.height)

    @property
    def encoding(self) -> str:
        """Everything about the encode this preset asks for, as a stamp: equal stamps share one encode."""
        return (f"h264 {self.profile}@{self.level} {self.max_mbps}M "
                f"{AUDIO_CODEC} {AUDIO_RATE // 1000}k {AUDIO_CHANNELS}ch {self.audio_kbps}k")

    def fps_for(self, fps: float) -> int:
        """The smallest whole multiple of ``fps`` the platform takes (each frame shown a whole number of times)."""
        for times in range(1, self.max_fps + 1):
            if self.min_fps <= fps * times <= self.max_fps and float(fps * times).is_integer():
                return int(fps * times)
        raise FitcontentError(f"{self.name} takes {self.min_fps}-{self.max_fps} fps; {fps:g} fps has no whole "
                              "multiple in that range")


VERTICAL_THUMBNAIL = Thumbnail(1080, 1920, 2_000_000)  # YouTube's 2 MB is the strictest (Meta 8 MB, TikTok 20 MB)
PLATFORMS = (
    Platform("reels", "9:16", 1080, 1920, 60, VERTICAL_THUMBNAIL, min_seconds=3),
    Platform("tiktok", "9:16", 1080, 1920, 60, VERTICAL_THUMBNAIL),
    Platform("shorts", "9:16", 1080, 1920, 60, VERTICAL_THUMBNAIL),
    Platform("feed-square", "1:1", 1080, 1080, 60, Thumbnail(1080, 1080, 8_000_000), min_seconds=3, max_mbps=25),
    Platform("feed-portrait", "4:5", 1080, 1350, 60, Thumbnail(1080, 1350, 8_000_000), min_seconds=3,
             max_mbps=25),
    Platform("youtube", "16:9", 1920, 1080, 15 * 60, Thumbnail(1280, 720, 2_000_000), min_fps=24,
             audio_kbps=384),
)
PRESETS = {p.name: p for p in PLATFORMS}
