"""Hostile catalog files, each made in a copy of the packaged catalog: shared by the robustness tests and
``benchmarks/hostile_input.py`` (which times them and measures their memory)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def alias_bomb(catalog: Path) -> str:
    """A 1 KB file whose aliases expand to 10^9 values ("billion laughs")."""
    lines = ['a0: ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: [{','.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    lines[0] = lines[0].replace("a0:", "a0: &a0")
    lines[1:] = [line.replace(f"a{i + 1}:", f"a{i + 1}: &a{i + 1}", 1) for i, line in enumerate(lines[1:])]
    (catalog / "bomb.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "bomb.yaml:"


def fifo(catalog: Path) -> str:
    """A named pipe called ``*.yaml``: reading it would wait forever for a writer."""
    os.mkfifo(catalog / "pipe.yaml")
    return "pipe.yaml:"


def dev_zero(catalog: Path) -> str:
    """A link to /dev/zero: a read that never ends."""
    (catalog / "zero.yaml").symlink_to("/dev/zero")
    return "zero.yaml:"


def big_file(catalog: Path) -> str:
    """A 50 MB file."""
    with open(catalog / "big.yaml", "w", encoding="utf-8") as f:
        f.write("items:\n")
        chunk = ("  - " + "x" * 95 + "\n") * 10_000  # about 1 MB, written 50 times: nothing big in memory
        for _ in range(50):
            f.write(chunk)
    return "big.yaml:"


def deep_nesting(catalog: Path) -> str:
    """Lists 500 levels deep."""
    (catalog / "deep.yaml").write_text("a: " + "[" * 500 + "]" * 500 + "\n", encoding="utf-8")
    return "deep.yaml:"


def link_loop(catalog: Path) -> str:
    """A link that points at itself."""
    (catalog / "loop.yaml").symlink_to(catalog / "loop.yaml")
    return "loop.yaml:"


def link_outside(catalog: Path) -> str:
    """A link to a file outside the catalog (here a real movement, so only the link is wrong)."""
    outside = catalog.parent / "elsewhere.yaml"
    shutil.copy(catalog / "squat.yaml", outside)
    (catalog / "squat.yaml").unlink()
    (catalog / "squat.yaml").symlink_to(outside)
    return "squat.yaml:"


CASES: dict[str, Callable[[Path], str]] = {f.__name__: f for f in (
    alias_bomb, fifo, dev_zero, big_file, deep_nesting, link_loop, link_outside)}


def catalog_with(case: str, root: Path) -> tuple[Path, str]:
    """A copy of the packaged catalog in ``root`` with hostile file ``case``; returns it and the text the one
    error line must contain."""
    catalog = root / "catalog"
    shutil.copytree(REPO / "catalog", catalog)
    return catalog, CASES[case](catalog)
