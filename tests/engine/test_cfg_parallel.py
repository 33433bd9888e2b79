"""``--parallel cfg``: two processes (gloo on the CPU) make each clip together, one guidance branch each.

The split is checked on the real pipeline call (each process's transformer sees half the batch, and the
latents match one process's), the build through torchrun makes the clips one process makes, and a clip
failing in one process stops both, keeping what was finished."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fitcontent import api
from fitcontent.errors import RequestError
from fitcontent.generation.parallel import check_processes
from fitcontent.media import decode_frames
from fitcontent.settings import Settings

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")
pytest.importorskip("accelerate")

BUILD = ["build", "squat", "--angles", "front", "--size", "256x256", "--frames", "9", "--layouts", "none",
         "--backend", "cogvideox", "--steps", "2"]
FAILING = Path(__file__).with_name("cfg_failing_run.py")


def _split_run(rank: int, model: str, folder: str) -> None:
    """One of two processes: the pipeline's latents alone, then with the branches split; what it saw."""
    import diffusers
    import torch.distributed as dist

    from fitcontent.generation.parallel import CfgSplit

    dist.init_process_group("gloo", init_method=f"file://{folder}/rendezvous", rank=rank, world_size=2)
    pipe = diffusers.CogVideoXPipeline.from_pretrained(model)
    pipe.set_progress_bar_config(disable=True)

    def latents():
        return pipe("a person doing a squat", negative_prompt="blurry", num_frames=9, height=96, width=160,
                    num_inference_steps=3, guidance_scale=6.0, generator=torch.Generator().manual_seed(7),
                    output_type="latent").frames

    alone = latents()
    split = CfgSplit(pipe.transformer)
    seen: list[list[int]] = []  # what the transformer receives after the split (hooks run in order)
    pipe.transformer.register_forward_pre_hook(lambda module, args, kwargs: seen.append(
        [kwargs["hidden_states"].shape[0], kwargs["encoder_hidden_states"].shape[0], kwargs["timestep"].shape[0]]),
        with_kwargs=True)
    together = latents()
    split.remove()
    result = {"seen": seen, "max_diff": float((together - alone).abs().max()), "scale": float(alone.abs().max())}
    Path(folder, f"rank{rank}.json").write_text(json.dumps(result))
    dist.destroy_process_group()


def test_each_process_runs_half_the_batch_and_both_get_the_whole_prediction(tiny_model: Path,
                                                                             tmp_path: Path) -> None:
    torch.multiprocessing.spawn(_split_run, args=(str(tiny_model), str(tmp_path)), nprocs=2)
    for rank in (0, 1):
        result = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert result["seen"] == [[1, 1, 1]] * 3, "each of the 3 steps ran one sample of the batch of 2"
        assert result["max_diff"] <= 1e-4 * result["scale"], result


def _run(command: list[str], tmp_path: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {**os.environ, "FITCONTENT_CACHE": str(tmp_path / "cache"), "CUDA_VISIBLE_DEVICES": ""}  # gloo on the CPU
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout)


def _torchrun(*command: str) -> list[str]:
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node=2", *command]


@pytest.fixture(scope="module")
def pose_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The pose-control family: any size (so a small one), and its control video rides in the batch too."""
    from fitcontent.api import prompt_corpus
    from fitcontent.generation.models import FAMILIES
    from fitcontent.generation.tiny import make_tiny

    return make_tiny(FAMILIES["cogvideox-fun-v1.1-5b-pose"], tmp_path_factory.mktemp("pose") / "tiny", prompt_corpus())


def test_two_processes_make_the_clips_one_makes_and_a_failure_in_either_stops_both(pose_model: Path,
                                                                                   tmp_path: Path) -> None:
    """One process builds two clips; two processes build them with --parallel cfg, first with process 1
    failing its second clip (both stop, the first clip stays in the store), then again to the end."""
    model = ["--model", str(pose_model)]
    one = _run([sys.executable, "-m", "fitcontent", *BUILD, *model, "--out", str(tmp_path / "one")],
               tmp_path / "alone")
    assert one.returncode == 0, one.stderr[-3000:]
    together = [*BUILD, *model, "--out", str(tmp_path / "two"), "--executor", "accelerate", "--parallel", "cfg"]
    failed = _run(_torchrun(str(FAILING), *together), tmp_path, timeout=300)
    assert failed.returncode != 0
    assert "planted failure" in failed.stderr and "--parallel cfg stops at a failed clip" in failed.stderr
    again = _run(_torchrun("-m", "fitcontent", *together), tmp_path)
    assert again.returncode == 0, again.stderr[-3000:]
    assert (again.stdout + again.stderr).count("Built 2 clips (1 cached)") == 1, "the main process alone reports"

    manifests = [json.loads((tmp_path / name / "manifest.json").read_text(encoding="utf-8"))
                 for name in ("one", "two")]
    clips = [{e["id"]: e for e in m["artifacts"]} for m in manifests]
    assert sorted(clips[0]) == sorted(clips[1]) and len(clips[0]) == 2
    for clip_id, entry in clips[1].items():
        assert entry["cache_key"] == clips[0][clip_id]["cache_key"], "the same clip, so the same store key"
        assert (entry["generation"]["parallel"], entry["generation"]["batch_per_process"]) == ("cfg", 1)
        alone, split = (_rgb(tmp_path / name / entry["path"]) for name in ("one", "two"))
        assert split.shape == alone.shape == (9, 256, 256, 3)
        assert np.abs(split - alone).mean() < 1.0, "the same frames, up to rounding"
    figures = manifests[1]["last_build"]
    assert (figures["executor"], figures["workers"], figures["clips_made"]) == ("accelerate, parallel cfg", 2, 1)
    making = min(entry["generation"]["seconds"] for entry in clips[1].values())
    assert figures["worker_seconds_per_clip"] >= 2 * making, "both processes' seconds count"


def _rgb(path: Path) -> np.ndarray:
    frames = decode_frames(path, 256, 256, pix_fmt="rgb24", bits_per_pixel=24)
    return np.stack([np.frombuffer(f, np.uint8).reshape(256, 256, 3) for f in frames]).astype(np.int16)


def test_cfg_parallel_is_refused_where_it_cannot_run(tiny_model: Path, tmp_path: Path) -> None:
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], frames=9, layouts=["none"])
    settings = Settings(cache=tmp_path / "cache")
    with pytest.raises(RequestError, match="add --executor accelerate"):
        api.build(request, settings, tmp_path / "dist", "cogvideox",
                  backend_options={"model": tiny_model, "parallel": "cfg"})
    for cache in ("fastercache", "first-block"):  # each decides from both branches at once
        with pytest.raises(RequestError, match=f"--cache {cache} decides from both guidance branches"):
            api.build(request, settings, tmp_path / "dist", "cogvideox",
                      backend_options={"model": tiny_model, "parallel": "cfg", "cache": cache})
    with pytest.raises(RequestError, match=r"unknown parallel 'sequence'.*cfg"):
        api.build(request, settings, tmp_path / "dist", "cogvideox",
                  backend_options={"model": tiny_model, "parallel": "sequence"})
    with pytest.raises(RequestError, match=r"2 processes.*this run has 1: start it with accelerate launch"):
        check_processes(1)
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())
