"""Step caches (--cache) and LoRA adapters (--lora) on tiny pipelines: real diffusers hooks, real peft LoRAs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.errors import FitcontentError, RequestError
from fitcontent.generation import caching
from fitcontent.generation.caching import CACHES, detach_cache
from fitcontent.generation.cogvideox import CogVideoXBackend
from tests.generation.conftest import run_out_of_memory_once

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")
STEPS = 6
TAYLORSEER_FULL_STEPS = 4


@pytest.fixture(scope="module")
def spec():
    return api.plan(api.make_request(exercises=["squat"], angles=["front"], errors=["none"], frames=9)).shots[0]


@pytest.fixture
def deep(models):
    """Makes backends on a fresh tiny 5B pipeline whose transformer has three blocks (a first-block cache
    needs a first block and later ones), the same random weights each time."""
    def make(**options) -> CogVideoXBackend:
        pipe = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"])
        torch.manual_seed(0)
        pipe.transformer = diffusers.CogVideoXTransformer3DModel.from_config({**pipe.transformer.config,
                                                                             "num_layers": 3})
        return CogVideoXBackend(api.load_catalog(), family_name="cogvideox-5b", pipeline=pipe, steps=STEPS,
                                profile="full", **options)
    return make


@pytest.fixture
def stock(deep, spec) -> np.ndarray:
    return deep().frames(spec)


def _computed_steps(backend: CogVideoXBackend) -> list[int]:
    """Counts the steps the last transformer block computes (its feed-forward runs; CFG is one batch). A
    skipped block is still called, but its hook returns without running it."""
    calls = [0]
    backend.load()
    backend.pipe.transformer.transformer_blocks[-1].ff.register_forward_hook(
        lambda *_: calls.__setitem__(0, calls[0] + 1))
    return calls


@pytest.mark.parametrize("name", sorted(CACHES))
def test_each_cache_attaches_changes_the_clip_and_detaches(deep, spec, stock, name: str) -> None:
    backend = deep(cache=name)
    assert f"+cache={name}+" in backend.version
    frames = backend.frames(spec)
    assert backend.pipe.transformer.is_cache_enabled and backend.provenance()["cache"] == name
    assert frames.shape == stock.shape
    if name != "first-block":  # scheduled by timestep; first-block decides by the weights (forced below)
        assert not np.array_equal(frames, stock), f"{name} skipped nothing"
    detach_cache(backend.pipe)
    assert not backend.pipe.transformer.is_cache_enabled
    assert np.array_equal(backend.frames(spec), stock), "without its hooks the transformer computes every step"


def test_a_forced_first_block_cache_computes_the_later_blocks_once(deep, spec, stock, monkeypatch) -> None:
    """With random weights skip decisions mean little, so the schedule is forced: a threshold nothing
    exceeds skips every step after the first."""
    from diffusers import FirstBlockCacheConfig

    monkeypatch.setitem(CACHES, "first-block", lambda pipe, steps: FirstBlockCacheConfig(threshold=1e9))
    backend = deep(cache="first-block")
    calls = _computed_steps(backend)
    assert not np.array_equal(backend.frames(spec), stock)
    assert calls[0] == 1
    detach_cache(backend.pipe)
    backend.frames(spec)
    assert calls[0] == 1 + STEPS


def test_taylorseer_runs_the_blocks_on_its_full_steps_only(deep, spec, stock) -> None:
    """TaylorSeer-Lite's schedule is by step: with 6 steps the first three and a refresh compute."""
    backend = deep(cache="taylorseer")
    calls = _computed_steps(backend)
    frames = backend.frames(spec)
    assert calls[0] == TAYLORSEER_FULL_STEPS < STEPS
    assert 0 < np.abs(frames.astype(int) - stock.astype(int)).mean() < 64, "predicted, not garbage"


def test_unknown_cache_is_one_line_before_anything_loads(models) -> None:
    with pytest.raises(RequestError, match=r"^unknown cache 'first_block'; did you mean 'first-block'\?"):
        CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], cache="first_block")
    result = CliRunner().invoke(cli, ["build", "squat", "--cache", "pab"])
    assert result.exit_code == 1 and "--cache: only for --backend cogvideox" in result.output
    assert caching.__doc__ and "MagCache" in caching.__doc__


