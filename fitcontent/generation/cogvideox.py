"""The CogVideoX backend: the only module that loads a diffusers pipeline.

Weights load only from a local directory (``--model``, ``FITCONTENT_MODEL_DIR``, or a Hugging Face cache
that already holds them, found by huggingface_hub's cache scan); nothing is downloaded, and the process
environment is left alone. The pipeline is loaded once per process and reused for every shot; prompt
embeddings are cached per (prompt, negative prompt). Every spec is checked against the family's rules
before any weight loads. A CUDA out-of-memory error retries the shot with the next lower-memory profile
instead of failing the batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from fitcontent.catalog.loader import Catalog
from fitcontent.errors import FitcontentError, RequestError, unknown_message
from fitcontent.generation.base import Clip, Progress, ShotSpec
from fitcontent.generation.caching import attach_cache, check_cache, detach_cache
from fitcontent.generation.lora import Lora, fuse_loras
from fitcontent.generation.models import FAMILIES, Family, check_spec, family
from fitcontent.generation.parallel import CfgSplit
from fitcontent.generation.profiles import (
    PROFILES,
    apply_profile,
    cap_gpu_memory,
    choose_profile,
    gpu_free_gib,
    next_profile,
    quantization,
)
from fitcontent.generation.speed import FastOptions, compile_cache_file, save_compiled
from fitcontent.pose.stills import ShotMotion, motion_for
from fitcontent.store import file_sha256

log = logging.getLogger(__name__)
MODEL_DIR_ENV = "FITCONTENT_MODEL_DIR"
V2V_STRENGTH = 0.8
"""How far video-to-video departs from the input clip (1.0 ignores it)."""


def detect_family(directory: Path) -> Family:
    """The family of a saved pipeline, from its configs (released and tiny pipelines alike)."""
    try:
        index = json.loads((directory / "model_index.json").read_text(encoding="utf-8"))
        config = json.loads((directory / "transformer" / "config.json").read_text(encoding="utf-8"))
        pipeline = index["_class_name"]
        if not pipeline.startswith("CogVideoX") or config["_class_name"] != "CogVideoXTransformer3DModel":
            raise ValueError(f"a {pipeline} with a {config['_class_name']}, not a CogVideoX pipeline")
        conditioned = config["in_channels"] == 2 * config["out_channels"]
    except (OSError, ValueError, KeyError) as exc:
        raise FitcontentError(f"{directory}: cannot tell its model family ({type(exc).__name__}: {exc})") from None
    if config.get("patch_size_t"):
        return FAMILIES["cogvideox1.5-5b-i2v" if conditioned else "cogvideox1.5-5b"]
    if not config.get("use_rotary_positional_embeddings"):
        return FAMILIES["cogvideox-2b"]
    if conditioned:
        fun = pipeline == "CogVideoXFunControlPipeline" or not config.get("use_learned_positional_embeddings")
        return FAMILIES["cogvideox-fun-v1.1-5b-pose" if fun else "cogvideox-5b-i2v"]
    return FAMILIES["cogvideox-5b"]


def cached_snapshots() -> dict[str, list[Path]]:
    """Each model repository's revisions in the Hugging Face cache, newest first; none without a cache.

    The cache is huggingface_hub's own (HF_HUB_CACHE, or HF_HOME/hub), as it read them at import."""
    try:
        from huggingface_hub import constants, scan_cache_dir
        from huggingface_hub.errors import CacheNotFound
    except ImportError:  # without the gpu extra there is no cache to read
        return {}
    try:
        cache = scan_cache_dir(constants.HF_HUB_CACHE)
    except (CacheNotFound, ValueError, OSError):  # ValueError: a file where the cache should be
        return {}
    found = {}
    for repo in cache.repos:
        if repo.repo_type == "model":
            revisions = sorted(repo.revisions, key=lambda r: r.last_modified, reverse=True)
            found[repo.repo_id] = [r.snapshot_path for r in revisions]
    return found


