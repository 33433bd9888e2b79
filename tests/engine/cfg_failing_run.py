"""``fitcontent`` in a torchrun process whose second clip fails in process 1 only
(tests/engine/test_cfg_parallel.py): the other process is then waiting for it in the middle of a step."""

import os

from fitcontent.cli import main
from fitcontent.generation.cogvideox import CogVideoXBackend

started: list[str] = []
real_run = CogVideoXBackend._run


def failing_run(self, spec, progress):
    started.append(spec.id)
    if os.environ["RANK"] == "1" and len(started) == 2:
        raise RuntimeError("planted failure")
    return real_run(self, spec, progress)


CogVideoXBackend._run = failing_run
main()
