"""Processes racing for one store entry (as the workers of a scaled-out build can) leave one verified object."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from fitcontent.store import Store, cache_key

RACER = """
import sys, time
from pathlib import Path
from fitcontent.store import Store
root, key, start, name = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4]
store = Store(Path(root))
time.sleep(max(0.0, start - time.time()))  # every racer starts at the same moment
def produce(tmp):
    with open(tmp, "wb") as f:
        for _ in range(200):
            f.write(name.encode() * 5000)
entry = store.put(key, produce, "mp4", lambda: {"made_by": name})
print(entry.path.read_bytes()[:len(name)].decode())
"""


def test_racing_processes_leave_one_verified_object_and_no_temp(tmp_path: Path) -> None:
    root, key = tmp_path / "store", cache_key({"shot": "squat.front"}, "preview", "1")
    start = time.time() + 3
    racers = [subprocess.Popen([sys.executable, "-c", RACER, str(root), key, str(start), f"racer{i}"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    results = [racer.communicate(timeout=120) for racer in racers]
    assert all(racer.returncode == 0 for racer in racers), [err for _, err in results]
    entry = Store(root).get(key)
    assert entry is not None, "the entry verifies (size and sha256)"
    winner = entry.path.read_bytes()
    assert winner == winner[:6] * (len(winner) // 6) and winner[:6].decode().startswith("racer")
    files = sorted(p.name for p in (root / "objects").rglob("*") if p.is_file())
    assert files == sorted([f"{key}.mp4", f"{key}.json"]), files
