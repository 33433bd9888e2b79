"""Fixtures of the generation tests: tiny pipelines of every family, and a Hugging Face cache of a test's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from fitcontent.api import prompt_corpus
from fitcontent.generation.models import FAMILIES
from fitcontent.generation.tiny import make_tiny


@pytest.fixture(scope="session")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A saved tiny pipeline of each family, by family name."""
    pytest.importorskip("diffusers")
    root = tmp_path_factory.mktemp("models")
    return {name: make_tiny(FAMILIES[name], root / name, prompt_corpus()) for name in FAMILIES}


@pytest.fixture
def hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Hugging Face cache that huggingface_hub uses for this test. It reads HF_HUB_CACHE (or
    HF_HOME) once, at import, into ``huggingface_hub.constants``; so the constant is pointed here."""
    constants = pytest.importorskip("huggingface_hub.constants")
    cache = tmp_path / "hf-hub"
    cache.mkdir()
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(cache))
    return cache


def run_out_of_memory_once(backend) -> list[int]:
    """Makes the loaded backend's pipeline raise CUDA out-of-memory on its first call (a test double for a GPU
    that runs out on the first try), the real call after; returns the list of calls."""
    import torch

    real_call, calls = type(backend.pipe).__call__, []

    def once_out_of_memory(pipe, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (injected)")
        return real_call(pipe, *args, **kwargs)

    backend.pipe.__class__ = type("OnceOutOfMemory", (type(backend.pipe),), {"__call__": once_out_of_memory})
    return calls
