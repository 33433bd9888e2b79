"""Which CogVideoX models are on this machine, whether a directory holds a usable one, and `doctor`."""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path
from typing import Any

from fitcontent.errors import FitcontentError
from fitcontent.generation.models import FAMILIES, Family

COMPONENTS = ("transformer", "vae", "text_encoder", "tokenizer", "scheduler")


def _size_gib(directory: Path) -> float:
    return round(sum(p.stat().st_size for p in directory.rglob("*") if p.is_file()) / 2**30, 2)


def check_model(directory: Path) -> dict[str, Any]:
    """Facts of a pipeline directory, or one error naming everything that is missing."""
    from fitcontent.generation.cogvideox import config_hash, detect_family

    directory = Path(directory)
    if not (directory / "model_index.json").is_file():
        raise FitcontentError(f"{directory}: no model_index.json; not a diffusers pipeline directory")
    missing = [c for c in COMPONENTS if not (directory / c).is_dir()]
    weights = [c for c in ("transformer", "vae", "text_encoder") if c not in missing
               and not any((directory / c).glob("*.safetensors")) and not any((directory / c).glob("*.bin"))]
    if missing or weights:
        problems = [f"missing {', '.join(missing)}"] if missing else []
        problems += [f"no weights in {', '.join(weights)}"] if weights else []
        raise FitcontentError(f"{directory}: {'; '.join(problems)} (an interrupted download? run it again)")
    fam = detect_family(directory)
    pipeline = json.loads((directory / "model_index.json").read_text(encoding="utf-8")).get("_class_name")
    return {"directory": str(directory), "family": fam.name, "pipeline": pipeline, "size_gib": _size_gib(directory),
            "config_hash": config_hash(directory)}


def local_models() -> dict[str, dict[str, Any]]:
    """Each family found locally: in FITCONTENT_MODEL_DIR or in the Hugging Face cache (newest revision)."""
    found: dict[str, dict[str, Any]] = {}
    candidates = [Path(os.environ["FITCONTENT_MODEL_DIR"])] if os.environ.get("FITCONTENT_MODEL_DIR") else []
    from fitcontent.generation.cogvideox import cached_of, cached_snapshots

    cached = cached_snapshots()
    for fam in FAMILIES.values():
        candidates += cached_of(fam, cached)
    for candidate in candidates:
        try:
            facts = check_model(candidate)
        except (FitcontentError, OSError, ValueError, KeyError):
            continue
        found.setdefault(facts["family"], facts)
    return found


def geometry(fam: Family) -> str:
    return f"{fam.width}x{fam.height}, {fam.frame_step}N+1 <= {fam.max_frames} frames, {fam.fps} fps"


def doctor() -> list[tuple[str, str]]:
    """(check, finding) lines about this machine: what a build would run on."""
    import sys

    lines = [("python", f"{platform.python_version()} ({sys.executable})")]
    device = None  # where the cogvideox backend would run; None without torch
    try:
        import torch
    except ImportError:
        lines.append(("torch", "not installed: pip install torch (the cogvideox backend needs it)"))
    else:
        lines.append(("torch", torch.__version__))
        if torch.cuda.is_available():
            device = "cuda"
            free, total = torch.cuda.mem_get_info()
            name = torch.cuda.get_device_name(0)
            lines.append(("gpu", f"{name}, {free / 2**30:.1f} of {total / 2**30:.1f} GiB free"))
        else:
            device = "cpu"
            lines.append(("gpu", "no CUDA device: the cogvideox backend would run on the CPU (tiny models only)"))
    for module in ("diffusers", "transformers", "accelerate"):
        try:
            lines.append((module, __import__(module).__version__))
        except ImportError:
            lines.append((module, "not installed: pip install 'fitcontent[gpu]'"))
    import imageio_ffmpeg

    lines.append(("ffmpeg", f"{imageio_ffmpeg.get_ffmpeg_version()} ({imageio_ffmpeg.get_ffmpeg_exe()})"))
    try:
        from fitcontent.fonts import default_font

        font = default_font()
        lines.append(("font", f"{font.path.name} face {font.index} (English and Chinese)"))
    except FitcontentError as exc:
        lines.append(("font", str(exc)))
    models = local_models()
    lines.append(("models", ", ".join(f"{name} in {facts['directory']}" for name, facts in models.items())
                  or "none found (FITCONTENT_MODEL_DIR, Hugging Face cache); the preview backend needs none"))
    if device is not None:
        from fitcontent.generation.profiles import choose_profile

        for name in models or ["cogvideox-5b"]:
            lines.append((f"profile auto ({name})", choose_profile("auto", FAMILIES[name], device)))
    return lines
