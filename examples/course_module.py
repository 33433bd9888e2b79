"""A course platform plans a module: one lesson per movement, every angle, each common error.

Run: python examples/course_module.py [movement ...]   (default: squat lunge)
"""

from __future__ import annotations

import sys
from itertools import groupby

import fitcontent


def main(movements: list[str]) -> None:
    catalog = fitcontent.load_catalog()
    plan = fitcontent.plan(fitcontent.make_request(exercises=movements, angles="all"), catalog=catalog)
    for exercise, shots in groupby(plan.shots, key=lambda shot: shot.exercise):
        movement = catalog.movements[exercise]
        shots = list(shots)
        print(f"Lesson: {movement.name.en} / {movement.name.zh}  ({len(shots)} clips)")
        print("  Muscles:", ", ".join(movement.muscles.primary))
        for cue in movement.cues:
            print(f"  Cue [{cue.phase}]: {cue.en}")
        for shot in shots:
            print(f"  {shot.id:<48} {shot.seconds:.1f} s  seed {shot.seed}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["squat", "lunge"])
