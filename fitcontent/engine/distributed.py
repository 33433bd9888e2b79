"""Executors over several processes and machines.

:class:`AccelerateExecutor`: the same build started in each process, one per GPU (``accelerate launch
--multi_gpu -m fitcontent build ... --executor accelerate``, or ``torchrun``). Each process loads its model
once and makes its share of the items, balanced by cost (frames x pixels: the longest first, onto the
least loaded process); the store takes their files safely (atomic, locked). Then every process receives
every outcome, so renders are planned from all the clips and the main process alone writes the manifest:
the same files and manifest as one process makes.

:class:`RayExecutor`: one driver sends items as tasks to Ray actors, one per GPU (``num_gpus=1``) or, on a
machine without GPUs, one per CPU; each actor holds its own copy of the workshop, so its model loads once.
An actor that dies is restarted and its shot retried, twice at most; the files land in the shared store
and dist/, and the driver reports progress and writes the manifest.

:class:`CfgParallelExecutor` (``--parallel cfg``): two processes make every clip together, one guidance
branch each, so each transformer call does half the work; renders are shared out as above.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fitcontent.engine.executor import LocalExecutor, Outcome, ShotProgress, WorkItem, Workshop, run_item
from fitcontent.engine.work import ClipWork
from fitcontent.errors import FitcontentError, RequestError
from fitcontent.generation.parallel import check_processes
from fitcontent.store import Store

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


GATHER_HOURS = 48
"""How long a process waits for the others to finish their shares."""


class AccelerateExecutor:
    """This process's share of every run, by accelerate's process state (gloo between CPU processes)."""

    name = "accelerate"

    def __init__(self) -> None:
        from datetime import timedelta

        import torch
        from accelerate import PartialState

        # a process whose share is done waits in a collective for the others' clips: minutes each, so no
        # default 10-minute watchdog
        self.state = PartialState(cpu=not torch.cuda.is_available(), timeout=timedelta(hours=GATHER_HOURS))
        self.is_main = self.state.is_main_process
        self.workers = self.state.num_processes

    def close(self) -> None:
        """Leave the process group (gloo's threads, left running, abort the process at exit)."""
        import torch

        if torch.distributed.is_initialized():
            self.state.wait_for_everyone()
            torch.distributed.destroy_process_group()

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


class CfgParallelExecutor(AccelerateExecutor):
    """Every clip made by both processes at once, step for step, each running one branch of classifier-free
    guidance (the backend's ``parallel="cfg"`` splits the transformer's batch). The main process decides
    what the store already has, stores and publishes; the other makes the same clip beside it and throws its
    copy away. Renders are shared out by cost, as :class:`AccelerateExecutor` does.

    The processes must run every step together, so a clip that fails in either stops the run (with a
    FitcontentError): finished clips are in the store, and a rerun goes on from there. The process left
    waiting in a step is ended by the launcher (torchrun and accelerate launch stop every process once
    one fails), or by gloo when its peer is gone."""

    name = "accelerate, parallel cfg"

    def __init__(self) -> None:
        super().__init__()
        self.failed = False
        try:
            check_processes(self.state.num_processes)
        except RequestError:
            self.close()
            raise

    def run(self, items: Sequence[WorkItem], shop: Workshop, progress: ShotProgress, what: str = "shots",
            workers: int = 1) -> list[Outcome]:
        if not all(isinstance(item, ClipWork) for item in items):
            return super().run(items, shop, progress, what, workers)
        progress = progress if self.is_main else ShotProgress()
        progress.start(len(items), what)
        outcomes = []
        try:
            for item in items:
                outcome = self._together(item, shop, progress)
                progress.done(item, "failed" if outcome.error else "cached" if outcome.cached else "built")
                outcomes.append(outcome)
        except BaseException:  # the other process may be waiting in a step: close() must not wait for it
            self.failed = True
            raise
        finally:
            progress.close()
        return outcomes

    def _together(self, item: WorkItem, shop: Workshop, progress: ShotProgress) -> Outcome:
        """One clip: from the store (the main process looks, once), or made by both processes; the main
        process's outcome, in both."""
        from accelerate.utils import broadcast_object_list

        entry = shop.store.get(item.key()) if self.is_main and shop.use_cache else None
        stored = [entry is not None]
        broadcast_object_list(stored)
        if stored[0] and not self.is_main:
            outcome = None
        elif self.is_main:
            outcome = run_item(item, shop, progress, look_up=False, found=entry)
        else:
            outcome = self._alongside(item, shop)
        if outcome is not None and outcome.error and not stored[0]:
            raise FitcontentError(f"{item.id}: {outcome.error}; --parallel cfg stops at a failed clip, as both "
                                  f"processes run every step together. Finished clips are in the store: run "
                                  f"the build again to go on")
        shared = [outcome.model_copy(update={"seconds": outcome.seconds * self.state.num_processes})
                  if self.is_main and outcome else None]
        broadcast_object_list(shared)
        assert shared[0] is not None  # the main process always has an outcome
        return shared[0]

    @staticmethod
    def _alongside(item: WorkItem, shop: Workshop) -> Outcome:
        """The other process's part: the same clip, made into a temporary folder and thrown away."""
        with tempfile.TemporaryDirectory(prefix="fitcontent-cfg-") as folder:
            try:
                item.make(Path(folder) / f"clip.{item.suffix}", shop, None)
            except Exception as exc:  # reported by the caller, which stops the run
                log.error("%s failed: %s", item.id, exc)
                return Outcome(id=item.id, error=str(exc))
        return Outcome(id=item.id)

    def close(self) -> None:
        """Leave the process group; after a failed clip, without waiting for the other process, which may
        be in the middle of a step that will never finish."""
        import torch

        if self.failed and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()
        super().close()


RETRIES = 2
"""How often a shot whose actor died is retried before it counts as failed (actors restart without limit)."""


class _Worker:
    """A Ray actor's state: its own copy of the workshop (the model loads once, on its first clip)."""

    def __init__(self, shop: Workshop) -> None:
        self.shop = shop

    def pid(self) -> int:
        import os

        return os.getpid()

    def run(self, index: int, item: WorkItem) -> tuple[int, Outcome]:
        return index, run_item(item, self.shop, ShotProgress())


class RayExecutor:
    """Items as tasks on Ray actors; without ``address``, a local Ray instance sized to this machine."""

    name = "ray"
    is_main = True

    def __init__(self, address: str | None = None, workers: int | None = None) -> None:
        import ray

        self.started = not ray.is_initialized()
        if self.started:
            ray.init(address=address, include_dashboard=False, logging_level=logging.WARNING)
        resources = ray.available_resources()  # what is free now: actors that cannot be placed would wait forever
        self.gpus = int(resources.get("GPU", 0))
        self.workers = workers or self.gpus or int(resources.get("CPU", 1))
        if self.gpus and self.workers > self.gpus:
            raise RequestError(f"{self.workers} Ray workers need a GPU each; the cluster has {self.gpus} free")
        self.actors: list = []
        self.shop: Workshop | None = None
        self.shipped: Any = None  # the ObjectRef of the shipped workshop

    def _actors_for(self, shop: Workshop) -> list:
        """One actor per worker, made once per workshop; paths made absolute for processes elsewhere."""
        import ray

        if self.shop is not shop:
            self.shop = shop
            shipped = dataclasses.replace(shop, out=shop.out.resolve(), store=Store(shop.store.root.resolve()))
            self.shipped = ray.put(shipped)  # held here: a restarted actor is made from it again
            actor = ray.remote(num_gpus=1 if self.gpus else 0, num_cpus=0 if self.gpus else 1,
                               max_restarts=-1, max_task_retries=RETRIES)(_Worker)
            self.actors = [actor.remote(self.shipped) for _ in range(self.workers)]
        return self.actors

    def worker_pids(self) -> list[int]:
        import ray

        return ray.get([actor.pid.remote() for actor in self.actors])

    def run(self, items: Sequence[WorkItem], shop: Workshop, progress: ShotProgress, what: str = "shots",
            workers: int = 1) -> list[Outcome]:
        progress.start(len(items), what)
        try:
            return self._run(items, self._actors_for(shop), progress)
        finally:
            progress.close()

    def _run(self, items: Sequence[WorkItem], actors: list, progress: ShotProgress) -> list[Outcome]:
        import ray

        idle = list(actors)
        queue = sorted(range(len(items)), key=lambda i: (-items[i].cost, i))  # the longest first
        pending: dict = {}
        outcomes: dict[int, Outcome] = {}
        while queue or pending:
            while idle and queue:
                actor, index = idle.pop(), queue.pop(0)
                pending[actor.run.remote(index, items[index])] = (index, actor)
            if not pending:  # every actor is gone: what is left fails
                for index in queue:
                    outcomes[index] = Outcome(id=items[index].id, error="no Ray worker left")
                break
            (ready,), _ = ray.wait(list(pending), num_returns=1)
            index, actor = pending.pop(ready)
            try:
                outcomes[index] = ray.get(ready)[1]
                idle.append(actor)
            except ray.exceptions.RayActorError as exc:  # its shot was retried RETRIES times; the actor is lost
                outcomes[index] = Outcome(id=items[index].id, error=f"Ray worker lost: {_first_line(exc)}")
            except ray.exceptions.RayError as exc:  # the task failed, the actor lives
                outcomes[index] = Outcome(id=items[index].id, error=_first_line(exc))
                idle.append(actor)
            outcome = outcomes[index]
            progress.done(items[index], "failed" if outcome.error else "cached" if outcome.cached else "built")
        return [outcomes[i] for i in range(len(items))]

    def close(self) -> None:
        """End the actors, and the Ray instance if this executor started it."""
        import ray

        for actor in self.actors:
            ray.kill(actor)
        self.actors, self.shop, self.shipped = [], None, None
        if self.started:
            ray.shutdown()


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
