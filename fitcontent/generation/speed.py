"""The ``fast`` profile's options, each one measured against stock diffusers (benchmarks/gpu_cogvideox.py).

- ``fuse_qkv``: one projection for query, key and value (diffusers' ``fuse_qkv_projections``).
- ``fp8_linears``: the transformer blocks' linear layers in float8, weights and activations scaled per row
  (torchao's ``Float8DynamicActivationFloat8WeightConfig``), on GPUs with FP8 tensor cores.
- ``compile``: each transformer block compiled with ``torch.compile`` (the blocks share one graph); the
  compiled artifacts are saved beside the store and loaded by the next process, so the compile cost is
  paid once per machine and torch version.
- ``attention``: the kernel of the blocks' attention. ``sdpa`` (the default) is PyTorch's, cuDNN on Hopper:
  an FP8 Triton kernel and FlexAttention, dense and block-sparse, were measured no faster at these shapes
  (benchmarks/RESULTS.md). ``sage`` is SageAttention 2 (INT8 QK, FP8 PV), built from source for the GPU
  (benchmarks/build_sageattention.sh): ``fast`` with it ran 5B at 1.65x stock per step on an H200 (1.46x
  without it, in another run); off by default until its frames over 50 steps are measured against the
  README's bound.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fitcontent.errors import FitcontentError
from fitcontent.store import atomic_write_bytes

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)
ATTENTION_KERNELS = ("sdpa", "sage")


@dataclass(frozen=True)
class FastOptions:
    fuse_qkv: bool = True
    fp8_linears: bool = True
    compile: bool = True
    attention: str = "sdpa"

    @classmethod
    def for_device(cls, device: torch.device, dtype: str) -> FastOptions:
        """Every option the device and weights run well: fp8 linears need FP8 tensor cores (compute
        capability 8.9+) and bfloat16 weights (torchao's per-row scaling), compiling needs CUDA (on the CPU
        it costs more than it saves for one clip)."""
        import torch

        cuda = device.type == "cuda"
        fp8 = cuda and dtype == "bfloat16" and torch.cuda.get_device_capability(device) >= (8, 9)
        return cls(fuse_qkv=True, fp8_linears=fp8, compile=cuda)

    def names(self) -> list[str]:
        """The options that are on; a kernel other than SDPA as ``attention=NAME``."""
        return [name if on is True else f"{name}={on}" for name, on in asdict(self).items()
                if on and on != "sdpa"]


def apply_fast(transformer, options: FastOptions, compile_cache: Path | None = None) -> None:
    """Apply ``options`` to a CogVideoX transformer in place, once (a second call changes nothing);
    ``compile_cache``: the folder of :func:`compile_cache_file`."""
    if getattr(transformer, "fast_options", None) is not None:
        return
    kernel = attention_kernel(options.attention) if options.attention != "sdpa" else None  # before any change
    transformer.fast_options = options
    if options.fuse_qkv:
        transformer.fuse_qkv_projections()
        for block in transformer.transformer_blocks:  # the fused projection replaces them: free their weights
            del block.attn1.to_q, block.attn1.to_k, block.attn1.to_v
    if options.fp8_linears:
        quantize_linears(transformer)
    if kernel is not None:
        swap_attention(transformer, kernel)
    if options.compile:
        if compile_cache is not None:
            load_compiled(compile_cache_file(compile_cache, options, transformer))
        whole = not transformer.is_cache_enabled  # cache hooks decide in Python, between graphs
        for block in transformer.transformer_blocks:
            block.compile(fullgraph=whole, dynamic=False)
    log.info("fast profile: %s", ", ".join(options.names()) or "no options")


def quantize_linears(transformer) -> None:
    """The transformer blocks' token-wise linear layers to float8 with per-row scales (torchao); the
    adaptive norms' linears see one row per sample and stay in bf16."""
    import torch

    try:
        from torchao.quantization import Float8DynamicActivationFloat8WeightConfig, PerRow, quantize_
    except ImportError:
        raise FitcontentError("fp8 linears need torchao: pip install torchao") from None
    for block in transformer.transformer_blocks:
        quantize_(block, Float8DynamicActivationFloat8WeightConfig(granularity=PerRow()),
                  filter_fn=lambda module, name: isinstance(module, torch.nn.Linear) and "norm" not in name)


def attention_kernel(name: str) -> Callable[..., Any]:
    """An attention function with SDPA's signature, by name (one of :data:`ATTENTION_KERNELS`)."""
    if name not in ATTENTION_KERNELS:
        raise FitcontentError(f"unknown attention kernel {name!r}: choose one of {', '.join(ATTENTION_KERNELS)}")
    if name == "sdpa":
        import torch

        return torch.nn.functional.scaled_dot_product_attention
    try:
        from sageattention import sageattn
    except ImportError:
        raise FitcontentError("attention sage needs SageAttention 2 built for this GPU: "
                              "bash benchmarks/build_sageattention.sh SOURCE_DIR") from None
    return opaque_attention("sage_attention", lambda query, key, value, is_causal, scale: sageattn(
        query, key, value, tensor_layout="HND", is_causal=is_causal, sm_scale=scale))


