"""Stock diffusers against fitcontent's fast options, real-size CogVideoX architectures, random weights.

In ONE run, on identical inputs and seeds (step time does not depend on weight values):
- ceilings: a bf16 and an fp8 8192^3 matrix product (TFLOP/s);
- ``--attention``: at each family's shape, SDPA (cuDNN) against FlexAttention, dense and block-sparse, and
  SageAttention 2 where built (benchmarks/build_sageattention.sh), TFLOP/s and relative L2 against SDPA;
- per family, each variant (stock, then options added one at a time): seconds per step (median, CFG batch 2),
  first-step seconds (compile included), achieved TFLOP/s, peak GPU GiB, relative L2 of the final latents
  against stock after the same steps;
- ``--e2e``: stock and fast end to end (T5 + all steps + VAE decode), relative L2 of the final latents and
  PSNR of the decoded frames;
- ``--first-call``: after ``--e2e``, the fast profile's first step in a fresh process whose Inductor and
  Triton caches are empty, loading the compiled artifacts the end-to-end run saved (warm); the end-to-end
  run's first step, in a process started with empty caches, is the cold figure.
The table is printed last; raw JSON goes to $OUT (or the temp folder).

- ``--clips N``: N fast clips back to back through one loaded, compiled pipeline (clips per hour);
- ``--caps 12,24``: one clip per cap with ``--gpu-memory`` in a fresh process, under ``--cap-profile``
  (auto, the default, chooses): the profile, seconds per step and per clip, peak GPU memory. Any family.

Usage (device): python3 benchmarks/gpu_cogvideox.py [--families cogvideox-5b,cogvideox1.5-5b] [--steps 6]
                [--variants stock,compile,fast,pab,fast+pab,...] [--attention] [--e2e N]
                [--e2e-variants stock,fast] [--first-call] [--clips N] [--caps 12,24]
"""

from __future__ import annotations

import argparse
import copy
import gc
import itertools
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from gpu_generation import real_pipeline, saved_pipeline

from fitcontent.api import load_catalog, make_request, plan
from fitcontent.generation.caching import CACHES, attach_cache
from fitcontent.generation.cogvideox import CogVideoXBackend
from fitcontent.generation.models import FAMILIES
from fitcontent.generation.speed import FastOptions, apply_fast, attention_kernel, compile_cache_file, save_compiled

OUT = Path(os.environ.get("OUT") or tempfile.gettempdir())
DOCUMENT: dict = {"rows": []}
"""The run's JSON; :func:`keep` adds each row as it is measured and rewrites the file (a run stopped at its
time limit keeps every row it finished)."""
PATH: Path | None = None

GEOMETRY = {"cogvideox-5b": (49, 480, 720), "cogvideox1.5-5b": (81, 768, 1360)}
VARIANTS: dict[str, tuple[FastOptions | None, str | None]] = {  # (fast options, --cache)
    "stock": (None, None),
    "compile": (FastOptions(fuse_qkv=False, fp8_linears=False, compile=True), None),
    "compile+fuse": (FastOptions(fuse_qkv=True, fp8_linears=False, compile=True), None),
    "fast": (FastOptions(), None),
    "sage": (FastOptions(fuse_qkv=False, fp8_linears=False, compile=False, attention="sage"), None),
    "fast+sage": (FastOptions(attention="sage"), None),
    **{cache: (None, cache) for cache in CACHES},
    **{f"fast+{cache}": (FastOptions(), cache) for cache in CACHES},
}
"""pab, fastercache and taylorseer skip by timestep or step, the same schedule whatever the weights;
first-block decides by the weights, and random weights' steps differ more than trained ones', so it skips
less here than it would."""


def keep(row: dict, show: bool = True) -> dict:
    if show:
        print(json.dumps(row), flush=True)
    DOCUMENT["rows"].append(row)
    if PATH is not None:
        PATH.write_text(json.dumps(DOCUMENT, indent=1))
    return row


def rel_l2(a: torch.Tensor, b: torch.Tensor) -> float:
    return ((a.float() - b.float()).norm() / b.float().norm()).item()


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """PSNR in dB of two videos with values in [0, 1]."""
    mse = ((a.float() - b.float()) ** 2).mean().item()
    return float("inf") if mse == 0 else 10 * math.log10(1 / mse)


