"""A writer for the kill tests: it stops at a chosen point of a store write and waits to be SIGKILLed.

``python store_child.py MODE ROOT KEY`` where MODE is
``produce`` (stop inside produce(), after writing part of the object),
``commit`` (stop after the sidecar is in place, before the object's rename), or
``text`` (ROOT is a file: stop inside atomic_write_text, after writing the temp file, before its fsync).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from fitcontent.store import Store, atomic_write_text

HANG = 60.0  # far longer than the test waits: the test always kills us first


def main(mode: str, root: str, key: str) -> None:
    if mode == "produce":

        def produce(tmp: Path) -> None:
            with open(tmp, "wb") as f:
                f.write(b"partial frames")
                f.flush()
                time.sleep(HANG)
                f.write(b" never written")

        Store(Path(root)).put(key, produce, "mp4", {"frames": 49})
    elif mode == "commit":
        real_replace = os.replace

        def replace(src: str, dst: str) -> None:
            if not str(dst).endswith(".json"):  # the object's rename: the commit point
                time.sleep(HANG)
            real_replace(src, dst)

        os.replace = replace
        Store(Path(root)).put(key, lambda tmp: tmp.write_bytes(b"complete clip"), "mp4", {"frames": 49})
    elif mode == "text":
        os.fsync = lambda fd: time.sleep(HANG)
        atomic_write_text(Path(root), "new content " * 1000)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    raise SystemExit("store_child finished; it should have been killed")


if __name__ == "__main__":
    main(*sys.argv[1:])
