"""Fixtures of the post-production tests: solid-colour clips, planners over them, and one shared draft build.

Solid colours make every pixel predictable: a panel shows its clip's colour, a border its declared colour.
H.264 is lossy, so colours are compared with a tolerance and sampled a few pixels away from edges.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from fitcontent import api
from fitcontent.artifacts import ClipArtifact
from fitcontent.catalog.loader import Catalog
from fitcontent.pose.stills import motion_for
from fitcontent.post.compose import PanelSpec
from fitcontent.post.formats import FORMATS
from fitcontent.post.names import load_strings
from fitcontent.post.plan import Planner, load_layouts
from fitcontent.post.spec import Brand, load_brand
from fitcontent.settings import Settings

TOLERANCE = 12
RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)
CORRECT, ERROR = "#16a34a", "#dc2626"  # the packaged brand's colours
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

# The shared build: two cameras, one error each, landscape and vertical, at draft size. 33 frames at 8 fps
# (4 s, two reps) leave each phase on screen for a second, long enough to be captioned.
BUILD = {"exercises": ["squat"], "angles": ["front", "side"], "errors": ["knee-valgus", "rounded-back"],
         "formats": ["16:9", "9:16"], "width": 320, "height": 192, "frames": 33}
BUILD_KINDS = ("demo", "comparison", "error-grid", "angle-grid", "lesson")


def hex_rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def close(pixel: Iterable[int], color: tuple[int, int, int] | str, tolerance: int = TOLERANCE) -> bool:
    """Every channel of ``pixel`` within ``tolerance`` of ``color``."""
    expected = hex_rgb(color) if isinstance(color, str) else color
    return all(abs(int(a) - int(b)) <= tolerance for a, b in zip(list(pixel)[:3], expected, strict=True))


def read_frame(path: Path, index: int = 0) -> np.ndarray:
    """Frame ``index`` of a video, decoded as an RGB array (height, width, 3)."""
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    width, height = meta["size"]
    try:
        for number, raw in enumerate(reader):
            if number == index:
                return np.frombuffer(raw, np.uint8).reshape(height, width, 3)
    finally:
        reader.close()
    raise IndexError(f"{path} has no frame {index}")


def ring_lines(image: np.ndarray, panel: PanelSpec) -> list[np.ndarray]:
    """The middle line of the border ring on each side, corners left out (a decoded video blurs edges)."""
    d, b = panel.dest, panel.border_width
    m = (b + 1) // 2
    rows, cols = slice(d.y + b, d.y + d.h - b), slice(d.x + b, d.x + d.w - b)
    return [image[rows, d.x - m], image[rows, d.x + d.w - 1 + m], image[d.y - m, cols], image[d.y + d.h - 1 + m, cols]]


def manifest(dist: Path) -> list[dict[str, Any]]:
    return json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["artifacts"]


def clip_entry(angle: str, form: str = "correct", variation: str = "bodyweight", size: tuple[int, int] = (720, 480),
               frames: int = 49, fps: int = 8, exercise: str = "squat") -> ClipArtifact:
    """A squat clip's manifest entry as a build records it; planning reads the entry, never the file."""
    width, height = size
    stem = f"{exercise}/{variation}-{angle}-{form}"
    return ClipArtifact(id=f"{exercise}.{variation}.{angle}.{form}", exercise=exercise, variation=variation,
                        angle=angle, form=form, path=f"{stem}.mp4", pose=f"{stem}.pose.json", width=width,
                        height=height, frames=frames, fps=fps, duration=round(frames / fps, 4), backend="preview",
                        backend_version="6", model=None, seed=0, prompt="", negative_prompt="", cache_key="0" * 64,
                        sha256="0" * 64, subject=subject_box(exercise, variation, angle, form, size, frames, fps))


@functools.cache
def subject_box(exercise: str, variation: str, angle: str, form: str, size: tuple[int, int], frames: int,
                fps: int) -> tuple[int, int, int, int]:
    """The box the pose engine says the body and props of this shot stay in, as a build records it."""
    motion = motion_for(api.load_catalog(Settings()), exercise, variation, form, angle, *size, frames, fps)
    return motion.subject_box()


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The packaged catalog (squat's errors, cues and angles), loaded once."""
    return api.load_catalog(Settings())


ClipMaker = Callable[..., dict[str, Any]]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    return tmp_path / "dist"


@pytest.fixture
def make_clip(dist: Path) -> ClipMaker:
    """Writes a solid-colour squat clip into ``dist`` and returns its clip manifest entry (as a build makes)."""
    from fitcontent.media import encode_h264

    def make(angle: str, color: tuple[int, int, int], form: str = "correct", variation: str = "bodyweight",
             size: tuple[int, int] = (96, 64), frames: int = 16, fps: int = 8) -> dict[str, Any]:
        width, height = size
        path = dist / "squat" / f"{variation}-{angle}-{form}.mp4"
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = np.empty((height, width, 3), np.uint8)
        frame[:] = color
        encode_h264(path, [frame] * frames, width, height, fps)
        entry = clip_entry(angle, form, variation, size, frames, fps)
        return entry.model_copy(update={"sha256": hashlib.sha256(path.read_bytes()).hexdigest()})

    return make


@pytest.fixture
def four_angles(make_clip: ClipMaker) -> list[dict[str, Any]]:
    """Correct form from four cameras, each clip one solid colour: red, green, blue, yellow."""
    return [make_clip(angle, color) for angle, color in
            (("front", RED), ("side", GREEN), ("back", BLUE), ("low-angle", YELLOW))]


PlannerMaker = Callable[..., Planner]


@pytest.fixture
def make_planner(catalog: Catalog, dist: Path) -> PlannerMaker:
    """A Planner over ``dist`` as api.build makes one: packaged layouts, brand and strings unless given."""

    def make(formats: Iterable[str] = ("16:9",), lang: str = "en", draft: bool = True, brand: Brand | None = None,
             templates: Path | None = None) -> Planner:
        brand = brand or load_brand(None, templates)[0]
        return Planner(catalog, load_layouts(templates), brand, load_strings(templates),
                       [FORMATS[name] for name in formats], lang, dist, draft)

    return make


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One draft build of :data:`BUILD` (clips and every render kind), shared by the build and caption tests.

    The store is a temporary directory, never the user's cache."""
    root = tmp_path_factory.mktemp("build")
    settings = Settings(cache=root / "cache")
    request = api.make_request(**BUILD)
    report = api.build(request, settings, out=root / "dist", draft=True)
    return SimpleNamespace(dist=root / "dist", settings=settings, request=request, report=report,
                           renders=[e for e in manifest(root / "dist") if e["kind"] != "clip"])
