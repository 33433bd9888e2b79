"""Profiles: which one ``auto`` picks for the memory a card has, and the memory cap (fast's difference from
full is tested in test_speed.py; offload and sequential only place the model on a GPU, which a CPU lacks)."""

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
    ("cogvideox-5b", 24.0 * 0.93, "sequential"),  # a 24 GB card with its driver's share taken
    ("cogvideox-5b", 30.0, "offload"),
    ("cogvideox-5b", 3.0, "lowvram"),
    ("cogvideox1.5-5b", 80.0, "offload"),  # 1.5 under full needs more than an 80 GB card
    ("cogvideox1.5-5b", 24.0, "sequential"),
    ("cogvideox-2b", 12.0, "sequential"),
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
    assert all(set(needs) == {"full", "offload", "sequential"} for needs in NEEDS_GIB.values())


def test_gpu_memory_is_checked_and_only_for_the_model_backend(models) -> None:
    with pytest.raises(RequestError, match=r"^--gpu-memory 0\.5: give the GiB to use, from 1 to 4096$"):
        CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], gpu_memory=0.5)
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], gpu_memory=12)
    assert backend.provenance()["gpu_memory_gib"] == 12
    result = CliRunner().invoke(cli, ["build", "squat", "--gpu-memory", "12"])
    assert result.exit_code == 1 and "--gpu-memory: only for --backend cogvideox" in result.output
