"""libx264 speed presets on fitcontent's own composed frames: time, size and quality, in one run.

Usage: .venv/bin/python benchmarks/encoder_preset.py [KIND ...]   (default: comparison lesson)
Builds the squat clips at 30 fps (an empty temporary store), plans the 9:16 renders of each KIND, composes
every frame once into a raw yuv420p file, then encodes that same file with each preset at the renders' CRF and
measures SSIM and PSNR of the result against the raw frames with ffmpeg's own filters. Writes
benchmarks/results/encoder_preset.json.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import imageio_ffmpeg

from fitcontent import api
from fitcontent.media import RENDER_CRF as CRF
from fitcontent.post.compose import Compositor
from fitcontent.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
PRESETS = ("medium", "faster", "veryfast", "superfast")
FPS = 30


def raw_frames(spec, path: Path) -> None:
    compositor = Compositor(spec)
    try:
        with open(path, "wb") as out:
            for index in range(spec.frames):
                out.write(compositor.frame(index).tobytes())
    finally:
        compositor.close()


def encode(raw: Path, spec, preset: str, out: Path) -> dict:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    source = ["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{spec.width}x{spec.height}", "-r", str(FPS),
              "-i", str(raw)]
    started = time.perf_counter()
    subprocess.run([ffmpeg, "-v", "error", "-y", *source, "-c:v", "libx264", "-preset", preset, "-crf", str(CRF),
                    "-profile:v", "high", "-g", str(FPS // 2), str(out)], check=True)
    seconds = time.perf_counter() - started
    log = subprocess.run([ffmpeg, *source, "-i", str(out), "-lavfi", "[1][0]ssim;[1][0]psnr", "-f", "null", "-"],
                         capture_output=True, text=True, check=True).stderr
    return {"preset": preset, "seconds": round(seconds, 2), "kB": out.stat().st_size // 1000,
            "ssim": float(re.search(r"SSIM.*All:([0-9.]+)", log).group(1)),
            "psnr_db": float(re.search(r"PSNR.*average:([0-9.]+)", log).group(1))}


def main(kinds: list[str]) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["FITCONTENT_CACHE"] = str(Path(tmp) / "cache")
        dist = Path(tmp) / "dist"
        request = api.make_request(exercises=["squat"], angles=["all"], formats=["9:16"], fps=FPS, layouts=["none"])
        report = api.build(request, out=dist)
        settings = load_settings()
        planner = api._planner(request, settings, api.load_catalog(settings), dist, False)
        renders = planner.plan([e for e in report.built if e["kind"] == "clip"], kinds)
        for kind in kinds:
            spec = next(r.spec for r in renders if r.spec.kind == kind)
            raw = Path(tmp) / f"{kind}.yuv"
            raw_frames(spec, raw)
            for preset in PRESETS:
                row = {"kind": kind, "frames": spec.frames, **encode(raw, spec, preset, Path(tmp) / "out.mp4")}
                rows.append(row)
                print(row, flush=True)
    out = ROOT / "benchmarks" / "results" / "encoder_preset.json"
    out.write_text(json.dumps({"date": date.today().isoformat(), "cores": os.cpu_count(), "crf": CRF,
                               "fps": FPS, "format": "9:16", "rows": rows}, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:] or ["comparison", "lesson"])
