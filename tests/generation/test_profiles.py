"""Profiles: which one ``auto`` picks for the memory a card has, and the memory cap (fast's difference from
full is tested in test_speed.py; offload and sequential only place the model on a GPU, which a CPU lacks;
prefetch's groups run here with the CPU standing in for the GPU)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.errors import RequestError
from fitcontent.generation.cogvideox import CogVideoXBackend
from fitcontent.generation.models import FAMILIES
from fitcontent.generation.profiles import NEEDS_GIB, choose_profile

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")


@pytest.mark.parametrize(("family", "free", "expected"), [
    ("cogvideox-5b", 80.0, "full"),
    ("cogvideox-5b", 24.0 * 0.93, "prefetch"),  # a 24 GB card with its driver's share taken
    ("cogvideox-5b", 30.0, "offload"),
    ("cogvideox-5b", 5.0, "prefetch"),
    ("cogvideox-5b", 4.5, "sequential"),
    ("cogvideox-5b", 3.0, "lowvram"),
    ("cogvideox1.5-5b", 80.0, "offload"),  # 1.5 under full needs more than an 80 GB card
    ("cogvideox1.5-5b", 12.0 * 0.93, "prefetch"),
    ("cogvideox1.5-5b", 8.0, "sequential"),
    ("cogvideox-2b", 12.0, "prefetch"),
])
def test_auto_picks_the_fastest_profile_that_fits(family: str, free: float, expected: str, caplog) -> None:
    caplog.set_level("INFO")
    assert choose_profile("auto", FAMILIES[family], "cuda", free) == expected
    assert f"profile auto: {expected}" in caplog.text


def test_a_named_profile_is_kept_and_a_wrong_one_is_one_line() -> None:
    assert choose_profile("fast", FAMILIES["cogvideox-5b"], "cuda", 1.0) == "fast"
    assert choose_profile("auto", FAMILIES["cogvideox-5b"], "cpu") == "full"
    with pytest.raises(RequestError, match=r"^unknown profile 'ful'; did you mean 'full'\?"):
        choose_profile("ful", FAMILIES["cogvideox-5b"], "cuda", 80.0)
    assert all(set(needs) == {"full", "offload", "prefetch", "sequential"} for needs in NEEDS_GIB.values())
    assert all(list(needs.values()) == sorted(needs.values(), reverse=True) for needs in NEEDS_GIB.values()), \
        "each profile down the ladder needs less"


def test_gpu_memory_is_checked_and_only_for_the_model_backend(models) -> None:
    with pytest.raises(RequestError, match=r"^--gpu-memory 0\.5: give the GiB to use, from 1 to 4096$"):
        CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], gpu_memory=0.5)
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], gpu_memory=12)
    assert backend.provenance()["gpu_memory_gib"] == 12
    result = CliRunner().invoke(cli, ["build", "squat", "--gpu-memory", "12"])
    assert result.exit_code == 1 and "--gpu-memory: only for --backend cogvideox" in result.output


def _group_hooks(module, group: bool = True) -> int:
    """How many of the module's diffusers hooks are group offloading's (``group``) or other ones."""
    return sum((type(hook).__module__ == "diffusers.hooks.group_offloading") == group for m in module.modules()
               for hook in getattr(getattr(m, "_diffusers_hook", None), "hooks", {}).values())


def test_prefetch_groups_make_the_same_latents_and_come_off_again(models) -> None:
    import diffusers

    from fitcontent.generation.caching import attach_cache
    from fitcontent.generation.profiles import place_in_groups, remove_groups

    pipe = diffusers.CogVideoXPipeline.from_pretrained(models["cogvideox-5b"])
    pipe.set_progress_bar_config(disable=True)
    run = lambda: pipe("a squat", num_frames=9, num_inference_steps=2, output_type="latent",  # noqa: E731
                       generator=torch.Generator().manual_seed(3)).frames
    stock = run()
    place_in_groups(pipe, torch.device("cpu"))  # the CPU stands in for the GPU (no side stream there)
    blocks = len(pipe.transformer.transformer_blocks)
    assert _group_hooks(pipe.transformer) == blocks + 1, "a group per block, and one for the rest"
    linears = sum(isinstance(m, torch.nn.Linear) for m in pipe.text_encoder.modules())
    assert _group_hooks(pipe.text_encoder) > linears, "T5 layer by layer"
    torch.testing.assert_close(run(), stock, rtol=0, atol=0)
    remove_groups(pipe)
    assert _group_hooks(pipe.transformer) == _group_hooks(pipe.text_encoder) == 0
    torch.testing.assert_close(run(), stock, rtol=0, atol=0)
    attach_cache(pipe, "pab", 2)  # a step cache's hooks (on the attention modules) are not group offloading's
    cache_hooks = _group_hooks(pipe.transformer, group=False)
    place_in_groups(pipe, torch.device("cpu"))
    remove_groups(pipe)
    assert _group_hooks(pipe.transformer, group=False) == cache_hooks > 0
