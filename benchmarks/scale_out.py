"""Clips per hour for one worker and for N, each executor, on this machine (preview backend, empty stores).

Builds ``squat --angles all --layouts none --size 1280x720 --fps 24`` (14 clips of 145 frames, about 2 s
each here, so start-up does not swamp the work) with: one process (local); N processes through
torchrun (``--executor accelerate``, gloo between CPU processes); a local Ray instance with N workers
(``--executor ray``). Wall-clock seconds of the whole command (start-up included) and clips per hour;
scaling efficiency = (clips per hour with N / clips per hour with 1) / N.

Usage: python benchmarks/scale_out.py [N]   (raw JSON in benchmarks/results/scale_out.json)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILD = ["build", "squat", "--angles", "all", "--layouts", "none", "--size", "1280x720", "--fps", "24"]
CLIPS = 14


def timed(command: list[str], folder: Path) -> float:
    env = {**os.environ, "FITCONTENT_CACHE": str(folder / "cache")}
    started = time.perf_counter()
    done = subprocess.run([*command, "--out", str(folder / "dist")], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return time.perf_counter() - started


def main(workers: int) -> None:
    fit = [sys.executable, "-m", "fitcontent", *BUILD]
    runs = {
        "local, 1 process": fit,
        f"accelerate, {workers} processes (torchrun)": [sys.executable, "-m", "torch.distributed.run", "--standalone",
                                                        f"--nproc-per-node={workers}", "-m", "fitcontent", *BUILD,
                                                        "--executor", "accelerate"],
        f"ray, local instance ({os.cpu_count()} workers, one per CPU)": [*fit, "--executor", "ray"],
    }
    rows = []
    for name, command in runs.items():
        with tempfile.TemporaryDirectory() as tmp:
            seconds = timed(command, Path(tmp))
        rows.append({"run": name, "seconds": round(seconds, 1), "clips_per_hour": round(CLIPS * 3600 / seconds)})
    base = rows[0]["clips_per_hour"]
    for row in rows[1:]:
        row["scaling_efficiency"] = round(row["clips_per_hour"] / base / workers, 2)
    out = Path(__file__).parent / "results" / "scale_out.json"
    out.write_text(json.dumps({"workers": workers, "cpus": os.cpu_count(), "rows": rows}, indent=1))
    for row in rows:
        print(row)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