def bench_ms(fn, repeats: int = 20) -> float:
    import triton.testing

    return triton.testing.do_bench(fn, warmup=100, rep=repeats * 20, return_mode="median")


def ceilings() -> dict:
    a, b = (torch.randn(8192, 8192, device="cuda", dtype=torch.bfloat16) for _ in range(2))
    flops = 2 * 8192**3
    bf16 = flops / bench_ms(lambda: a @ b) / 1e9
    a8, b8 = a.to(torch.float8_e4m3fn), b.to(torch.float8_e4m3fn).t()
    one = torch.ones((), device="cuda")
    fp8 = flops / bench_ms(lambda: torch._scaled_mm(a8, b8, one, one, out_dtype=torch.bfloat16)) / 1e9
    return {"bf16_tflops": round(bf16), "fp8_tflops": round(fp8)}


def tokens(name: str) -> int:
    frames, height, width = GEOMETRY[name]
    latent_frames = (frames - 1) // 4 + 1
    if name.startswith("cogvideox1.5"):  # padded to even, then patched two frames at a time
        latent_frames = (latent_frames + 1) // 2
    return 226 + latent_frames * (height // 16) * (width // 16)


def attention_flops(name: str) -> float:
    return 4 * 2 * 48 * tokens(name) ** 2 * 64


def attention(name: str) -> list[dict]:
    """SDPA (cuDNN) against FlexAttention, dense and with block-sparse windows, at the family's shape; TFLOP/s
    count the dense FLOPs, so a sparse kernel's are effective ones."""
    torch.manual_seed(0)
    n = tokens(name)
    q, k, v = (torch.randn(2, 48, n, 64, device="cuda", dtype=torch.bfloat16) for _ in range(3))
    k = k + 0.5 * torch.randn(1, 1, 1, 64, device="cuda", dtype=torch.bfloat16)  # a per-channel offset
    flops = attention_flops(name)
    sdpa = torch.nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2)
    rows = [{"family": name, "kernel": "sdpa (cuDNN)", "rel_l2_vs_sdpa": 0.0,
             "ms": bench_ms(lambda: torch.nn.functional.scaled_dot_product_attention(q, k, v))}]
    rows += flex(name, q, k, v, sdpa)
    try:
        sage = attention_kernel("sage")
        out = sage(q, k, v)
        rows.append({"family": name, "kernel": "sage (SageAttention 2)", "ms": bench_ms(lambda: sage(q, k, v)),
                     "rel_l2_vs_sdpa": rel_l2(out.transpose(1, 2), sdpa)})
    except Exception as exc:  # not built here: report and go on
        rows.append({"family": name, "kernel": "sage (SageAttention 2)", "error": f"{type(exc).__name__}: {exc}"[:300]})
    for row in rows:
        if row.get("ms"):
            row["tflops"] = round(flops / row["ms"] / 1e9)
    return rows


