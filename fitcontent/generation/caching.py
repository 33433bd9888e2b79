"""Opt-in lossy speed-ups: diffusers' cache hooks, which reuse a transformer's earlier outputs between steps.

Each changes the clip (how much depends on the weights: with random weights, skip decisions differ from a
trained model's), so none is on by default and each one's clips are stored under their own key. TaylorSeer
is offered in its lite form (every block skipped between full steps, the output projection predicted); its
default form, which predicts the attention modules, left CogVideoX's output unchanged (diffusers 0.42). Not
offered: MagCache needs per-model magnitude ratios, published for Flux and Wan but not CogVideoX; TeaCache
has no diffusers hook.
"""

from __future__ import annotations

from collections.abc import Callable

from fitcontent.errors import RequestError, unknown_message


def _first_block(pipe, steps: int):
    from diffusers import FirstBlockCacheConfig

    return FirstBlockCacheConfig(threshold=0.05)


def _pab(pipe, steps: int):
    from diffusers import PyramidAttentionBroadcastConfig

    return PyramidAttentionBroadcastConfig(spatial_attention_block_skip_range=2,
                                           spatial_attention_timestep_skip_range=(100, 800),
                                           current_timestep_callback=lambda: pipe.current_timestep)


def _fastercache(pipe, steps: int):
    from diffusers import FasterCacheConfig

    return FasterCacheConfig(spatial_attention_block_skip_range=2, spatial_attention_timestep_skip_range=(-1, 681),
                             low_frequency_weight_update_timestep_range=(99, 641),
                             high_frequency_weight_update_timestep_range=(-1, 301),
                             spatial_attention_block_identifiers=["transformer_blocks"],
                             attention_weight_callback=lambda _: 0.3, tensor_format="BFCHW",
                             current_timestep_callback=lambda: pipe.current_timestep)


def _taylorseer(pipe, steps: int):
    """Full steps: the first three, then every fifth; between them no block runs, and the output projection
    is a first-order Taylor prediction from the last full steps (the schedule is by step, whatever the
    weights)."""
    import torch
    from diffusers import TaylorSeerCacheConfig

    return TaylorSeerCacheConfig(cache_interval=5, disable_cache_before_step=3, max_order=1,
                                 taylor_factors_dtype=torch.float32, use_lite_mode=True)


CACHES: dict[str, Callable] = {"first-block": _first_block, "pab": _pab, "fastercache": _fastercache,
                               "taylorseer": _taylorseer}
"""``--cache`` names: first-block (First Block Cache), pab (Pyramid Attention Broadcast), fastercache
(FasterCache), taylorseer (TaylorSeer-Lite)."""


def check_cache(name: str | None) -> None:
    if name is not None and name not in CACHES:
        raise RequestError(unknown_message("cache", name, CACHES))


def attach_cache(pipe, name: str, steps: int) -> None:
    """Hook cache ``name`` into the pipeline's transformer for clips of ``steps`` steps."""
    check_cache(name)
    pipe.transformer.enable_cache(CACHES[name](pipe, steps))


def detach_cache(pipe) -> None:
    """Remove the cache hooks: the transformer computes every step again."""
    if pipe.transformer.is_cache_enabled:
        pipe.transformer.disable_cache()
