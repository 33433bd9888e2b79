"""LoRA adapters (``--lora PATH[:SCALE]``, several at once): style LoRAs, and step-distilled ones that make a
clip in 4-8 steps (give ``--steps`` to match). Loaded through diffusers (peft), then fused into the
transformer's weights, so a clip costs no more per step and the ``fast`` profile compiles the fused model.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fitcontent.errors import FitcontentError, RequestError
from fitcontent.store import hashed


@dataclass(frozen=True)
class Lora:
    file: Path  # the .safetensors weights
    scale: float
    sha256: str

    @classmethod
    def parse(cls, text: str) -> Lora:
        """``PATH`` or ``PATH:SCALE``; PATH is a .safetensors file or a folder holding exactly one."""
        path, scale = text, 1.0
        head, sep, tail = text.rpartition(":")
        if sep and head:
            try:
                path, scale = head, float(tail)
            except ValueError:
                path = text
        location = Path(path).expanduser()
        if location.is_dir():
            found = sorted(location.glob("*.safetensors"))
            if len(found) != 1:
                raise RequestError(f"--lora {text}: the folder holds {len(found)} .safetensors files; name one")
            location = found[0]
        if not location.is_file():
            raise RequestError(f"--lora {text}: no such file or folder")
        if not -10 <= scale <= 10:
            raise RequestError(f"--lora {text}: scale {scale} is outside -10..10")
        return cls(location, scale, hashed(location)[1])

    @property
    def key(self) -> str:
        """What the clip store keys on: the weights' content and the scale."""
        return f"lora={self.sha256[:16]}x{self.scale:g}"


def fuse_loras(pipe, loras: list[Lora]) -> None:
    """Load ``loras`` into the pipeline's transformer at their scales and fuse them into its weights."""
    if not loras:
        return
    names = [f"lora{i}" for i in range(len(loras))]
    for name, lora in zip(names, loras, strict=True):
        try:
            pipe.load_lora_weights(str(lora.file.parent), weight_name=lora.file.name, adapter_name=name,
                                   local_files_only=True)
        except (ValueError, KeyError, RuntimeError, OSError) as exc:
            raise FitcontentError(f"--lora {lora.file}: cannot be applied to this model ({_first_line(exc)})") from None
    try:
        pipe.set_adapters(names, adapter_weights=[lora.scale for lora in loras])
        pipe.fuse_lora(components=["transformer"], adapter_names=names)
        pipe.unload_lora_weights()
    except (ValueError, KeyError, RuntimeError) as exc:
        files = ", ".join(str(lora.file) for lora in loras)
        raise FitcontentError(f"--lora {files}: cannot be fused into this model ({_first_line(exc)})") from None


def _first_line(exc: Exception) -> str:
    return (str(exc).splitlines()[0] if str(exc) else type(exc).__name__)[:300]
