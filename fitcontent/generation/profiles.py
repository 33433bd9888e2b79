"""Memory/speed profiles: how a loaded pipeline is placed on the GPU, and which one ``auto`` picks.

``full`` keeps every component on the GPU; ``offload`` moves each model to the GPU only while it runs and
tiles/slices the VAE; ``prefetch`` keeps the transformer's blocks on the CPU and copies each to the GPU as
it runs, the next one on a side stream meanwhile (diffusers' group offloading), so the copies hide behind
the compute; ``sequential`` streams weights layer by layer (about 2.2x slower per step, a few
GiB); ``lowvram`` is offloading with the transformer loaded int8 weight-only (diffusers' ``TorchAoConfig``,
chosen at load time); ``fast`` is ``full`` with the options of :mod:`fitcontent.generation.speed` (fused
QKV, fp8 linears, compiled blocks), which change the output within the bound the README states. An
out-of-memory error moves a shot one step down the ladder (to ``lowvram``, the transformer is loaded
again, quantized).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from fitcontent.errors import FitcontentError, RequestError, unknown_message
from fitcontent.generation.models import Family
from fitcontent.generation.speed import FastOptions, apply_fast

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)
PROFILES = ("auto", "full", "offload", "prefetch", "sequential", "lowvram", "fast")
LADDER = ("full", "offload", "prefetch", "sequential", "lowvram")

NEEDS_GIB = {
    # peak GPU memory of one clip through the cogvideox backend (T5-XXL encoding included), measured with
    # real-size architectures on an H100 (benchmarks/RESULTS.md); 1.5 under full peaked at 68 GiB on an
    # H200 but ran out of memory on the 80 GB H100, so its need is set above that card. offload's figures
    # predate the prompt-encoding fix (T5's copies were held by a graph) and are high. sequential: measured
    # on the H200 for 5B (3.84) and 1.5 (6.89), the others estimated. prefetch: measured on the H200 for every
    # family under a 12 GiB cap (4.24-4.36 for the 2B and 5B ones, 7.83 and 7.94 for 1.5), at full's speed
    "cogvideox-2b": {"full": 31.0, "offload": 17.2, "prefetch": 4.3, "sequential": 3.0},
    "cogvideox-5b": {"full": 38.0, "offload": 25.3, "prefetch": 4.3, "sequential": 3.8},
    "cogvideox-5b-i2v": {"full": 38.1, "offload": 25.8, "prefetch": 4.3, "sequential": 4.0},
    "cogvideox1.5-5b": {"full": 80.0, "offload": 29.5, "prefetch": 7.9, "sequential": 6.9},
    "cogvideox1.5-5b-i2v": {"full": 80.0, "offload": 30.0, "prefetch": 8.0, "sequential": 7.0},
    "cogvideox-fun-v1.1-5b-pose": {"full": 38.1, "offload": 26.9, "prefetch": 4.4, "sequential": 3.9},
}


def choose_profile(name: str, fam: Family, device: str, free_gib: float | None = None) -> str:
    """``auto`` -> the fastest of full, offload, prefetch and sequential whose need fits ``free_gib`` (the
    GPU's free memory when None), else lowvram, logged; any other name is checked and returned."""
    if name not in PROFILES:
        raise RequestError(unknown_message("profile", name, PROFILES))
    if name != "auto":
        return name
    if device != "cuda":
        log.info("profile auto: no CUDA device, running on the CPU")
        return "full"
    free = gpu_free_gib() if free_gib is None else free_gib
    for profile in LADDER[:-1]:
        if NEEDS_GIB[fam.name][profile] * 1.1 <= free:
            log.info("profile auto: %s (%.1f GiB free, %s needs about %.1f GiB)", profile, free, fam.name,
                     NEEDS_GIB[fam.name][profile])
            return profile
    log.info("profile auto: lowvram (%.1f GiB free)", free)
    return "lowvram"


def gpu_free_gib(cap_gib: float | None = None) -> float:
    """Free memory of the current CUDA GPU in GiB, at most ``cap_gib``."""
    import torch

    free = torch.cuda.mem_get_info()[0] / 2**30
    return free if cap_gib is None else min(free, cap_gib)


def cap_gpu_memory(cap_gib: float) -> None:
    """Limit this process to ``cap_gib`` of the current GPU, as on a card of that size: allocations past it
    raise out-of-memory, which moves a shot down the profile ladder."""
    import torch

    total = torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory / 2**30
    torch.cuda.set_per_process_memory_fraction(min(1.0, cap_gib / total))


def next_profile(profile: str) -> str | None:
    """The next lower-memory profile, or None at the bottom."""
    current = LADDER.index("full" if profile == "fast" else profile)
    return LADDER[current + 1] if current + 1 < len(LADDER) else None


def quantization(profile: str):
    """diffusers' load-time quantization of the transformer under ``profile``: int8 weight-only (torchao)
    for ``lowvram``, None for the others."""
    if profile != "lowvram":
        return None
    try:
        from torchao.quantization import Int8WeightOnlyConfig
    except ImportError:
        raise FitcontentError("profile lowvram needs torchao: pip install torchao") from None
    from diffusers import TorchAoConfig

    return TorchAoConfig(Int8WeightOnlyConfig())


def apply_profile(pipe, profile: str, device: str, fast: FastOptions | None = None,
                  compile_cache: Path | None = None) -> None:
    """Place ``pipe`` for ``profile`` (undoing an earlier placement first); a ``lowvram`` pipeline was
    loaded with :func:`quantization` already. ``fast`` applies ``fast`` (the device's options when None),
    keeping compiled artifacts in ``compile_cache``."""
    pipe.remove_all_hooks()
    remove_groups(pipe)
    if profile == "fast":
        import torch

        pipe.to(device)
        dtype = str(pipe.transformer.dtype).removeprefix("torch.")
        apply_fast(pipe.transformer, fast or FastOptions.for_device(torch.device(device), dtype), compile_cache)
        return
    if device != "cuda":
        pipe.to("cpu")
        return
    if profile == "full":
        pipe.to("cuda")
        return
    pipe.to("cpu")
    pipe.vae.enable_tiling()
    pipe.vae.enable_slicing()
    import torch

    gpu = torch.cuda.current_device()  # the process's own GPU when several processes share a machine
    if profile == "sequential":
        pipe.enable_sequential_cpu_offload(gpu_id=gpu)
    elif profile == "prefetch":
        place_in_groups(pipe, torch.device("cuda", gpu))
    else:
        pipe.enable_model_cpu_offload(gpu_id=gpu)


def place_in_groups(pipe, onload: torch.device) -> None:
    """``prefetch``: the transformer's blocks stay on the CPU (pinned) and each is copied to ``onload`` as
    it runs (on CUDA the next block on a side stream meanwhile), T5's layers one by one as they run, and
    the VAE (0.4 GB) stays on ``onload``; diffusers' group offloading."""
    from diffusers.hooks import apply_group_offloading

    stream = onload.type == "cuda"
    apply_group_offloading(pipe.transformer, onload, offload_type="block_level", num_blocks_per_group=1,
                           use_stream=stream, record_stream=stream)
    # T5 runs once per prompt: no stream, so its 9.5 GB is not pinned in host memory as well
    apply_group_offloading(pipe.text_encoder, onload, offload_type="leaf_level")
    pipe.vae.to(onload)


def remove_groups(pipe) -> None:
    """Undo :func:`place_in_groups`: its hooks removed (other hooks, the step caches', stay) and every weight
    back on the CPU, where a run stopped by an error may have left some on the GPU."""
    for component in (pipe.transformer, pipe.text_encoder):
        grouped = False
        registries = [module._diffusers_hook for module in component.modules() if hasattr(module, "_diffusers_hook")]
        for registry in registries:
            for name, hook in list(registry.hooks.items()):
                if type(hook).__module__ == "diffusers.hooks.group_offloading":
                    registry.remove_hook(name, recurse=False)
                    grouped = True
        if grouped:
            component.to("cpu")
