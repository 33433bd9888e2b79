"""Finding models in the Hugging Face cache through huggingface_hub: the newest revision, and no cache at all."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from fitcontent.errors import FitcontentError
from fitcontent.generation.cogvideox import resolve_model_dir
from fitcontent.generation.inventory import local_models
from fitcontent.generation.models import FAMILIES

FIVE_B = FAMILIES["cogvideox-5b"]


def _cache(hub: Path, repo: str, pipeline: Path, revision: str, main: bool) -> Path:
    """``pipeline`` as revision ``revision`` of model ``repo`` in the cache ``hub``, laid out as huggingface_hub
    lays out a download (real files in the snapshot, as where symlinks are off)."""
    folder = hub / f"models--{repo.replace('/', '--')}"
    snapshot = Path(shutil.copytree(pipeline, folder / "snapshots" / revision))
    if main:
        (folder / "refs").mkdir()
        (folder / "refs" / "main").write_text(revision)
    return snapshot


def test_the_newest_cached_revision_is_found_and_listed(models: dict[str, Path], hf_cache: Path) -> None:
    newer = _cache(hf_cache, FIVE_B.repo, models["cogvideox-5b"], "b" * 40, main=True)
    older = _cache(hf_cache, FIVE_B.repo, models["cogvideox-5b"], "a" * 40, main=False)
    for path in older.rglob("*"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert resolve_model_dir(None, FIVE_B) == newer
    found = local_models()
    assert set(found) == {"cogvideox-5b"}
    assert found["cogvideox-5b"]["directory"] == str(newer)


def test_weights_cached_under_the_former_thudm_id_are_found_and_the_current_id_comes_first(
        models: dict[str, Path], hf_cache: Path) -> None:
    assert FIVE_B.repos == ("zai-org/CogVideoX-5b", "THUDM/CogVideoX-5b")
    former = _cache(hf_cache, "THUDM/CogVideoX-5b", models["cogvideox-5b"], "c" * 40, main=True)
    assert resolve_model_dir(None, FIVE_B) == former
    assert local_models()["cogvideox-5b"]["directory"] == str(former)
    current = _cache(hf_cache, "zai-org/CogVideoX-5b", models["cogvideox-5b"], "d" * 40, main=True)
    for path in current.rglob("*"):  # older files than the former id's: the current id still wins
        os.utime(path, (1_000_000_000, 1_000_000_000))
    assert resolve_model_dir(None, FIVE_B) == current


@pytest.mark.parametrize("cache", ["empty", "missing"])
def test_an_empty_or_missing_cache_has_no_candidates(hf_cache: Path, cache: str) -> None:
    if cache == "missing":
        hf_cache.rmdir()
    assert local_models() == {}
    with pytest.raises(FitcontentError, match=r"^no cogvideox-5b weights in ~/models/CogVideoX-5b; run: "):
        resolve_model_dir(None, FIVE_B)
