"""The cogvideox backend on tiny pipelines: the real loading and generation path, on a CPU."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.errors import FitcontentError, RequestError
from fitcontent.generation.cogvideox import CogVideoXBackend, detect_family
from fitcontent.generation.models import FAMILIES
from fitcontent.media import encode_h264, probe
from fitcontent.settings import Settings
from fitcontent.store import cache_key
from tests.generation.conftest import run_out_of_memory_once

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
needs_torchao = pytest.mark.skipif(importlib.util.find_spec("torchao") is None, reason="profile lowvram needs torchao")


def _build(tmp_path: Path, model: Path, **request) -> tuple[object, list[dict]]:
    settings = Settings(cache=tmp_path / "cache")
    fields = {"exercises": ["squat"], "angles": ["front"], "errors": ["none"], "frames": 9, "layouts": ["none"],
              **request}
    options = {"model": model, "steps": 2, **fields.pop("options", {})}
    report = api.build(api.make_request(**fields), settings, tmp_path / "dist", "cogvideox",
                       backend_options=options)
    manifest = json.loads((tmp_path / "dist" / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    return report, manifest


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_family_is_detected_from_the_saved_configs(models: dict[str, Path], name: str) -> None:
    assert detect_family(models[name]).name == name


def test_text_to_video_builds_a_clip_of_the_family_geometry_and_records_provenance(models, tmp_path: Path) -> None:
    report, manifest = _build(tmp_path, models["cogvideox-5b"])
    assert not report.failed
    (entry,) = manifest
    info = probe(tmp_path / "dist" / entry["path"])
    assert (info.width, info.height, info.frames, info.fps) == (720, 480, 9, 8.0)
    generation = entry["generation"]
    assert generation["family"] == "cogvideox-5b" and generation["model"] == str(models["cogvideox-5b"])
    assert generation["profile"] == "full" and generation["dtype"] == "float32" and generation["steps"] == 2
    assert len(generation["config_hash"]) == 16 and generation["seconds"] > 0
    again, manifest_again = _build(tmp_path, models["cogvideox-5b"])
    assert again.cached == 1 and manifest_again == manifest  # cached, with the provenance of the run that made it


def test_pose_control_follows_the_pose_engine_at_the_requested_size(models, tmp_path: Path) -> None:
    report, (entry,) = _build(tmp_path, models["cogvideox-fun-v1.1-5b-pose"], width=256, height=256)
    assert not report.failed
    info = probe(tmp_path / "dist" / entry["path"])
    assert (info.width, info.height, info.frames) == (256, 256, 9)


def test_image_to_video_fits_a_photo_of_another_size(models, tmp_path: Path) -> None:
    photo = tmp_path / "client.jpg"
    Image.new("RGB", (300, 500), "orange").save(photo)
    report, (entry,) = _build(tmp_path, models["cogvideox-5b-i2v"], options={"image": photo})
    assert not report.failed
    info = probe(tmp_path / "dist" / entry["path"])
    assert (info.width, info.height, info.frames) == (720, 480, 9)


def test_video_to_video_takes_an_input_clip(models, tmp_path: Path) -> None:
    clip = tmp_path / "input.mp4"
    encode_h264(clip, [np.full((240, 360, 3), (0, 90, 200), np.uint8)] * 12, 360, 240, 8)
    report, (entry,) = _build(tmp_path, models["cogvideox-5b"], options={"video": clip})
    assert not report.failed
    info = probe(tmp_path / "dist" / entry["path"])
    assert (info.width, info.height, info.frames) == (720, 480, 9)


def _int8_linears(pipe) -> list[bool]:
    """For each linear layer of the transformer: are its weights torchao's quantized tensors?"""
    return [type(m.weight).__module__.startswith("torchao") for m in pipe.transformer.modules()
            if isinstance(m, torch.nn.Linear)]


@pytest.mark.parametrize(("first", "then"), [
    ("full", "offload"),
    pytest.param("sequential", "lowvram", marks=needs_torchao),
])
def test_out_of_memory_retries_the_shot_with_the_next_profile(models, tmp_path: Path, caplog, first, then) -> None:
    catalog = api.load_catalog()
    backend = CogVideoXBackend(catalog, models["cogvideox-fun-v1.1-5b-pose"], steps=2, profile=first)
    spec = api.plan(api.make_request(exercises=["squat"], angles=["front"], errors=["none"], width=256, height=256,
                                     frames=9)).shots[0]
    backend.load()
    calls = run_out_of_memory_once(backend)
    with caplog.at_level(logging.WARNING):
        clip = backend.generate(spec, tmp_path / "clip.mp4")
    assert len(calls) == 2 and backend.profile == then
    assert f"out of GPU memory under profile {first}; retrying with {then}" in caplog.text
    assert probe(clip.path).frames == 9
    int8 = _int8_linears(backend.pipe)  # moving to lowvram loads the transformer again, int8
    assert (int8 and all(int8)) if then == "lowvram" else not any(int8)


@needs_torchao
def test_lowvram_loads_the_transformer_int8_and_makes_a_clip(models, tmp_path: Path) -> None:
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], steps=2, profile="lowvram")
    spec = api.plan(api.make_request(exercises=["squat"], angles=["front"], errors=["none"], frames=9)).shots[0]
    clip = backend.generate(spec, tmp_path / "clip.mp4")
    assert backend.provenance()["profile"] == "lowvram" and "+int8+" in backend.version
    assert all(_int8_linears(backend.pipe))
    assert probe(clip.path).frames == 9


