"""Kill rounds at full count: a build, a course export and a marketing export, each SIGKILLed at a seeded
random moment and run again, then checked (tests/robustness/kills.py). The tests run 3 rounds of each.

Usage: .venv/bin/python benchmarks/kill_rounds.py [ROUNDS]   (default 20 of each)
Writes benchmarks/results/kill_rounds.json: rounds tried and passed per command, and each failure's reason.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.robustness.kills import (  # noqa: E402
    BUILD,
    course_problems,
    dist_problems,
    kill_then_rerun,
    marketing_problems,
    timed,
)


def main(rounds: int) -> None:
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        env = {"FITCONTENT_CACHE": str(root / "warm-cache"), "PATH": "/usr/bin:/bin"}
        took = {"build": timed([*BUILD, "--out", "dist"], root, env),
                "course": timed(["export", "course", "dist", "--out", "course"], root, env),
                "marketing": timed(["export", "marketing", "dist", "--out", "social"], root, env)}
        commands = {
            "build": ([*BUILD, "--out", "dist"], dist_problems, "dist", True),
            "course": (["export", "course", "dist", "--out", "course"], course_problems, "course", False),
            "marketing": (["export", "marketing", "dist", "--out", "social"], marketing_problems, "social", False),
        }
        for name, (args, problems_of, folder, fresh_store) in commands.items():
            failures = []
            for seed in range(rounds):
                place = root / f"{name}-{seed}"
                place.mkdir()
                run_env = {**env, "FITCONTENT_CACHE": str(place / "cache")} if fresh_store else env
                if not fresh_store:
                    shutil.copytree(root / "dist", place / "dist")
                try:
                    kill_then_rerun(args, place, run_env, seed, took[name] * (1.5 if fresh_store else 1.0))
                    found = problems_of(place / folder)
                except AssertionError as exc:
                    found = [str(exc)]
                if found:
                    failures.append({"seed": seed, "problems": found})
                shutil.rmtree(place)
            results[name] = {"tried": rounds, "passed": rounds - len(failures), "seconds_whole": round(took[name], 2),
                             "failures": failures}
            print(f"{name:<10} {rounds - len(failures)}/{rounds} rounds passed (whole run {took[name]:.1f} s)")
    out = ROOT / "benchmarks" / "results" / "kill_rounds.json"
    out.write_text(json.dumps({"date": date.today().isoformat(), "rounds": rounds, "results": results}, indent=2)
                   + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
