"""CogVideoX model families as data: pipeline class, dtype, geometry rules, defaults, download source.

Every spec is checked against its family before any weight loads (:func:`check_spec`), with errors that
name the rule and the nearest legal value. Helpers fit a duration to a legal frame count and any image
to a legal resolution. Sources: the model cards of zai-org/CogVideoX* (formerly THUDM) and
alibaba-pai/CogVideoX-Fun-V1.1, and diffusers' CogVideoX pipelines (0.42).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fitcontent.errors import RequestError, unknown_message

Task = Literal["t2v", "i2v", "pose"]


@dataclass(frozen=True)
class Family:
    name: str
    repo: str  # Hugging Face repository the weights come from
    pipeline: str  # diffusers pipeline class
    task: Task
    dtype: Literal["float16", "bfloat16"]
    width: int  # default size
    height: int
    fps: int
    frame_step: int  # frames must be frame_step * N + 1
    max_frames: int
    resolution: Literal["fixed", "i2v-1.5", "fun"]
    scheduler: str
    guidance_scale: float = 6.0
    steps: int = 50
    dynamic_cfg: bool = True
    token_limit: int = 226
    former_repo: str | None = None  # where the weights were published before (a cache may hold them by that id)

    @property
    def repos(self) -> tuple[str, ...]:
        """The repository ids a Hugging Face cache may hold the weights under, current first."""
        return (self.repo, self.former_repo) if self.former_repo else (self.repo,)

    @property
    def legal_frames(self) -> list[int]:
        return list(range(self.frame_step + 1, self.max_frames + 1, self.frame_step))

    @property
    def download(self) -> str:
        return f"huggingface-cli download {self.repo} --local-dir <DIR>"

    def resolution_rule(self) -> str:
        return {
            "fixed": f"{self.width}x{self.height} only",
            "i2v-1.5": "a shorter side of at least 768 and a longer side of at most 1360, divisible by 16",
            "fun": "sides from 256 to 1024, multiples of 16",
        }[self.resolution]


FAMILIES = {
    f.name: f
    for f in (
        Family("cogvideox-2b", "zai-org/CogVideoX-2b", "CogVideoXPipeline", "t2v", "float16", 720, 480, 8, 8, 49,
               "fixed", "CogVideoXDDIMScheduler", dynamic_cfg=False, former_repo="THUDM/CogVideoX-2b"),
        Family("cogvideox-5b", "zai-org/CogVideoX-5b", "CogVideoXPipeline", "t2v", "bfloat16", 720, 480, 8, 8, 49,
               "fixed", "CogVideoXDPMScheduler", former_repo="THUDM/CogVideoX-5b"),
        Family("cogvideox-5b-i2v", "zai-org/CogVideoX-5b-I2V", "CogVideoXImageToVideoPipeline", "i2v", "bfloat16",
               720, 480, 8, 8, 49, "fixed", "CogVideoXDPMScheduler", former_repo="THUDM/CogVideoX-5b-I2V"),
        Family("cogvideox1.5-5b", "zai-org/CogVideoX1.5-5B", "CogVideoXPipeline", "t2v", "bfloat16", 1360, 768, 16,
               16, 161, "fixed", "CogVideoXDPMScheduler", former_repo="THUDM/CogVideoX1.5-5B"),
        Family("cogvideox1.5-5b-i2v", "zai-org/CogVideoX1.5-5B-I2V", "CogVideoXImageToVideoPipeline", "i2v",
               "bfloat16", 1360, 768, 16, 16, 161, "i2v-1.5", "CogVideoXDPMScheduler",
               former_repo="THUDM/CogVideoX1.5-5B-I2V"),
        Family("cogvideox-fun-v1.1-5b-pose", "alibaba-pai/CogVideoX-Fun-V1.1-5b-Pose", "CogVideoXFunControlPipeline",
               "pose", "bfloat16", 720, 480, 8, 8, 49, "fun", "CogVideoXDDIMScheduler"),
    )
}


def family(name: str) -> Family:
    if name not in FAMILIES:
        raise RequestError(unknown_message("model family", name, FAMILIES))
    return FAMILIES[name]


def frames_for(fam: Family, seconds: float, fps: int | None = None) -> int:
    """The legal frame count nearest to ``seconds`` at the family's fps (or ``fps``)."""
    wanted = seconds * (fps or fam.fps) + 1
    return min(fam.legal_frames, key=lambda n: (abs(n - wanted), n))


def legal_size(fam: Family, width: int, height: int) -> tuple[int, int]:
    """The legal size nearest in shape to ``width`` x ``height`` (what an image is fitted to)."""
    if fam.resolution == "fixed":
        return fam.width, fam.height
    aspect = width / height
    if fam.resolution == "fun":  # keep the size, brought within 256..1024 per side
        scale = min(1.0, 1024 / max(width, height))
        scale = max(scale, 256 / min(width, height))
        return _multiple(width * scale, 16, 256, 1024), _multiple(height * scale, 16, 256, 1024)
    long_side, short_side = 1360, round(1360 / max(aspect, 1 / aspect))  # i2v-1.5: the long side at its max
    if short_side < 768:
        short_side = 768
    short_side = _multiple(short_side, 16, 768, 1360)
    return (long_side, short_side) if aspect >= 1 else (short_side, long_side)


def _multiple(value: float, step: int, low: int, high: int) -> int:
    return int(min(high, max(low, round(value / step) * step)))


def check_spec(fam: Family, width: int, height: int, frames: int, fps: int, prompt_tokens: int) -> None:
    """Raise :class:`RequestError` naming the rule a spec breaks and the nearest legal value."""
    if frames not in fam.legal_frames:
        nearest = min(fam.legal_frames, key=lambda n: (abs(n - frames), n))
        shown = ", ".join(map(str, fam.legal_frames[:3]))
        raise RequestError(f"{fam.name} needs {fam.frame_step}N+1 frames ({shown}, ... {fam.max_frames}); "
                           f"{frames} frames -> use --frames {nearest}")
    if not _size_ok(fam, width, height):
        w, h = legal_size(fam, width, height)
        raise RequestError(f"{fam.name} needs {fam.resolution_rule()}; {width}x{height} -> use --size {w}x{h}")
    if fps != fam.fps:
        raise RequestError(f"{fam.name} makes {fam.fps} fps video; got --fps {fps} -> use --fps {fam.fps}")
    if prompt_tokens > fam.token_limit:
        raise RequestError(f"{fam.name} reads at most {fam.token_limit} prompt tokens; the prompt has about "
                           f"{prompt_tokens}: shorten it")


def _size_ok(fam: Family, width: int, height: int) -> bool:
    if fam.resolution == "fixed":
        return (width, height) == (fam.width, fam.height)
    if fam.resolution == "fun":
        return all(256 <= side <= 1024 and side % 16 == 0 for side in (width, height))
    return min(width, height) >= 768 and max(width, height) <= 1360 and max(width, height) % 16 == 0


def fit_image(image, fam: Family, width: int | None = None, height: int | None = None):
    """A PIL image resized to cover the family's legal size (from the image's own shape unless given),
    then centre-cropped to it: no stretching, the edges of the longer dimension are cut evenly."""
    from PIL import Image

    target = (width, height) if width and height else legal_size(fam, *image.size)
    scale = max(target[0] / image.width, target[1] / image.height)
    size = (round(image.width * scale), round(image.height * scale))
    resized = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    left, top = (resized.width - target[0]) // 2, (resized.height - target[1]) // 2
    return resized.crop((left, top, left + target[0], top + target[1]))
