"""A tiny CogVideoX-5B pipeline for the engine's tests over several processes."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("diffusers")
    from fitcontent.api import prompt_corpus
    from fitcontent.generation.models import FAMILIES
    from fitcontent.generation.tiny import make_tiny

    return make_tiny(FAMILIES["cogvideox-5b"], tmp_path_factory.mktemp("tiny") / "cogvideox-5b", prompt_corpus())
