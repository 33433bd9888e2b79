"""Real-size CogVideoX architectures with random weights through fitcontent's cogvideox backend.

Step time and memory do not depend on weight values, so random weights time like the released models.
For each family: build the real architecture (transformer, VAE, T5-XXL) on the GPU in the family's dtype,
hand it to CogVideoXBackend, and make one clip of the family's geometry (squat, front) under each profile
(`full`, then `offload`), with N denoising steps. Reports seconds per step (median; classifier-free
guidance included), end-to-end seconds for the clip (prompt encoding, denoising, VAE decode), the profile
that finished (an out-of-memory error moves one profile down), and peak GPU memory.

Usage (device machine): python3 benchmarks/gpu_generation.py FAMILY[,FAMILY...] [steps] [full,offload]
        (CPU smoke test):  python3 benchmarks/gpu_generation.py cogvideox-5b 2 --tiny
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

import fitcontent
from fitcontent.generation.cogvideox import CogVideoXBackend
from fitcontent.generation.models import FAMILIES, Family

T5_XXL = {"d_model": 4096, "d_ff": 10240, "d_kv": 64, "num_heads": 64, "num_layers": 24, "vocab_size": 32128,
          "feed_forward_proj": "gated-gelu", "is_encoder_decoder": False}


def transformer_config(fam: Family) -> dict:
    """The released transformer configs (zai-org, formerly THUDM, and alibaba-pai model repositories)."""
    if fam.name == "cogvideox-2b":
        return {"num_attention_heads": 30, "attention_head_dim": 64, "num_layers": 30, "in_channels": 16,
                "out_channels": 16, "time_embed_dim": 512, "text_embed_dim": 4096, "sample_width": 90,
                "sample_height": 60, "sample_frames": 49, "patch_size": 2, "use_rotary_positional_embeddings": False}
    config = {"num_attention_heads": 48, "attention_head_dim": 64, "num_layers": 42, "in_channels": 16,
              "out_channels": 16, "time_embed_dim": 512, "text_embed_dim": 4096, "sample_width": 90,
              "sample_height": 60, "sample_frames": 49, "patch_size": 2, "use_rotary_positional_embeddings": True}
    if fam.task in ("i2v", "pose"):
        config["in_channels"] = 32  # noise + image (or control) latents
    if fam.name == "cogvideox-5b-i2v":
        config["use_learned_positional_embeddings"] = True
    if fam.name.startswith("cogvideox1.5"):
        config.update(sample_width=170, sample_height=96, sample_frames=81, patch_size_t=2, patch_bias=False)
        if fam.task == "i2v":
            config["ofs_embed_dim"] = 512
    return config


def real_pipeline(fam: Family):
    import diffusers
    from transformers import T5Config, T5EncoderModel

    from fitcontent.api import prompt_corpus
    from fitcontent.generation.tiny import train_tokenizer

    dtype = getattr(torch, fam.dtype)
    torch.manual_seed(0)
    with torch.device("cuda"):
        transformer = diffusers.CogVideoXTransformer3DModel(**transformer_config(fam)).to(dtype).eval()
        vae = diffusers.AutoencoderKLCogVideoX(scaling_factor=1.15258426 if fam.name == "cogvideox-2b" else 0.7,
                                               invert_scale_latents=fam.name.startswith("cogvideox1.5"))
        vae = vae.to(dtype).eval()
        text_encoder = T5EncoderModel(T5Config(**T5_XXL)).to(dtype).eval()
    scheduler = getattr(diffusers, fam.scheduler)(
        beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, prediction_type="v_prediction",
        rescale_betas_zero_snr=True, set_alpha_to_one=True, clip_sample=False, timestep_spacing="trailing",
        snr_shift_scale=1.0 if fam.name == "cogvideox-2b" else 3.0)
    tokenizer = train_tokenizer(prompt_corpus(), fam.token_limit)  # ids only index the random embeddings
    return getattr(diffusers, fam.pipeline)(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                                            transformer=transformer, scheduler=scheduler)


def saved_pipeline(fam: Family, folder: Path, tiny: bool = False) -> Path:
    """The family's pipeline saved as a model directory under ``folder``, once (later calls reuse it): real
    size with random weights, or tiny. For what loads from a directory as users' weights do (``lowvram``
    quantizes the transformer as it loads; the CLI and its executors take ``--model DIR``)."""
    directory = folder / fam.name
    if (directory / "model_index.json").is_file():
        return directory
    if tiny:
        from fitcontent.api import prompt_corpus
        from fitcontent.generation.tiny import make_tiny

        return make_tiny(fam, directory, prompt_corpus())
    pipe = real_pipeline(fam)
    pipe.save_pretrained(directory)
    del pipe
    gc.collect()
    torch.cuda.empty_cache()
    return directory


def tiny_pipeline(fam: Family, folder: Path):
    import diffusers

    from fitcontent.api import prompt_corpus
    from fitcontent.generation.tiny import make_tiny

    return getattr(diffusers, fam.pipeline).from_pretrained(make_tiny(fam, folder / fam.name, prompt_corpus()))


def measure(fam: Family, pipe, profile: str, steps: int, photo: Path) -> dict:
    frames = {"cogvideox1.5-5b": 81, "cogvideox1.5-5b-i2v": 81}.get(fam.name, 49)
    spec = fitcontent.plan(fitcontent.make_request(exercises=["squat"], angles=["front"], errors=["none"],
                                                   width=fam.width, height=fam.height, fps=fam.fps,
                                                   frames=frames)).shots[0]
    backend = CogVideoXBackend(fitcontent.load_catalog(), family_name=fam.name, profile=profile, steps=steps,
                               pipeline=pipe, image=photo if fam.task == "i2v" else None)
    marks: list[float] = []
    started = time.perf_counter()
    video = backend.frames(spec, lambda done, total: marks.append(time.perf_counter()))
    steps_s = [b - a for a, b in zip([started, *marks], marks, strict=False)][1:]  # the first includes encoding
    return {"family": fam.name, "asked": profile, "finished_under": backend.profile, "dtype": backend.dtype,
            "size": f"{spec.width}x{spec.height}", "frames": int(video.shape[0]), "steps": steps,
            "sec_per_step": round(statistics.median(steps_s), 3) if steps_s else None,
            "end_to_end_s": backend.last_run["seconds"], "peak_gpu_gib": backend.last_run["peak_gpu_gib"]}


def main(names: list[str], steps: int, profiles: list[str], tiny: bool) -> None:
    from PIL import Image

    out = Path(os.environ.get("OUT", tempfile.gettempdir()))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        photo = Path(tmp) / "photo.jpg"
        Image.new("RGB", (1024, 768), (180, 140, 100)).save(photo)
        for name in names:
            fam = FAMILIES[name]
            built = time.perf_counter()
            pipe = tiny_pipeline(fam, Path(tmp)) if tiny else real_pipeline(fam)
            print(f"{name}: built in {time.perf_counter() - built:.1f} s", flush=True)
            for profile in profiles:
                try:
                    result = measure(fam, pipe, profile, steps, photo)
                except Exception as exc:  # report and go on with the next measurement
                    result = {"family": name, "asked": profile, "error": f"{type(exc).__name__}: {exc}"[:300]}
                print(json.dumps(result), flush=True)
                results.append(result)
            del pipe
            gc.collect()
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    document = {"device": device, "torch": torch.__version__, "results": results}
    (out / f"gpu_generation_{'_'.join(names)}.json").write_text(json.dumps(document, indent=1))


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--tiny"]
    main(arguments[0].split(","), int(arguments[1]) if len(arguments) > 1 else 5,
         arguments[2].split(",") if len(arguments) > 2 else ["full", "offload"], "--tiny" in sys.argv)