def cached_of(fam: Family, cached: dict[str, list[Path]]) -> list[Path]:
    """The family's snapshots in ``cached`` (:func:`cached_snapshots`), under its current repository id
    first, then its former one."""
    return [snapshot for repo in fam.repos for snapshot in cached.get(repo, [])]


def resolve_model_dir(model: Path | None, fam: Family | None) -> Path:
    """The local pipeline directory to load, or one line saying how to download it."""
    candidates = [Path(model)] if model else []
    if not model and os.environ.get(MODEL_DIR_ENV):
        candidates.append(Path(os.environ[MODEL_DIR_ENV]))
    if not candidates and fam is not None:
        candidates += cached_of(fam, cached_snapshots())
    for candidate in candidates:
        if (candidate / "model_index.json").is_file():
            return candidate
    wanted = fam or FAMILIES["cogvideox-5b"]
    where = candidates[0] if candidates else Path("~/models") / wanted.repo.split("/")[1]
    raise FitcontentError(f"no {wanted.name} weights in {where}; run: "
                          f"{wanted.download.replace('<DIR>', str(where))} (or fitcontent models make-tiny "
                          f"{where} --family {wanted.name} for a tiny test model)")


class CogVideoXBackend:
    name = "cogvideox"
    version = "1"
    draws_overlays = False

    def __init__(self, catalog: Catalog, model: Path | None = None, family_name: str | None = None,
                 profile: str = "auto", image: Path | None = None, video: Path | None = None, steps: int | None = None,
                 pipeline=None, dtype: str | None = None, compile_cache: Path | None = None, cache: str | None = None,
                 loras: Sequence[str] = (), gpu_memory: float | None = None, parallel: str | None = None):
        """``pipeline``: one already in memory instead of ``model`` (benchmarks of real-size architectures
        with random weights); then ``family_name`` is required. ``compile_cache``: where the ``fast``
        profile keeps compiled artifacts (the build puts it beside the store). ``cache``: a step cache of
        :mod:`fitcontent.generation.caching`; ``loras``: ``PATH[:SCALE]`` each (:mod:`fitcontent.generation.lora`).
        ``gpu_memory``: GiB this process may use on the GPU (a 12 or 24 GB card's size, say). ``parallel``:
        ``cfg`` makes each clip together with another process, one guidance branch each
        (:mod:`fitcontent.generation.parallel`); the clip is the same, so its store key is too."""
        self.catalog = catalog
        wanted = family(family_name) if family_name else None
        if pipeline is not None and wanted is None:
            raise RequestError("a pipeline given in memory needs its family_name")
        self.directory = resolve_model_dir(model, wanted) if pipeline is None else None
        found = detect_family(self.directory) if self.directory else None
        if wanted and found and found != wanted:
            raise RequestError(f"--family {wanted.name}, but {self.directory} holds {found.name}; "
                               f"leave out --family or use --family {found.name}")
        fam = wanted or found
        assert fam is not None  # a pipeline in memory needs family_name (above); a model directory always has one
        self.family: Family = fam
        if profile not in PROFILES:
            raise RequestError(unknown_message("profile", profile, PROFILES))
        if dtype == "float16" and self.family.dtype == "bfloat16":
            raise RequestError(f"{self.family.name} is a bfloat16 model: float16 gives NaN (black) frames; "
                               f"use --dtype bfloat16")
        self.dtype_name = dtype
        self.profile_name = profile
        self.compile_cache = compile_cache
        if gpu_memory is not None and not 1 <= gpu_memory <= 4096:
            raise RequestError(f"--gpu-memory {gpu_memory:g}: give the GiB to use, from 1 to 4096")
        self.gpu_memory = gpu_memory
        check_cache(cache)
        self.cache = cache
        if parallel not in (None, "cfg"):
            raise RequestError(unknown_message("parallel", parallel, ["cfg"]))
        if parallel and cache in ("fastercache", "first-block"):
            raise RequestError(f"--cache {cache} decides from both guidance branches at once, so with the branches "
                               f"apart (--parallel cfg) it would make another clip; use --cache pab")
        self.parallel = parallel
        self.split: CfgSplit | None = None
        self.loras = [Lora.parse(text) for text in ([loras] if isinstance(loras, str) else loras)]
        self.fast = FastOptions.for_device(default_device(), dtype or self.family.dtype) if profile == "fast" else None
        self.image, self.video = image, video
        self.steps = steps or self.family.steps
        self.model = str(self.directory) if self.directory else None
        self.config_hash = config_hash(self.directory) if self.directory else hashlib.sha256(
            json.dumps(dict(pipeline.transformer.config), sort_keys=True, default=str).encode()).hexdigest()[:16]
        # the store keys clips by backend version: another model, architecture, step count, input photo or
        # clip, dtype or quantization makes another clip
        inputs = [self.family.name, self.config_hash, str(self.steps), dtype or self.family.dtype,
                  "int8" if profile == "lowvram" else "-",
                  *(["fast=" + ",".join(self.fast.names())] if self.fast else []),
                  *([f"cache={cache}"] if cache else []), *(lora.key for lora in self.loras),
                  *(file_sha256(Path(f))[1][:16] if f else "-" for f in (image, video))]
        self.version = "+".join([self.version, *inputs])
        self.pipe = pipeline
        self.placed = False
        self.device = "cpu"
        self._embeddings: dict[tuple[str, str], tuple] = {}
        if self.family.task == "i2v" and image is None:
            raise RequestError(f"{self.family.name} is an image-to-video model: give --image PHOTO")
        if video is not None and self.family.task != "t2v":
            raise RequestError(f"--video needs a text-to-video family; {self.family.name} is {self.family.task}")

    def check(self, spec: ShotSpec) -> None:
        """The family's rules, before any weight loads."""
        check_spec(self.family, spec.width, spec.height, spec.frames, spec.fps, spec.prompt_tokens)

    def load(self) -> None:
        """Load the pipeline once; later shots reuse it."""
        if self.placed:
            return
        import diffusers
        import torch

        self.device = default_device().type
        if self.gpu_memory is not None and self.device == "cuda":
            cap_gpu_memory(self.gpu_memory)
        self.profile = choose_profile(self.profile_name, self.family, self.device,
                                      gpu_free_gib(self.gpu_memory) if self.device == "cuda" else None)
        dtype = getattr(torch, self.dtype_name or self.family.dtype) if self.device == "cuda" else torch.float32
        if self.pipe is None:  # local files only: never a download
            self.pipe = getattr(diffusers, self.family.pipeline).from_pretrained(
                self.directory, dtype=dtype, local_files_only=True, transformer=self._transformer(dtype))
        else:
            dtype = self.pipe.transformer.dtype
        if self.video is not None:  # video-to-video shares every component of the loaded pipeline
            self.pipe = diffusers.CogVideoXVideoToVideoPipeline.from_pipe(self.pipe)
        self.pipe.set_progress_bar_config(disable=True)
        fuse_loras(self.pipe, self.loras)
        if self.cache:
            attach_cache(self.pipe, self.cache, self.steps)
        self.dtype = str(dtype).removeprefix("torch.")
        apply_profile(self.pipe, self.profile, self.device, self.fast, self.compile_cache)
        if self.parallel == "cfg":
            self.split = CfgSplit(self.pipe.transformer)
        self.placed = True
        log.info("Loaded %s from %s (%s, profile %s)", self.family.name, self.directory, self.dtype, self.profile)

    def generate(self, spec: ShotSpec, path: Path, progress: Progress | None = None) -> Clip:
        from fitcontent.media import encode_h264

        frames = self.frames(spec, progress)
        encode_h264(path, iter(frames), spec.width, spec.height, spec.fps)
        return Clip(path, spec.width, spec.height, spec.frames, spec.fps, self.name, self.model)

    def frames(self, spec: ShotSpec, progress: Progress | None = None) -> np.ndarray:
        """The shot's frames (uint8, frames x h x w x 3); out of GPU memory, retried one profile lower."""
        import torch

        self.check(spec)
        self.load()
        while True:
            try:
                started = time.perf_counter()
                if self.device == "cuda":
                    torch.cuda.reset_peak_memory_stats()
                frames = self._run(spec, progress)
                if self.profile == "fast" and self.fast and self.fast.compile and self.compile_cache:
                    save_compiled(compile_cache_file(self.compile_cache, self.fast, self.pipe.transformer))
                break
            except torch.cuda.OutOfMemoryError:
                if not self._step_down(spec):
                    raise
        self.last_run = {"seconds": round(time.perf_counter() - started, 3),
                         "peak_gpu_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2)
                         if self.device == "cuda" else None}
        return frames

    def _step_down(self, spec: ShotSpec) -> bool:
        """After running out of GPU memory: the next profile down (False at the bottom), keeping LoRAs
        and the step cache. Compiled blocks cannot run under the block-by-block placements' hooks, so ``fast``
        steps from ``offload`` to ``lowvram``, whose transformer loads afresh. Never under ``--parallel cfg``: the
        other process is in the middle of the same step."""
        import torch

        if self.split is not None:
            return False
        lower = next_profile(self.profile)
        compiled = self.fast is not None and self.fast.compile
        if lower in ("prefetch", "sequential") and compiled:
            lower = "lowvram"
        if lower is None:
            return False
        log.warning("%s: out of GPU memory under profile %s; retrying with %s", spec.id, self.profile, lower)
        self.profile = lower
        if quantization(lower) is not None:  # quantized as it loads: load the transformer again, with the LoRAs
            self.pipe.transformer = self._transformer(getattr(torch, self.dtype))
            fuse_loras(self.pipe, self.loras)
        if self.cache:  # a fresh transformer has no hooks; an old one's hold the failed run's state
            detach_cache(self.pipe)
            attach_cache(self.pipe, self.cache, self.steps)
        if self.device == "cuda":
            torch.cuda.empty_cache()
        apply_profile(self.pipe, lower, self.device)
        return True

    def _transformer(self, dtype):
        """The model directory's transformer, with the profile's load-time quantization (int8 for lowvram)."""
        import diffusers

        quantized = quantization(self.profile)
        if quantized is not None and self.directory is None:
            raise FitcontentError(f"profile {self.profile} quantizes the transformer as it loads: "
                                  f"give a model directory, not a pipeline in memory")
        return diffusers.CogVideoXTransformer3DModel.from_pretrained(
            self.directory, subfolder="transformer", dtype=dtype, local_files_only=True, quantization_config=quantized)

    def provenance(self) -> dict:
        """What the manifest records about how the last clip was made."""
        return {"family": self.family.name, "model": self.model, "config_hash": self.config_hash,
                "profile": getattr(self, "profile", None), "dtype": getattr(self, "dtype", None),
                "steps": self.steps, "guidance": self.family.guidance_scale,
                **({"fast": self.fast.names()} if self.fast else {}), **({"cache": self.cache} if self.cache else {}),
                **({"gpu_memory_gib": self.gpu_memory} if self.gpu_memory else {}),
                **({"parallel": self.parallel, "batch_per_process": self.split.share} if self.split else {}),
                **({"loras": [{"file": str(lora.file), "scale": lora.scale, "sha256": lora.sha256}
                              for lora in self.loras]} if self.loras else {}),
                **getattr(self, "last_run", {})}

    def _run(self, spec: ShotSpec, progress: Progress | None) -> np.ndarray:
        import torch

        steps = self.steps
        prompt_embeds, negative_embeds = self._encode(spec.prompt, spec.negative_prompt)
        inputs = {
            "prompt_embeds": prompt_embeds, "negative_prompt_embeds": negative_embeds,
            "height": spec.height, "width": spec.width, "num_inference_steps": steps,
            "guidance_scale": self.family.guidance_scale, "use_dynamic_cfg": self.family.dynamic_cfg,
            "generator": torch.Generator(device="cpu").manual_seed(spec.seed), "output_type": "np",
        }
        if progress:
            inputs["callback_on_step_end"] = lambda pipe, i, t, kwargs: (progress(i + 1, steps), kwargs)[1]
        if self.family.task == "pose":
            inputs["control_video"] = self._control_video(spec)
        elif self.video is not None:
            inputs.update(video=self._input_video(spec), strength=V2V_STRENGTH)
        else:
            inputs["num_frames"] = spec.frames
        if self.family.task == "i2v":
            from PIL import Image

            from fitcontent.generation.models import fit_image

            assert self.image is not None  # __init__ refuses an i2v family without an image
            inputs["image"] = fit_image(Image.open(self.image), self.family, spec.width, spec.height)
        video = self.pipe(**inputs).frames[0]
        return np.clip(np.rint(np.asarray(video) * 255), 0, 255).astype(np.uint8)

    def _encode(self, prompt: str, negative: str):
        """Prompt embeddings, computed once per (prompt, negative prompt) for the whole process. Without
        gradients: a graph kept alive by the cached embeddings would hold every T5 weight copied to the GPU
        (under sequential offload, 8.9 GiB the GPU never gets back)."""
        import torch

        key = (prompt, negative)
        if key not in self._embeddings:
            with torch.no_grad():
                self._embeddings[key] = self.pipe.encode_prompt(
                    prompt=prompt, negative_prompt=negative, do_classifier_free_guidance=True,
                    max_sequence_length=self.family.token_limit, device=self.pipe._execution_device)
        return self._embeddings[key]

    def _input_video(self, spec: ShotSpec):
        """The --video clip's first ``spec.frames`` frames at the spec's size (the last one repeated if short)."""
        import imageio_ffmpeg
        from PIL import Image

        reader = imageio_ffmpeg.read_frames(str(self.video))
        width, height = next(reader)["size"]
        frames = [Image.frombytes("RGB", (width, height), data) for data, _ in zip(reader, range(spec.frames),
                                                                                     strict=False)]
        reader.close()
        if not frames:
            raise FitcontentError(f"--video {self.video}: no frames could be decoded")
        frames += [frames[-1]] * (spec.frames - len(frames))
        return [f.resize((spec.width, spec.height), Image.Resampling.LANCZOS) for f in frames]

    def motion(self, spec: ShotSpec) -> ShotMotion:
        """The motion the catalog asks this shot for: the pose model follows it, the others are prompted with it."""
        return motion_for(self.catalog, spec.exercise, spec.variation, spec.form, spec.angle, spec.width,
                          spec.height, spec.frames, spec.fps)

    def _control_video(self, spec: ShotSpec):
        """The pose engine's DWPose whole-body control frames for this shot, at the model's geometry."""
        from PIL import Image

        from fitcontent.pose.control import render_control

        motion = self.motion(spec)
        return [Image.fromarray(render_control(motion.camera, joints)) for joints in motion.track.joints]


def default_device():
    """The CUDA GPU when there is one, else the CPU."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def config_hash(directory: Path) -> str:
    """A digest of the pipeline's JSON configs: which architecture and scheduler made a clip."""
    digest = hashlib.sha256()
    for config in sorted(directory.rglob("*.json")):
        if config.name != "tokenizer.json":
            digest.update(config.relative_to(directory).as_posix().encode())
            digest.update(config.read_bytes())
    return digest.hexdigest()[:16]
