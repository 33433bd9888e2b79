"""The whole squat build against raw ffmpeg encoding the same output, in one run.

Usage: .venv/bin/python benchmarks/build_speed.py [FPS ...]   (default: 8 30)
For each frame rate: `fitcontent build squat --angles all --formats all --fps FPS` on an empty store (a fresh
FITCONTENT_CACHE), timed as a whole process; then the floor: ffmpeg alone encoding every render and clip the build
wrote, from its decoded frames, with the same encoder settings (libx264 veryfast, the same CRF), one file after the
other. The ratio build / floor is what planning, drawing the mannequin, decoding clips and compositing add on top
of the encoding no build can skip. Writes benchmarks/results/build_speed.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import imageio_ffmpeg

from fitcontent.media import CLIP_CRF, RENDER_CRF, X264_PRESET

ROOT = Path(__file__).resolve().parent.parent
FITCONTENT = [sys.executable, "-m", "fitcontent"]


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def floor(dist: Path, entries: list[dict]) -> float:
    """Seconds for ffmpeg to decode and re-encode every file of the build with the build's own settings."""
    total = 0.0
    for entry in entries:
        crf = CLIP_CRF if entry["kind"] == "clip" else RENDER_CRF
        total += timed([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(dist / entry["path"]),
                        "-c:v", "libx264", "-preset", X264_PRESET, "-crf", str(crf), "-profile:v", "high",
                        "-pix_fmt", "yuv420p", "-g", str(max(1, entry["fps"] // 2)), "-f", "null", "-"])
    return total


def measure(fps: int, tmp: Path) -> dict:
    env = {**os.environ, "FITCONTENT_CACHE": str(tmp / f"cache-{fps}")}
    dist = tmp / f"dist-{fps}"
    command = ["build", "squat", "--angles", "all", "--formats", "all", "--fps", str(fps), "--out", str(dist), "-q"]
    build = timed(FITCONTENT + command, env)
    entries = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    entries = entries["artifacts"] if isinstance(entries, dict) else entries
    ffmpeg = floor(dist, entries)
    return {"fps": fps, "command": "fitcontent " + " ".join(command[:-3]), "build_s": round(build, 2),
            "ffmpeg_floor_s": round(ffmpeg, 2), "ratio": round(build / ffmpeg, 2),
            "clips": sum(e["kind"] == "clip" for e in entries), "renders": sum(e["kind"] != "clip" for e in entries),
            "frames_encoded": sum(e["frames"] for e in entries),
            "megapixels_encoded": round(sum(e["frames"] * e["width"] * e["height"] for e in entries) / 1e6)}


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines()
        return next(line.split(":", 1)[1].strip() for line in lines if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


def main(rates: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(fps, Path(tmp)) for fps in rates]
    result = {"date": date.today().isoformat(), "machine": f"{os.cpu_count()} cores, {cpu_model()}",
              "x264_preset": X264_PRESET, "runs": rows}
    out = ROOT / "benchmarks" / "results" / "build_speed.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print("| fps | clips | renders | frames | build s | ffmpeg floor s | build / floor |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['fps']} | {row['clips']} | {row['renders']} | {row['frames_encoded']} | {row['build_s']} | "
              f"{row['ffmpeg_floor_s']} | {row['ratio']} |")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [8, 30])
