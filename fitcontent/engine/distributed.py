"""Executors over several processes: accelerate's process state, one process per GPU.

Start the same build in each process (``accelerate launch -m fitcontent build ... --executor accelerate``,
or ``torchrun``). Each process loads its model once and makes its share of the items, balanced by cost
(frames x pixels: the longest first, onto the least loaded process); the store takes their files safely
(atomic, locked). Then every process receives every outcome, so renders are planned from all the clips
and the main process alone writes the manifest: the same files and manifest as one process makes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from fitcontent.engine.executor import LocalExecutor, Outcome, ShotProgress, WorkItem, Workshop

log = logging.getLogger(__name__)


def balanced_shares(costs: Sequence[float], parts: int) -> list[list[int]]:
    """The indices of ``costs`` in ``parts`` lists of near-equal total cost, each in index order."""
    loads = [0.0] * parts
    shares: list[list[int]] = [[] for _ in range(parts)]
    for index in sorted(range(len(costs)), key=lambda i: (-costs[i], i)):
        lightest = min(range(parts), key=lambda p: (loads[p], p))
        shares[lightest].append(index)
        loads[lightest] += costs[index]
    return [sorted(share) for share in shares]


class AccelerateExecutor:
    """This process's share of every run, by accelerate's process state (gloo between CPU processes)."""

    def __init__(self) -> None:
        import torch
        from accelerate import PartialState

        self.state = PartialState(cpu=not torch.cuda.is_available())
        self.is_main = self.state.is_main_process

    def run(self, items: Sequence[WorkItem], shop: Workshop, progress: ShotProgress, what: str = "shots",
            workers: int = 1) -> list[Outcome]:
        from accelerate.utils import gather_object

        index, count = self.state.process_index, self.state.num_processes
        mine = balanced_shares([item.cost for item in items], count)[index]
        log.info("process %d of %d: %d of %d %s", index, count, len(mine), len(items), what)
        outcomes = LocalExecutor().run([items[i] for i in mine], shop, progress if self.is_main else ShotProgress(),
                                       what, workers)
        everyone = dict(gather_object(list(zip(mine, outcomes, strict=True))))
        return [everyone[i] for i in range(len(items))]
