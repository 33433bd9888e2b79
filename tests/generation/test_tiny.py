"""Tiny CogVideoX pipelines: built offline from configs, saved, and loaded back through the real classes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fitcontent.api import prompt_corpus
from fitcontent.generation.models import FAMILIES, Family
from fitcontent.generation.tiny import make_tiny

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")


def _size(fam: Family) -> tuple[int, int]:
    """The smallest size each family takes: learned positional embeddings (5B-I2V) allow only its own."""
    return (fam.width, fam.height) if fam.name == "cogvideox-5b-i2v" else (96, 64)


def _run(pipe, fam: Family, seed: int = 0, prompt: str = "a woman squats in a gym, front view") -> np.ndarray:
    width, height = _size(fam)
    frames = fam.legal_frames[0]
    inputs = {"prompt": prompt, "negative_prompt": "blurry", "num_inference_steps": 2, "guidance_scale": 6.0,
              "height": height, "width": width, "generator": torch.Generator().manual_seed(seed), "output_type": "np"}
    if fam.task == "i2v":
        inputs["image"] = Image.new("RGB", (width, height), "red")
    if fam.task == "pose":
        inputs["control_video"] = [Image.new("RGB", (width, height))] * frames
    else:
        inputs["num_frames"] = frames
    return pipe(**inputs).frames[0]


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_tiny_family_saves_loads_and_generates_with_the_real_pipeline(name: str, tmp_path: Path) -> None:
    fam = FAMILIES[name]
    directory = make_tiny(fam, tmp_path / name, prompt_corpus())
    assert (directory / "model_index.json").is_file()
    assert (directory / "tokenizer" / "tokenizer.json").is_file()
    pipe = getattr(diffusers, fam.pipeline).from_pretrained(directory)
    assert type(pipe).__name__ == fam.pipeline
    assert type(pipe.tokenizer).__name__.startswith("T5Tokenizer") and pipe.tokenizer.is_fast
    video = _run(pipe, fam)
    width, height = _size(fam)
    assert video.shape == (fam.legal_frames[0], height, width, 3)
    np.testing.assert_array_equal(video, _run(pipe, fam))  # same seed, same frames
    if name == "cogvideox-5b":
        assert not np.array_equal(video, _run(pipe, fam, seed=1))


def test_tiny_tokenizer_reads_catalog_prompts_like_t5(tmp_path: Path) -> None:
    from transformers import T5TokenizerFast

    make_tiny(FAMILIES["cogvideox-5b"], tmp_path / "m", prompt_corpus())
    tokenizer = T5TokenizerFast.from_pretrained(tmp_path / "m" / "tokenizer")
    ids = tokenizer("A woman squats in a bright gym", padding="max_length", max_length=226).input_ids
    assert len(ids) == 226
    assert ids.count(tokenizer.eos_token_id) == 1 and ids[-1] == tokenizer.pad_token_id
    assert tokenizer.unk_token_id not in ids[: ids.index(tokenizer.eos_token_id)]