def flex(name: str, q, k, v, sdpa) -> list[dict]:
    """FlexAttention dense and with block-sparse spatio-temporal windows (text tokens always attended)."""
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    _, height, width = GEOMETRY[name]
    rows_h, cols_w = height // 16, width // 16
    compiled = torch.compile(flex_attention, dynamic=False)
    rows = []
    for label, dt, dr in [("dense", None, None), ("frames +-1", 1, rows_h), ("frames +-2, rows +-1/4", 2, rows_h // 4),
                          ("frames +-1, rows +-1/4", 1, rows_h // 4)]:
        mask = None
        if dt is not None:
            def keep(b, h, qi, ki, dt=dt, dr=dr):
                qv, kv = qi - 226, ki - 226
                near_t = ((qv // (rows_h * cols_w)) - (kv // (rows_h * cols_w))).abs() <= dt
                near_r = (((qv % (rows_h * cols_w)) // cols_w) - ((kv % (rows_h * cols_w)) // cols_w)).abs() <= dr
                return (qi < 226) | (ki < 226) | (near_t & near_r)
            mask = create_block_mask(keep, None, None, q.shape[2], q.shape[2], device="cuda")
        try:
            out = compiled(q, k, v, block_mask=mask)
            ms = bench_ms(lambda: compiled(q, k, v, block_mask=mask))  # noqa: B023
            rows.append({"family": name, "kernel": f"flex {label}", "ms": ms,
                         "density": round(1 - mask.sparsity() / 100, 3) if mask is not None else 1.0,
                         "rel_l2_vs_sdpa": rel_l2(out.transpose(1, 2), sdpa)})
        except Exception as exc:  # report and go on
            rows.append({"family": name, "kernel": f"flex {label}", "error": f"{type(exc).__name__}: {exc}"[:300]})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def transformer_flops(pipe, name: str) -> float:
    """FLOPs of one denoising step (CFG batch 2): 2 per weight per token, plus attention."""
    weights = sum(p.numel() for p in pipe.transformer.transformer_blocks.parameters())
    return 2 * 2 * weights * tokens(name) + 42 * attention_flops(name)


def denoise(pipe, name: str, embeds, steps: int, output_type: str = "latent") -> dict:
    """One pipeline call from fixed embeddings; per-step seconds from the step callback."""
    frames, height, width = GEOMETRY[name]
    marks: list[float] = []

    def mark(_pipe, _i, _t, kwargs):
        torch.cuda.synchronize()
        marks.append(time.perf_counter())
        return kwargs

    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    result = pipe(prompt_embeds=embeds[0], negative_prompt_embeds=embeds[1], num_frames=frames, height=height,
                  width=width, num_inference_steps=steps, guidance_scale=6.0, use_dynamic_cfg=True,
                  generator=torch.Generator("cpu").manual_seed(42), output_type=output_type, callback_on_step_end=mark)
    torch.cuda.synchronize()
    ended = time.perf_counter()
    step_s = [b - a for a, b in zip([started, *marks], marks, strict=False)]
    return {"output": result.frames, "first_step_s": step_s[0], "sec_per_step": statistics.median(step_s[1:]),
            "decode_s": ended - marks[-1], "total_s": ended - started,
            "peak_gib": torch.cuda.max_memory_allocated() / 2**30}


def compile_counters() -> dict:
    """torch.compile's running counts in this process: graphs captured, frames, FX graph cache hits and misses."""
    from torch._dynamo.utils import counters

    return {f"{group}.{key}": value for group in ("stats", "inductor", "aot_autograd") for key, value in
            counters[group].items() if group == "stats" or "cache" in key}


def with_variant(pipe, variant: str, cache: Path, steps: int):
    """A copy of the stock transformer with the variant's cache hooks and fast options (the stock one for
    stock)."""
    options, step_cache = VARIANTS[variant]
    if options is None and step_cache is None:
        return pipe.transformer
    stock = pipe.transformer
    pipe.transformer = copy.deepcopy(stock)
    if step_cache:
        attach_cache(pipe, step_cache, steps)
    if options:
        apply_fast(pipe.transformer, options, cache)
    transformer, pipe.transformer = pipe.transformer, stock
    return transformer


def family_variants(name: str, steps: int, variants: list[str], e2e: int, e2e_variants: list[str], clips: int,
                    cache: Path) -> list[dict]:
    pipe = real_pipeline(FAMILIES[name])
    pipe.set_progress_bar_config(disable=True)
    encode = lambda: pipe.encode_prompt("a person doing a squat, front view", "blurry",  # noqa: E731
                                        do_classifier_free_guidance=True,
                                        max_sequence_length=226, device="cuda")
    encode()  # the first call also sets up cuBLAS
    torch.cuda.synchronize()
    started = time.perf_counter()
    embeds = encode()
    torch.cuda.synchronize()
    t5_s = time.perf_counter() - started
    stock = pipe.transformer
    flops = transformer_flops(pipe, name)
    rows, stock_latents = [], None
    for variant in variants:
        pipe.transformer = with_variant(pipe, variant, cache, steps)
        try:
            run = denoise(pipe, name, embeds, steps)
            latents = run.pop("output")
            stock_latents = latents if variant == "stock" else stock_latents
            row = {"family": name, "variant": variant, "steps": steps, **{k: round(v, 3) for k, v in run.items()},
                   "tflops": round(flops / run["sec_per_step"] / 1e12),
                   "rel_l2_latents_vs_stock": rel_l2(latents, stock_latents) if stock_latents is not None else None,
                   "compile_counters": compile_counters()}
        except Exception as exc:  # report and go on
            row = {"family": name, "variant": variant, "error": f"{type(exc).__name__}: {exc}"[:400]}
        rows.append(keep(row))
        pipe.transformer = stock
        gc.collect()
        torch.cuda.empty_cache()
    if e2e:
        rows += end_to_end(pipe, name, embeds, e2e, e2e_variants, t5_s, flops, cache)
    if clips:
        rows.append(throughput(pipe, name, embeds, clips, e2e or steps, cache))  # kept as it ends
    return rows


def throughput(pipe, name: str, embeds, clips: int, steps: int, cache: Path) -> dict:
    """``clips`` clips back to back through one loaded, compiled ``fast`` pipeline (steps + VAE decode each)."""
    stock, pipe.transformer = pipe.transformer, with_variant(pipe, "fast", cache, steps)
    seconds = []
    for _ in range(clips):
        run = denoise(pipe, name, embeds, steps)
        seconds.append(run["total_s"] + decode(pipe, name, run["output"])[1])
    pipe.transformer = stock
    later = statistics.median(seconds[1:]) if clips > 1 else seconds[0]
    row = {"family": name, "variant": f"fast, {clips} clips back to back", "steps": steps,
           "first_clip_s": round(seconds[0], 1), "clip_s": round(later, 1), "clips_per_hour": round(3600 / later, 1)}
    return keep(row)


def caps(name: str, caps_gib: list[float], steps: int, profile: str, models: Path) -> list[dict]:
    """One clip under each memory cap, in a fresh process each (a cap holds for the process's life)."""
    rows = []
    for cap in caps_gib:
        started = time.perf_counter()
        done = subprocess.run([sys.executable, __file__, "--one-cap", name, "--caps", str(cap), "--steps",
                               str(steps), "--cap-profile", profile, "--models", str(models)],
                              capture_output=True, text=True, timeout=1800)
        lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
        row = {"family": name, "variant": f"{profile} under a {cap:g} GiB cap", "steps": steps,
               **(json.loads(lines[-1]) if lines else {}), "process_s": round(time.perf_counter() - started, 1)}
        if done.returncode or not lines or "error" in row:
            row["stderr_tail"] = done.stderr[-1500:]
        rows.append(keep(row))
    return rows


def one_cap(name: str, cap: float, steps: int, profile: str, models: Path) -> None:
    """The backend with ``profile`` (auto: chosen under the cap) and ``gpu_memory=cap`` on a pipeline built on
    the GPU, then moved to the CPU for the profile to place (``lowvram``: saved under ``models`` once and
    loaded from there, as it quantizes the transformer while loading); seconds per clip at the family's
    steps, from ``steps`` measured."""
    from PIL import Image

    fam = FAMILIES[name]
    started = time.perf_counter()
    directory = saved_pipeline(fam, models) if profile == "lowvram" else None
    pipe = None if directory else real_pipeline(fam).to("cpu")
    torch.cuda.empty_cache()
    build_s = time.perf_counter() - started
    frames = 81 if name.startswith("cogvideox1.5") else 49
    spec = plan(make_request(exercises=["squat"], angles=["front"], errors=["none"], width=fam.width,
                             height=fam.height, fps=fam.fps, frames=frames)).shots[0]
    photo = Path(tempfile.mkdtemp()) / "photo.jpg"
    Image.new("RGB", (fam.width, fam.height), (180, 140, 100)).save(photo)
    backend = CogVideoXBackend(load_catalog(), directory, family_name=name, profile=profile, steps=steps, pipeline=pipe,
                               gpu_memory=cap, image=photo if fam.task == "i2v" else None)
    marks: list[float] = []
    gib = lambda: round(torch.cuda.memory_allocated() / 2**30, 2)  # noqa: E731
    row: dict = {"build_s": round(build_s, 1), "allocated_after_build_gib": gib()}
    try:
        backend.load()  # the profile auto picks; frames() may step down from it after an out-of-memory error
        row.update(profile_chosen=backend.profile, allocated_after_load_gib=gib())
        backend.frames(spec, lambda done, total: marks.append(time.perf_counter()))
    except Exception as exc:  # the row says what failed and where; the traceback goes to stderr
        import collections
        import traceback

        traceback.print_exc()
        chain, seen = [], exc
        while seen is not None and len(chain) < 4:
            frames = traceback.extract_tb(seen.__traceback__)[-10:]
            chain.append({"error": f"{type(seen).__name__}: {seen}"[:300],
                          "where": [f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in frames]})
            seen = seen.__cause__ or seen.__context__
        row.update(profile=getattr(backend, "profile", None), steps_done=len(marks),
                   peak_gib=round(torch.cuda.max_memory_allocated() / 2**30, 2), allocated_at_error_gib=gib(),
                   error=f"{type(exc).__name__}: {exc}"[:400], error_chain=chain,
                   parameter_devices={n: dict(collections.Counter(str(p.device) for p in m.parameters()))
                                      for n, m in backend.pipe.components.items()
                                      if isinstance(m, torch.nn.Module)} if backend.pipe else None)
        print(json.dumps(row))
        return
    per_step = statistics.median([b - a for a, b in itertools.pairwise(marks)])
    row.update(profile=backend.profile, sec_per_step=round(per_step, 3), run_s=backend.last_run["seconds"],
               clip_s_at_family_steps=round(backend.last_run["seconds"] + (fam.steps - steps) * per_step, 1),
               peak_gib=backend.last_run["peak_gpu_gib"])
    print(json.dumps(row))


def decode(pipe, name: str, latents: torch.Tensor) -> tuple[torch.Tensor, float]:
    """The pipeline's own VAE decode of final latents (1.5's padding frame dropped): video in [0, 1], seconds."""
    torch.cuda.synchronize()
    started = time.perf_counter()
    if name.startswith("cogvideox1.5"):
        latents = latents[:, 1:]
    with torch.no_grad():
        video = pipe.video_processor.postprocess_video(video=pipe.decode_latents(latents), output_type="pt")
    torch.cuda.synchronize()
    return video, time.perf_counter() - started


def end_to_end(pipe, name: str, embeds, steps: int, variants: list[str], t5_s: float, flops: float,
               cache: Path) -> list[dict]:
    """Stock, then each variant, over a whole clip: T5 (timed once), the steps, the VAE decode; latents and
    frames compared with stock's."""
    rows, outputs = [], {}
    stock = pipe.transformer
    for variant in ["stock", *(v for v in variants if v != "stock")]:
        pipe.transformer = with_variant(pipe, variant, cache, steps)
        run = denoise(pipe, name, embeds, steps)
        latents = run.pop("output")
        video, decode_s = decode(pipe, name, latents)
        outputs[variant] = (latents, video)
        saved = None
        if VARIANTS[variant][0] is not None:
            saved = compile_cache_file(cache, VARIANTS[variant][0], pipe.transformer)
            save_compiled(saved)
        row = {"family": name, "variant": f"{variant} end to end", "steps": steps, "t5_s": round(t5_s, 2),
               "sec_per_step": round(run["sec_per_step"], 3), "first_step_s": round(run["first_step_s"], 2),
               "decode_s": round(decode_s, 2), "clip_s": round(t5_s + run["total_s"] + decode_s, 1),
               "peak_gib": round(max(run["peak_gib"], torch.cuda.max_memory_allocated() / 2**30), 1),
               "tflops": round(flops / run["sec_per_step"] / 1e12),
               "first_call_overhead_s": round(run["first_step_s"] - run["sec_per_step"], 1)}
        if variant != "stock":
            row["rel_l2_latents_vs_stock"] = rel_l2(latents, outputs["stock"][0])
            row["psnr_frames_vs_stock_db"] = round(psnr(video, outputs["stock"][1]), 2)
        if saved is not None:
            row["compile_cache_file"] = str(saved)
            row["compile_cache_mb"] = round(saved.stat().st_size / 1e6, 1) if saved.is_file() else None
        rows.append(keep(row))
        pipe.transformer = stock
        gc.collect()
        torch.cuda.empty_cache()
    return rows


def first_call(name: str, cache: Path) -> list[dict]:
    """The fast profile's first step in a fresh process with empty Inductor and Triton caches, loading the
    compiled artifacts the end-to-end run saved (warm); the end-to-end run's own first step is the cold one."""
    env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": tempfile.mkdtemp(), "TRITON_CACHE_DIR": tempfile.mkdtemp()}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--one-first-call", name, "--cache", str(cache)], env=env,
                          capture_output=True, text=True, timeout=900)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    row = {"family": name, "variant": "fast first call, warm cache",
           **(json.loads(lines[-1]) if lines else {"error": done.stderr[-1500:]}),
           "process_s": round(time.perf_counter() - started, 1)}
    return [keep(row)]


def one_first_call(name: str, cache: Path) -> None:
    pipe = real_pipeline(FAMILIES[name])
    pipe.set_progress_bar_config(disable=True)
    embeds = (torch.randn(1, 226, 4096, device="cuda", dtype=torch.bfloat16),) * 2
    options = FastOptions()
    path = compile_cache_file(cache, options, pipe.transformer)
    found = path.stat().st_size if path.is_file() else None
    started = time.perf_counter()
    apply_fast(pipe.transformer, options, cache)
    applied = time.perf_counter() - started
    run = denoise(pipe, name, embeds, 3)
    save_compiled(compile_cache_file(cache, options, pipe.transformer))
    from torch._dynamo.utils import counters

    hits = {f"{group}.{key}": value for group in ("inductor", "aot_autograd") for key, value in counters[group].items()
            if "cache" in key}
    print(json.dumps({"compile_cache_file": str(path), "compile_cache_mb": found and round(found / 1e6, 1),
                      "apply_s": round(applied, 1), "first_step_s": round(run["first_step_s"], 1),
                      "sec_per_step": round(run["sec_per_step"], 3),
                      "first_call_overhead_s": round(applied + run["first_step_s"] - run["sec_per_step"], 1),
                      "cache_counters": hits}))


def table(rows: list[dict]) -> str:
    keys = ["family", "variant", "kernel", "density", "profile_chosen", "profile", "sec_per_step", "clips_per_hour",
            "clip_s_at_family_steps", "first_step_s", "clip_s", "decode_s", "ms",
            "tflops", "peak_gib", "rel_l2_latents_vs_stock", "rel_l2_vs_sdpa", "psnr_frames_vs_stock_db",
            "first_call_overhead_s", "error"]
    keys = [k for k in keys if any(k in r for r in rows)]
    lines = [" | ".join(keys)]
    for row in rows:
        lines.append(" | ".join(f"{row[k]:.4g}" if isinstance(row.get(k), float) else str(row.get(k, ""))
                                for k in keys))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--families", default="cogvideox-5b,cogvideox1.5-5b")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--attention", action="store_true")
    parser.add_argument("--e2e", type=int, default=0, help="steps of the end-to-end comparison (0: none)")
    parser.add_argument("--e2e-variants", default="stock,fast")
    parser.add_argument("--clips", type=int, default=0, help="fast clips back to back (throughput; 0: none)")
    parser.add_argument("--caps", default="", help="GiB caps, each a clip under --cap-profile: 12,24")
    parser.add_argument("--cap-profile", default="auto", help="the profile of each --caps clip (auto: chosen)")
    parser.add_argument("--models", type=Path, default=Path(tempfile.gettempdir()) / "fitcontent-models",
                        help="where --cap-profile lowvram saves each family's model directory")
    parser.add_argument("--one-cap")
    parser.add_argument("--first-call", action="store_true")
    parser.add_argument("--one-first-call")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "fitcontent-compile")
    parser.add_argument("--tag", default="run")
    args = parser.parse_args()
    torch._dynamo.config.recompile_limit = 64  # one process compiles every variant of every family
    if args.one_first_call:
        return one_first_call(args.one_first_call, args.cache)
    if args.one_cap:
        return one_cap(args.one_cap, float(args.caps), args.steps, args.cap_profile, args.models)
    global PATH
    names = args.families.split(",")
    import diffusers

    DOCUMENT.update(gpu=torch.cuda.get_device_name(0), torch=torch.__version__, diffusers=diffusers.__version__,
                    date=time.strftime("%Y-%m-%d"), argv=sys.argv[1:], ceilings=ceilings(), rows=[])
    print(json.dumps(DOCUMENT["ceilings"]), flush=True)
    PATH = OUT / f"gpu_cogvideox_{args.tag}.json"
    PATH.write_text(json.dumps(DOCUMENT, indent=1))
    for name in names:  # each row is kept (and the file rewritten) as it is measured
        variants = [v for v in args.variants.split(",") if v]
        if args.attention:
            for row in attention(name):
                keep(row, show=False)
        if variants or args.e2e or args.clips:
            family_variants(name, args.steps, variants, args.e2e, args.e2e_variants.split(","), args.clips,
                            args.cache)
        if args.caps:
            caps(name, [float(c) for c in args.caps.split(",")], args.steps, args.cap_profile, args.models)
        if args.first_call:
            first_call(name, args.cache)
    print(f"ceilings: {DOCUMENT['ceilings']}\n" + table(DOCUMENT["rows"]))


if __name__ == "__main__":
    main()
