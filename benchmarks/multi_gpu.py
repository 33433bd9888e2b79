"""Clips per hour on 1 and N GPUs (``--executor accelerate`` and ``--executor ray``), and one 1.5 clip on two
GPUs with ``--parallel cfg`` against one GPU: issue 16.

Real-size architectures with random weights (step time does not depend on weight values) are saved once as
model directories, so every process loads its model as the CLI does. The same shots everywhere:
``squat --angles all --errors none --layouts none`` at the family's geometry (one clip per camera angle),
``--steps`` denoising steps, an empty store each run. Reported per run: the command's wall seconds (start-up
and model loading included), the build's own figures from ``manifest.json``'s ``last_build`` (seconds,
GPU-seconds per clip, clips per hour), and the scaling efficiency against one GPU, both ways; for cfg, the
seconds per clip and the speedup. NVLink multicast stays off (the device notes' variables are set for every
process).

Usage (device, N GPUs): python3 benchmarks/multi_gpu.py [--gpus 2] [--steps 10] [--family cogvideox-5b]
                        [--cfg-family cogvideox1.5-5b] [--cfg-steps 6] [--runs local,accelerate,ray,cfg]
      (CPU smoke test): python3 benchmarks/multi_gpu.py --tiny --gpus 2 --steps 2 --cfg-family cogvideox-5b
Raw JSON: $OUT/multi_gpu_<tag>.json (benchmarks/results/ when $OUT is unset).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from gpu_generation import saved_pipeline

from fitcontent.generation.models import FAMILIES

NO_MULTICAST = {"NCCL_NVLS_ENABLE": "0", "TORCH_SYMM_MEM_DISABLE_MULTICAST": "1", "NVSHMEM_DISABLE_NVLS": "1"}
SHOTS = ["squat", "--angles", "all", "--errors", "none", "--layouts", "none"]


def run(label: str, command: list[str], folder: Path, frames: int | None) -> dict:
    """One build into an empty store and dist/; its wall time and the manifest's last_build figures."""
    out = folder / label.replace(" ", "-").replace(",", "")
    env = {**os.environ, **NO_MULTICAST, "FITCONTENT_CACHE": str(out / "cache")}
    extra = ["--frames", str(frames)] if frames else []
    started = time.perf_counter()
    done = subprocess.run([*command, *extra, "--out", str(out / "dist")], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    row = {"run": label, "wall_s": round(wall, 1)}
    if done.returncode != 0:  # fitcontent's own one-line errors first (torchrun's report follows them)
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        return {**row, "error": "\n".join(dict.fromkeys(errors)) or done.stderr[-1500:]}
    figures = json.loads((out / "dist" / "manifest.json").read_text(encoding="utf-8"))["last_build"]
    return {**row, **figures, "clips_per_hour_wall": round(figures["clips_made"] * 3600 / wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gpus", type=int, default=2)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--family", default="cogvideox-5b")
    parser.add_argument("--cfg-family", default="cogvideox1.5-5b")
    parser.add_argument("--cfg-steps", type=int, default=6)
    parser.add_argument("--runs", default="local,accelerate,ray,cfg")
    parser.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "fitcontent-models")
    parser.add_argument("--tiny", action="store_true", help="tiny pipelines on the CPU: a smoke test of this script")
    parser.add_argument("--tag", default="run")
    args = parser.parse_args()
    runs = args.runs.split(",")

    def frames(family: str) -> int | None:
        """Tiny: the shortest clip the family takes, so the smoke test takes seconds; else the family's own."""
        return (17 if family.startswith("cogvideox1.5") else 9) if args.tiny else None

    fit = [sys.executable, "-m", "fitcontent"]
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone"]
    document: dict = {"date": time.strftime("%Y-%m-%d"), "argv": sys.argv[1:], "gpus": args.gpus, "rows": []}
    path = Path(os.environ.get("OUT") or Path(__file__).parent / "results") / f"multi_gpu_{args.tag}.json"
    folder = Path(tempfile.mkdtemp())

    def keep(row: dict) -> None:
        document["rows"].append(row)
        path.write_text(json.dumps(document, indent=1))
        print(json.dumps(row), flush=True)

    started = time.perf_counter()
    model = saved_pipeline(FAMILIES[args.family], args.models, args.tiny)
    build = [*SHOTS, "--backend", "cogvideox", "--model", str(model), "--steps", str(args.steps)]
    document["model_save_s"] = round(time.perf_counter() - started, 1)
    base = None
    if "local" in runs:
        base = run("local, 1 GPU", [*fit, "build", *build], folder, frames(args.family))
        keep(base)
    if "accelerate" in runs:
        keep(run(f"accelerate, {args.gpus} GPUs", [*torchrun, f"--nproc-per-node={args.gpus}", "-m", "fitcontent",
                                                   "build", *build, "--executor", "accelerate"], folder,
                 frames(args.family)))
    if "ray" in runs:
        keep(run(f"ray, {args.gpus} GPUs", [*fit, "build", *build, "--executor", "ray"], folder, frames(args.family)))
    for row in document["rows"][1:]:
        if base and "error" not in base and "error" not in row:
            row["scaling_efficiency"] = round(row["clips_per_hour"] / base["clips_per_hour"] / args.gpus, 3)
            row["scaling_efficiency_wall"] = round(row["clips_per_hour_wall"] / base["clips_per_hour_wall"]
                                                   / args.gpus, 3)
    if "cfg" in runs:
        cfg_model = saved_pipeline(FAMILIES[args.cfg_family], args.models, args.tiny)
        one = [*SHOTS[:1], "--angles", "front", *SHOTS[3:], "--backend", "cogvideox", "--model", str(cfg_model),
               "--steps", str(args.cfg_steps)]
        single = run("one clip, 1 GPU", [*fit, "build", *one], folder, frames(args.cfg_family))
        keep(single)
        pair = run("one clip, 2 GPUs (--parallel cfg)", [*torchrun, "--nproc-per-node=2", "-m", "fitcontent",
                                                         "build", *one, "--executor", "accelerate", "--parallel",
                                                         "cfg"], folder,
                   frames(args.cfg_family))
        if "error" not in single and "error" not in pair:
            pair["speedup"] = round(single["seconds"] / pair["seconds"], 3)
        keep(pair)
    path.write_text(json.dumps(document, indent=1))
    for row in document["rows"]:
        print({k: v for k, v in row.items() if k != "error"} if "error" not in row else row)


if __name__ == "__main__":
    main()