def test_lowvram_without_torchao_says_how_to_install_it(models, monkeypatch) -> None:
    for module in ("torchao", "torchao.quantization"):
        monkeypatch.setitem(sys.modules, module, None)  # as if torchao were not installed
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], profile="lowvram")
    with pytest.raises(FitcontentError, match=r"^profile lowvram needs torchao: pip install torchao$"):
        backend.load()


def test_loading_leaves_the_process_environment_alone(models, monkeypatch) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"])
    backend.load()
    assert backend.pipe is not None
    assert "HF_HUB_OFFLINE" not in os.environ


def test_illegal_geometry_fails_before_any_weight_loads(models, tmp_path: Path, monkeypatch) -> None:
    loads = []
    monkeypatch.setattr(CogVideoXBackend, "load", lambda self: loads.append(1))
    with pytest.raises(RequestError, match=r"cogvideox-5b needs 8N\+1 frames \(9, 17, 25, ... 49\); 10 frames -> "
                                           r"use --frames 9"):
        _build(tmp_path, models["cogvideox-5b"], frames=10)
    result = CliRunner().invoke(cli, ["build", "squat", "--backend", "cogvideox", "--model",
                                      str(models["cogvideox-5b"]), "--size", "1360x768", "--layouts", "none",
                                      "--out", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "cogvideox-5b needs 720x480 only; 1360x768 -> use --size 720x480" in result.output
    assert loads == []


def test_missing_model_gives_the_download_command(tmp_path: Path) -> None:
    with pytest.raises(FitcontentError) as caught:
        CogVideoXBackend(api.load_catalog(), tmp_path / "nothing-here", family_name="cogvideox1.5-5b")
    message = str(caught.value)
    assert message.startswith(f"no cogvideox1.5-5b weights in {tmp_path / 'nothing-here'}; run: ")
    assert f"huggingface-cli download zai-org/CogVideoX1.5-5B --local-dir {tmp_path / 'nothing-here'}" in message


def test_a_changed_prompt_or_model_changes_the_cache_key(models) -> None:
    spec = api.plan(api.make_request(exercises=["squat"], angles=["front"], errors=["none"])).shots[0]
    backend = CogVideoXBackend(api.load_catalog(), models["cogvideox-5b"], steps=2)
    other_model = CogVideoXBackend(api.load_catalog(), models["cogvideox-2b"], steps=2)
    key = cache_key(spec.model_dump(mode="json"), backend.name, backend.version)
    changed = spec.model_copy(update={"prompt": spec.prompt + " slowly"})
    assert cache_key(changed.model_dump(mode="json"), backend.name, backend.version) != key
    assert cache_key(spec.model_dump(mode="json"), other_model.name, other_model.version) != key


def test_inputs_dtype_and_quantization_are_part_of_the_cache_key(models, tmp_path: Path) -> None:
    photos = []
    for colour in ("red", "blue"):
        photos.append(tmp_path / f"{colour}.png")
        Image.new("RGB", (64, 64), colour).save(photos[-1])
    catalog = api.load_catalog()
    versions = {CogVideoXBackend(catalog, models["cogvideox-5b-i2v"], image=photo).version for photo in photos}
    versions |= {CogVideoXBackend(catalog, models["cogvideox-5b-i2v"], image=photos[0], dtype="float32").version,
                 CogVideoXBackend(catalog, models["cogvideox-5b-i2v"], image=photos[0], profile="lowvram").version}
    assert len(versions) == 4


def test_wrong_family_profile_or_draft_fail_before_loading(models, tmp_path: Path) -> None:
    catalog = api.load_catalog()
    with pytest.raises(RequestError, match=r"--family cogvideox-2b, but .* holds cogvideox-5b; leave out --family"):
        CogVideoXBackend(catalog, models["cogvideox-5b"], family_name="cogvideox-2b")
    with pytest.raises(RequestError, match="unknown profile 'fsat'; did you mean 'fast'"):
        CogVideoXBackend(catalog, models["cogvideox-5b"], profile="fsat")
    with pytest.raises(RequestError, match="--draft halves the size, and cogvideox-5b makes 720x480 only"):
        api.build(api.make_request(exercises=["squat"], angles=["front"], errors=["none"], layouts=["none"]),
                  Settings(cache=tmp_path / "cache"), tmp_path / "dist", "cogvideox", draft=True,
                  backend_options={"model": models["cogvideox-5b"]})


def test_a_directory_that_is_not_cogvideox_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "sd3" / "transformer").mkdir(parents=True)
    (tmp_path / "sd3" / "model_index.json").write_text('{"_class_name": "StableDiffusion3Pipeline"}')
    (tmp_path / "sd3" / "transformer" / "config.json").write_text('{"_class_name": "SD3Transformer2DModel"}')
    with pytest.raises(FitcontentError, match=r"cannot tell its model family .*not a CogVideoX pipeline"):
        detect_family(tmp_path / "sd3")


def test_model_options_without_the_cogvideox_backend_are_refused(models, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["build", "squat", "--model", str(models["cogvideox-5b"]), "--layouts", "none",
                                      "--out", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "--model: only for --backend cogvideox (this build uses --backend preview)" in result.output


def test_prompt_embeddings_are_cached_without_a_graph(models) -> None:
    """A graph behind the cached embeddings kept every T5 weight copied to the GPU alive (8.9 GiB under
    sequential offload on the H200, found by benchmarks/gpu_cogvideox.py --caps)."""
    from fitcontent.api import load_catalog

    backend = CogVideoXBackend(load_catalog(), model=models["cogvideox-5b"], steps=2)
    backend.load()
    embeddings = backend._encode("a person doing a squat", "blurry")
    assert all(e.grad_fn is None and not e.requires_grad for e in embeddings)
    assert backend._encode("a person doing a squat", "blurry") is embeddings, "once per prompt"