_OPERATORS: dict[str, Any] = {}


def _operator(name: str, kernel: Callable[..., Any]):
    """The registered operator ``fitcontent::NAME``, registered with ``kernel`` on first use."""
    import torch

    if name not in _OPERATORS:
        operator = torch.library.custom_op(f"fitcontent::{name}", kernel, mutates_args=(),
                                           schema="(Tensor query, Tensor key, Tensor value, bool is_causal, "
                                                  "float? scale) -> Tensor")
        operator.register_fake(lambda query, key, value, is_causal, scale: torch.empty_like(query))
        _OPERATORS[name] = operator
    return _OPERATORS[name]


def opaque_attention(name: str, kernel: Callable[..., Any]) -> Callable[..., Any]:
    """``kernel(query, key, value, is_causal, scale)`` as the operator ``fitcontent::NAME`` behind SDPA's
    signature: torch.compile calls it whole instead of tracing into it (SageAttention's quantization calls
    bindings that dynamo cannot trace). One operator per name for the process: a name takes one kernel."""
    operator = _operator(name, kernel)

    def attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
        if attn_mask is not None or dropout_p:
            raise FitcontentError(f"attention {name} takes no attention mask or dropout")
        return operator(query, key, value, is_causal, scale)

    return attention


@functools.cache
def _sdpa_swap():
    """The torch function mode that runs a kernel in place of SDPA: one class for the process, so compiled
    blocks share their graph (a class per block would fail dynamo's guards in every block)."""
    from torch.nn.functional import scaled_dot_product_attention
    from torch.overrides import TorchFunctionMode

    class SdpaSwap(TorchFunctionMode):
        def __init__(self, kernel: Callable[..., Any]) -> None:
            super().__init__()
            self.kernel = kernel

        def __torch_function__(self, func, types, args=(), kwargs=None):
            if func is scaled_dot_product_attention:
                return self.kernel(*args, **(kwargs or {}))
            return func(*args, **(kwargs or {}))

    return SdpaSwap


class SwappedAttention:
    """A diffusers attention processor whose ``F.scaled_dot_product_attention`` call runs ``kernel`` instead
    (CogVideoX's processors call SDPA directly, so diffusers' attention-backend switch does not reach them).
    The swap is a torch function mode held only during the call, so torch.compile traces through it."""

    def __init__(self, inner, kernel: Callable[..., Any]) -> None:
        self.inner, self.kernel, self.swap = inner, kernel, _sdpa_swap()

    def __call__(self, attn, hidden_states, encoder_hidden_states, attention_mask=None, image_rotary_emb=None):
        # the CogVideoX processors' own parameters: diffusers drops keyword arguments a processor does not name
        with self.swap(self.kernel):
            return self.inner(attn, hidden_states, encoder_hidden_states, attention_mask, image_rotary_emb)


def swap_attention(transformer, kernel: Callable[..., Any]) -> None:
    """Each transformer block's attention runs ``kernel`` (SDPA's signature) in place of SDPA."""
    for block in transformer.transformer_blocks:
        block.attn1.set_processor(SwappedAttention(block.attn1.processor, kernel))


def compile_cache_file(directory: Path, options: FastOptions, transformer) -> Path:
    """Where compiled artifacts are kept: one file per torch version, GPU, architecture, option set and
    cache hooks (so one model's compile never replaces another's)."""
    import torch

    device = transformer.device
    gpu = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    architecture = json.dumps(dict(transformer.config), sort_keys=True, default=str)
    text = f"{torch.__version__}|{gpu}|{architecture}|{options.names()}|{transformer.is_cache_enabled}"
    return directory / f"compiled-{hashlib.sha256(text.encode()).hexdigest()[:16]}.bin"


def load_compiled(path: Path) -> None:
    """Load the artifacts an earlier process saved (none yet, or unreadable: compile afresh, logged)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("compile cache %s unreadable (%s); compiling afresh", path, exc)
        return
    import torch

    try:
        loaded = torch.compiler.load_cache_artifacts(data)  # None (torch logs why) when it cannot read them
    except Exception as exc:  # a cache from another build of torch
        log.debug("compile cache %s: %s: %s", path, type(exc).__name__, exc)
        loaded = None
    if loaded is None:
        log.warning("compile cache %s not loadable; compiling afresh (it is rewritten afterwards)", path)


def save_compiled(path: Path) -> None:
    """Save this process's compiled artifacts (those it loaded included), when they differ from the file's."""
    import torch

    artifacts = torch.compiler.save_cache_artifacts()
    if artifacts is None:
        return
    data = artifacts[0]
    try:
        if path.is_file() and path.read_bytes() == data:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, data)
    except OSError as exc:
        log.warning("compile cache %s not saved (%s)", path, exc)
