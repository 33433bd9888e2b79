"""Profiles: which one ``auto`` picks for the memory a card has, and how far each one moves a clip from full's."""

from __future__ import annotations

import numpy as np
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
    ("cogvideox-5b", 24.0 * 0.93, "sequential"),  # a 24 GB card with its driver's share taken
    ("cogvideox-5b", 30.0, "offload"),
    ("cogvideox-5b", 3.0, "lowvram"),
    ("cogvideox1.5-5b", 80.0, "offload"),  # 1.5 under full needs more than an 80 GB card
    ("cogvideox1.5-5b", 24.0, "sequential"),
    ("cogvideox-2b", 12.0, "sequential"),
])
def test_auto_picks_the_fastest_lossless_profile_that_fits(family: str, free: float, expected: str, caplog) -> None:
    caplog.set_level("INFO")
    assert choose_profile("auto", FAMILIES[family], "cuda", free) == expected
    assert f"profile auto: {expected}" in caplog.text


def test_a_named_profile_is_kept_and_a_wrong_one_is_one_line() -> None:
    assert choose_profile("fast", FAMILIES["cogvideox-5b"], "cuda", 1.0) == "fast"
    assert choose_profile("auto", FAMILIES["cogvideox-5b"], "cpu") == "full"
    with pytest.raises(RequestError, match=r"^unknown profile 'ful'; did you mean 'full'\?"):
        choose_profile("ful", FAMILIES["cogvideox-5b"], "cuda", 80.0)
    assert all(set(needs) == {"full", "offload", "sequential"} for needs in NEEDS_GIB.values())


PSNR_BOUND_DB = {"full": None, "offload": None, "sequential": None, "fast": 35.0}
"""None: the same frames as full (placement only); a number: at least that PSNR against full (the README's)."""


@pytest.mark.parametrize("profile", sorted(PSNR_BOUND_DB))
def test_each_profile_moves_the_clip_no_further_than_its_bound(models, profile: str) -> None:
    catalog = api.load_catalog()
    spec = api.plan(api.make_request(exercises=["squat"], angles=["front"], errors=["none"], frames=9)).shots[0]
    full = CogVideoXBackend(catalog, models["cogvideox-5b"], steps=2, profile="full").frames(spec)
    backend = CogVideoXBackend(catalog, models["cogvideox-5b"], steps=2, profile=profile)
    frames = backend.frames(spec)
    assert backend.provenance()["profile"] == profile
    bound = PSNR_BOUND_DB[profile]
    if bound is None:
        assert np.array_equal(frames, full)
    else:
        mse = float(np.mean((frames.astype(np.float64) - full.astype(np.float64)) ** 2))
        assert mse == 0 or 10 * np.log10(255**2 / mse) >= bound


def test_gpu_memory_is_checked_and_only_for_the_model_backend(models) -> None:
    with pytest.raises(RequestError, match=r"^--gpu-memory 0\.5: give the GiB to use, from 1 to 4096$"):
        CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], gpu_memory=0.5)
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], gpu_memory=12)
    assert backend.provenance()["gpu_memory_gib"] == 12
    result = CliRunner().invoke(cli, ["build", "squat", "--gpu-memory", "12"])
    assert result.exit_code == 1 and "--gpu-memory: only for --backend cogvideox" in result.output
