"""The fast profile on tiny pipelines: its options, its difference from full, and its compile cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fitcontent import api
from fitcontent.errors import FitcontentError
from fitcontent.generation.speed import FastOptions, apply_fast, compile_cache_file, load_compiled
from fitcontent.media import decode_frames
from fitcontent.settings import Settings

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")

FAST_PSNR_DB = 35.0
"""The README's bound: fast's frames against full's, PSNR in dB (43.3 measured on the H200, 5B, 50 steps)."""


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255**2 / mse)


def _build(tmp_path: Path, model: Path, profile: str):
    """A one-clip cogvideox build into its own dist/ (one store); the report, the manifest entry, the frames."""
    settings = Settings(cache=tmp_path / "cache")
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], frames=9, layouts=["none"])
    report = api.build(request, settings, tmp_path / profile, "cogvideox",
                       backend_options={"model": model, "steps": 2, "profile": profile})
    (entry,) = json.loads((tmp_path / profile / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    frames = decode_frames(tmp_path / profile / entry["path"], 720, 480, pix_fmt="rgb24", bits_per_pixel=24)
    return report, entry, np.stack([np.frombuffer(f, np.uint8).reshape(480, 720, 3) for f in frames])


def test_fast_on_the_cpu_fuses_qkv_keys_its_clips_apart_and_stays_within_the_bound(models, tmp_path) -> None:
    _, full_entry, full_frames = _build(tmp_path, models["cogvideox-5b"], "full")
    report, entry, frames = _build(tmp_path, models["cogvideox-5b"], "fast")
    assert len(report.built) == 1 and not report.cached, "fast clips are stored apart from full ones"
    assert entry["generation"]["profile"] == "fast" and entry["generation"]["fast"] == ["fuse_qkv"]
    assert "fast" not in full_entry["generation"]
    assert frames.shape == full_frames.shape == (9, 480, 720, 3)
    assert _psnr(frames, full_frames) >= FAST_PSNR_DB
    assert not (tmp_path / "cache" / "compiled").exists(), "nothing is compiled on the CPU, so nothing is cached"


def test_options_per_device_and_applied_once(models) -> None:
    assert FastOptions.for_device(torch.device("cpu"), "bfloat16") == FastOptions(fuse_qkv=True, fp8_linears=False,
                                                                                  compile=False)
    assert not FastOptions.for_device(torch.device("cpu"), "float16").fp8_linears  # torchao scales bf16 rows only
    pipe = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"])
    apply_fast(pipe.transformer, FastOptions(fuse_qkv=True, fp8_linears=False, compile=False))
    fused = pipe.transformer.transformer_blocks[0].attn1.to_qkv
    apply_fast(pipe.transformer, FastOptions(fuse_qkv=True, fp8_linears=False, compile=False))
    assert pipe.transformer.transformer_blocks[0].attn1.to_qkv is fused


def test_fp8_linears_without_torchao_say_how_to_install_it(models, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "torchao.quantization", None)
    pipe = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"])
    with pytest.raises(FitcontentError, match=r"^fp8 linears need torchao: pip install torchao$"):
        apply_fast(pipe.transformer, FastOptions(fuse_qkv=False, fp8_linears=True, compile=False))


def test_an_unloadable_compile_cache_is_a_warning_and_compiling_goes_on(tmp_path, caplog) -> None:
    broken = tmp_path / "compiled-0.bin"
    broken.write_bytes(b"not a cache")
    load_compiled(broken)
    assert "not loadable" in caplog.text and "compiling afresh" in caplog.text


COMPILE_RUN = """
import json, sys, torch, diffusers
from pathlib import Path
from torch._dynamo.utils import counters
from fitcontent.generation.speed import FastOptions, apply_fast, compile_cache_file, save_compiled
model, cache = Path(sys.argv[1]), Path(sys.argv[2])
pipe = diffusers.CogVideoXPipeline.from_pretrained(model)
pipe.set_progress_bar_config(disable=True)
run = lambda: pipe("a squat", num_frames=9, height=128, width=192, num_inference_steps=2, output_type="np",
                   generator=torch.Generator().manual_seed(0)).frames[0]
stock = run()
options = FastOptions(fuse_qkv=True, fp8_linears=False, compile=True)
apply_fast(pipe.transformer, options, cache)
fast = run()
save_compiled(compile_cache_file(cache, options, pipe.transformer))
mse = float(((fast - stock) ** 2).mean()) * 255 ** 2
print(json.dumps({"mse": mse, "hits": counters["inductor"]["fxgraph_cache_hit"],
                  "misses": counters["inductor"]["fxgraph_cache_miss"]}))
"""


def test_compiled_blocks_stay_within_the_bound_and_the_next_process_reuses_the_compile(models, tmp_path) -> None:
    cache = tmp_path / "compiled"
    results = []
    for run in ("cold", "warm"):
        env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": str(tmp_path / f"inductor-{run}")}  # empty in each process
        done = subprocess.run([sys.executable, "-c", COMPILE_RUN, str(models["cogvideox-5b"]), str(cache)],
                              capture_output=True, text=True, env=env, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    cold, warm = results
    assert cold["misses"] >= 1 and cold["hits"] == 0
    assert warm["hits"] >= 1 and warm["misses"] == 0, "the second process compiled again instead of loading"
    for result in results:
        assert result["mse"] == 0 or 10 * np.log10(255**2 / result["mse"]) >= FAST_PSNR_DB
    (saved,) = cache.iterdir()
    assert saved.name.startswith("compiled-") and saved.suffix == ".bin"


def test_each_architecture_and_hook_set_has_its_own_compile_cache_file(models, tmp_path) -> None:
    """So building with 2B never replaces 5B's compiled blocks, nor a cached variant the plain one."""
    options = FastOptions(fuse_qkv=True, fp8_linears=False, compile=True)
    five = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"]).transformer
    two = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-2b"]).transformer
    files = {compile_cache_file(tmp_path, options, five), compile_cache_file(tmp_path, options, two)}
    five.enable_cache(diffusers.PyramidAttentionBroadcastConfig(spatial_attention_block_skip_range=2,
                                                                current_timestep_callback=lambda: 500))
    files.add(compile_cache_file(tmp_path, options, five))
    files.add(compile_cache_file(tmp_path, FastOptions(fuse_qkv=False, fp8_linears=False, compile=True), two))
    assert len(files) == 4 and all(f.parent == tmp_path for f in files)


def test_fast_frees_the_projections_it_fused(models) -> None:
    pipe = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"])
    before = sum(p.numel() for p in pipe.transformer.parameters())
    apply_fast(pipe.transformer, FastOptions(fuse_qkv=True, fp8_linears=False, compile=False))
    attention = pipe.transformer.transformer_blocks[0].attn1
    assert not hasattr(attention, "to_q") and attention.to_qkv.weight.shape[0] == 3 * attention.inner_dim
    assert sum(p.numel() for p in pipe.transformer.parameters()) == before


def _math_attention(calls: list[int]):
    """Attention written out (SDPA's signature), counting its calls."""
    def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
        calls.append(1)
        weights = (query @ key.transpose(-1, -2)) * (scale or query.shape[-1] ** -0.5)
        return weights.softmax(-1) @ value
    return attention


def _forward(transformer, seed: int = 0):
    config = transformer.config
    generator = torch.Generator().manual_seed(seed)
    latents = torch.randn(2, 3, config.in_channels, config.sample_height, config.sample_width, generator=generator)
    text = torch.randn(2, config.max_text_seq_length, config.text_embed_dim, generator=generator)
    with torch.no_grad():
        return transformer(hidden_states=latents, encoder_hidden_states=text, timestep=torch.tensor([500, 500]),
                           image_rotary_emb=_rotary(transformer, latents), return_dict=False)[0]


def _rotary(transformer, latents):
    """The pipeline's rotary embeddings for ``latents`` (None where the family has none)."""
    if not transformer.config.use_rotary_positional_embeddings:
        return None
    pipe = diffusers.CogVideoXPipeline(tokenizer=None, text_encoder=None, vae=None, transformer=transformer,
                                       scheduler=diffusers.CogVideoXDDIMScheduler())
    pipe.vae_scale_factor_spatial = 8
    height, width = latents.shape[-2] * 8, latents.shape[-1] * 8
    return pipe._prepare_rotary_positional_embeddings(height, width, latents.shape[1], torch.device("cpu"))


def test_a_swapped_attention_kernel_runs_in_every_block_fused_or_not_and_compiled(models) -> None:
    from torch._dynamo.utils import counters

    from fitcontent.generation.speed import opaque_attention, swap_attention

    config = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"]).transformer.config
    torch.manual_seed(0)
    transformer = diffusers.CogVideoXTransformer3DModel.from_config({**config, "num_layers": 4}).eval()
    assert transformer.config.use_rotary_positional_embeddings, "the swap must pass the rotary embeddings on"
    stock = _forward(transformer)
    for fused in (False, True):
        if fused:
            transformer.fuse_qkv_projections()
            stock = _forward(transformer)
        calls: list[int] = []
        saved = transformer.attn_processors
        swap_attention(transformer, _math_attention(calls))
        out = _forward(transformer)
        assert len(calls) == 4, "one kernel call per block"
        torch.testing.assert_close(out, stock, rtol=1e-4, atol=1e-5)
        transformer.set_attn_processor(saved)

    def halved(query, key, value, is_causal, scale):  # breaks the graph, as SageAttention's bindings do
        torch._dynamo.graph_break()
        calls.append(1)
        return torch.nn.functional.scaled_dot_product_attention(query, key, value, is_causal=is_causal,
                                                                scale=scale) / 2

    calls = []
    swap_attention(transformer, opaque_attention("test_halved_attention", halved))
    eager = _forward(transformer)
    assert (eager - stock).abs().max() > 1e-3 and len(calls) == 4
    torch._dynamo.reset()
    counters.clear()
    for block in transformer.transformer_blocks:  # whole graphs: a break or a recompile per block would fail
        block.compile(backend="aot_eager", fullgraph=True, dynamic=False)
    calls.clear()
    torch.testing.assert_close(_forward(transformer), eager, rtol=1e-4, atol=1e-5)
    assert len(calls) == 4, "the compiled blocks call the kernel whole, each run"
    assert counters["stats"]["unique_graphs"] <= 2, "the blocks share their graph"
    torch._dynamo.reset()


def test_the_sage_kernel_without_sageattention_says_how_to_build_it_and_changes_nothing(models, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sageattention", None)
    pipe = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"])
    options = FastOptions(fuse_qkv=True, fp8_linears=False, compile=False, attention="sage")
    assert options.names() == ["fuse_qkv", "attention=sage"]
    with pytest.raises(FitcontentError, match=r"^attention sage needs SageAttention 2 built for this GPU: "
                                              r"bash benchmarks/build_sageattention.sh SOURCE_DIR$"):
        apply_fast(pipe.transformer, options)
    assert getattr(pipe.transformer, "fast_options", None) is None
    assert hasattr(pipe.transformer.transformer_blocks[0].attn1, "to_q"), "not fused"
    with pytest.raises(FitcontentError, match=r"unknown attention kernel 'flash': choose one of sdpa, sage"):
        apply_fast(pipe.transformer, FastOptions(attention="flash"))
