"""Imports go one way: each part of the package imports only the parts below it (issue 11's order)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fitcontent"
BOTTOM = ("settings", "paths", "errors", "store", "media", "fonts", "yamlfile", "templating", "artifacts")
LAYERS = [BOTTOM, ("catalog",), ("prompts", "pose"), ("generation",), ("post",), ("export",), ("engine", "progress"),
          ("api",), ("service",), ("cli", "__main__", "__init__")]
RANK = {part: level for level, parts in enumerate(LAYERS) for part in parts}


def _imports() -> set[tuple[str, str]]:
    """(importing part, imported part) for every import between two parts of the package."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        part = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                if name == "fitcontent" or name.startswith("fitcontent."):
                    target = name.split(".")[1] if "." in name else "__init__"
                    assert part in RANK and target in RANK, f"{path}: {part} or {target} has no layer"
                    if target != part:
                        found.add((part, target))
    return found


def test_every_import_goes_down_the_layers() -> None:
    assert {(a, b) for a, b in _imports() if RANK[b] > RANK[a]} == set(), "imports that go up the layers"


def test_no_two_parts_import_each_other_even_within_a_layer() -> None:
    edges = _imports()
    graph = {part: {b for a, b in edges if a == part} for part in RANK}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt})) for nxt in graph[start])

    assert [part for part in RANK if reaches(part, part, set())] == [], "import cycles between parts"