@pytest.fixture(scope="module")
def lora_file(models, tmp_path_factory) -> Path:
    """A LoRA for the tiny 5B transformer, made by peft with non-zero weights and saved by diffusers."""
    from peft import LoraConfig
    from peft.utils import get_peft_model_state_dict

    pipe = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"])
    torch.manual_seed(1)
    pipe.transformer.add_adapter(LoraConfig(r=4, lora_alpha=4, init_lora_weights=False,
                                            target_modules=["to_q", "to_k", "to_v", "to_out.0"]))
    folder = tmp_path_factory.mktemp("lora")
    diffusers.CogVideoXPipeline.save_lora_weights(folder, transformer_lora_layers=get_peft_model_state_dict(
        pipe.transformer))
    (weights,) = folder.glob("*.safetensors")
    return weights


def test_a_lora_changes_the_clip_scale_zero_does_not_and_two_halves_make_one(models, spec, lora_file) -> None:
    catalog = api.load_catalog()
    stock = CogVideoXBackend(catalog, models["cogvideox-5b"], steps=STEPS, profile="full").frames(spec)

    def frames(*loras: str) -> tuple[np.ndarray, CogVideoXBackend]:
        backend = CogVideoXBackend(catalog, models["cogvideox-5b"], steps=STEPS, profile="full", loras=loras)
        return backend.frames(spec), backend

    with_lora, backend = frames(str(lora_file.parent))
    assert not np.array_equal(with_lora, stock)
    (recorded,) = backend.provenance()["loras"]
    assert recorded["scale"] == 1.0 and recorded["file"] == str(lora_file) and len(recorded["sha256"]) == 64
    assert not any("lora" in name for name, _ in backend.pipe.transformer.named_modules()), "fused, then unloaded"
    zero, zero_backend = frames(f"{lora_file}:0")
    assert np.array_equal(zero, stock) and zero_backend.version != backend.version
    halves, _ = frames(f"{lora_file}:0.5", f"{lora_file}:0.5")
    assert np.abs(halves.astype(int) - with_lora.astype(int)).max() <= 2


def test_bad_lora_paths_and_scales_are_one_line(models, tmp_path, lora_file) -> None:
    catalog = api.load_catalog()
    (tmp_path / "empty").mkdir()
    (tmp_path / "not-a-lora.safetensors").write_bytes(b"\0" * 16)
    cases = {str(tmp_path / "missing"): r"no such file or folder$",
             str(tmp_path / "empty"): r"the folder holds 0 \.safetensors files; name one$",
             f"{lora_file}:99": r"scale 99\.0 is outside -10\.\.10$"}
    for text, message in cases.items():
        with pytest.raises(RequestError, match=rf"^--lora {text}: {message}"):
            CogVideoXBackend(catalog, models["cogvideox-5b"], loras=[text])
    broken = CogVideoXBackend(catalog, models["cogvideox-5b"], loras=[str(tmp_path / "not-a-lora.safetensors")])
    with pytest.raises(FitcontentError, match=r"^--lora .*not-a-lora\.safetensors: cannot be applied to this model"):
        broken.load()


@pytest.mark.skipif(importlib.util.find_spec("torchao") is None, reason="profile lowvram needs torchao")
def test_running_out_of_memory_down_to_lowvram_keeps_the_lora_and_the_cache(models, spec, lora_file) -> None:
    """lowvram loads the transformer again: the LoRA is fused into it again and the cache hooked again,
    so the retried clip is the one a lowvram build with the same options makes."""
    options = {"steps": STEPS, "cache": "pab", "loras": [f"{lora_file}:0.8"]}
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], profile="sequential", **options)
    backend.load()
    run_out_of_memory_once(backend)
    retried = backend.frames(spec)
    assert backend.profile == "lowvram" and backend.pipe.transformer.is_cache_enabled
    direct = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], profile="lowvram", **options).frames(spec)
    assert np.array_equal(retried, direct)
