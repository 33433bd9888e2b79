"""Hostile catalog files: how long `fitcontent catalog validate` takes on each, and its peak memory.

Usage: .venv/bin/python benchmarks/hostile_input.py
Each case of tests/robustness/hostile.py (a 1 KB alias bomb, a FIFO, a /dev/zero link, a 50 MB file, 500 levels
of nesting, a link loop, a link out of the catalog) is put into a copy of the packaged catalog and validated in
a child process, which is timed from outside and whose peak resident memory is the kernel's own count
(wait4). Also the packaged catalog as it ships, for scale. Writes benchmarks/results/hostile_input.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.robustness.hostile import CASES, REPO, catalog_with  # noqa: E402


def run(catalog: Path, cwd: Path) -> dict:
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "fitcontent", "catalog", "validate", "--catalog", str(catalog)],
                             cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    lines = [line for line in stderr.splitlines() if line.strip()]
    return {"exit": os.waitstatus_to_exitcode(status), "seconds": round(seconds, 2),
            "peak_mib": round(usage.ru_maxrss / 1024, 1), "said": lines[0] if lines else ""}


def main() -> None:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["packaged catalog (for scale)"] = run(REPO / "catalog", Path(tmp))
        for case in CASES:
            root = Path(tmp) / case
            root.mkdir()
            catalog, _ = catalog_with(case, root)
            results[case] = run(catalog, root)
    out = ROOT / "benchmarks" / "results" / "hostile_input.json"
    out.write_text(json.dumps({"date": date.today().isoformat(), "machine": platform.processor() or platform.machine(),
                               "cores": os.cpu_count(), "results": results}, indent=2) + "\n", encoding="utf-8")
    print(f"{'case':<30} {'exit':>4} {'s':>6} {'peak MiB':>9}  first line")
    for case, r in results.items():
        print(f"{case:<30} {r['exit']:>4} {r['seconds']:>6} {r['peak_mib']:>9}  {r['said'][:90]}")


if __name__ == "__main__":
    main()
