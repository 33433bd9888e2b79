"""Start-up cost of the CLI: `fitcontent --help` and `plan` against a bare Python start, in one run.

Usage: .venv/bin/python benchmarks/startup.py [runs]
Prints the median wall time of each command over interleaved runs and its ratio to `python -c pass`.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "fitcontent --help": [str(BIN / "fitcontent"), "--help"],
    "fitcontent plan squat --angles all": [str(BIN / "fitcontent"), "plan", "squat", "--angles", "all"],
    "fitcontent plan all --angles all --variations all --format json":
        [str(BIN / "fitcontent"), "plan", "all", "--angles", "all", "--variations", "all", "--format", "json"],
    "fitcontent catalog validate": [str(BIN / "fitcontent"), "catalog", "validate"],
}


def main(runs: int) -> None:
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(runs + 1):  # the first round warms the file cache and is dropped
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python -c pass"][1:])
    print(f"{'command':<66} {'median s':>9} {'x python':>9}")
    for name, samples in times.items():
        median = statistics.median(samples[1:])
        print(f"{name:<66} {median:>9.3f} {median / base:>9.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
