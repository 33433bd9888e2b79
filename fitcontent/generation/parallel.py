"""One clip over two processes: classifier-free guidance's two branches on two GPUs (``--parallel cfg``).

Every process runs the same pipeline call, step for step. At each denoising step the pipeline hands the
transformer a batch of two (unconditional, conditional); :class:`CfgSplit` gives each process its half and
gathers the halves of the output, so every process goes on with the whole noise prediction and the same
latents. Each transformer call does half the work; the exchange is one output tensor a step.
"""

from __future__ import annotations

from typing import Any

from fitcontent.errors import RequestError

PROCESSES = 2
"""One process per branch of classifier-free guidance."""


def check_processes(found: int) -> None:
    """Refuse a run that does not have one process per guidance branch."""
    if found != PROCESSES:
        raise RequestError(f"--parallel cfg runs each clip on {PROCESSES} processes, one per guidance branch; "
                           f"this run has {found}: start it with accelerate launch --num_processes {PROCESSES} "
                           f"(or torchrun --nproc_per_node {PROCESSES}) and --executor accelerate")


class CfgSplit:
    """Hooks on ``transformer`` that run this process's share of each batch and gather the others'."""

    def __init__(self, transformer: Any) -> None:
        import torch.distributed as dist

        check_processes(dist.get_world_size() if dist.is_initialized() else 1)
        self.rank = dist.get_rank()
        self.share = 0  # the batch this process's transformer ran at its last call
        self.handles = [transformer.register_forward_pre_hook(self._split, with_kwargs=True),
                        transformer.register_forward_hook(self._gather, with_kwargs=True)]

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()
        self.handles = []

    def _split(self, module: Any, args: tuple, kwargs: dict) -> tuple[tuple, dict]:
        """Each tensor argument batched like ``hidden_states`` cut to this process's share (the rotary
        embedding, a pair of tensors, is the same for every sample)."""
        hidden = kwargs["hidden_states"] if "hidden_states" in kwargs else args[0]
        batch = hidden.shape[0]
        if batch % PROCESSES:
            raise RuntimeError(f"--parallel cfg splits a batch of {batch} over {PROCESSES} processes; "
                               f"it needs classifier-free guidance (a batch of 2 a prompt)")
        share = self.share = batch // PROCESSES
        start = self.rank * share

        def cut(value: Any) -> Any:
            batched = hasattr(value, "shape") and len(value.shape) > 0 and value.shape[0] == batch
            return value[start:start + share] if batched else value

        return tuple(cut(a) for a in args), {k: cut(v) for k, v in kwargs.items()}

    def _gather(self, module: Any, args: tuple, kwargs: dict, output: Any) -> Any:
        import torch
        import torch.distributed as dist

        sample = output[0] if isinstance(output, tuple) else output.sample
        sample = sample.contiguous()
        parts = [torch.empty_like(sample) for _ in range(PROCESSES)]
        dist.all_gather(parts, sample)
        whole = torch.cat(parts)
        return (whole, *output[1:]) if isinstance(output, tuple) else type(output)(sample=whole)
