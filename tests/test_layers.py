"""Imports go one way: each part of the package imports only the parts below it (issue 11's order)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "fitcontent"
BOTTOM = ("settings", "paths", "errors", "store", "media", "fonts", "yamlfile", "templating", "artifacts")
LAYERS = [BOTTOM, ("catalog",), ("prompts", "pose"), ("generation",), ("post",), ("export",), ("engine", "progress"),
          ("api",), ("cli", "__main__", "__init__")]
RANK = {part: level for level, parts in enumerate(LAYERS) for part in parts}


def _upward_imports() -> set[tuple[str, str]]:
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
                    if RANK[target] > RANK[part]:
                        found.add((part, target))
    return found


def test_every_import_goes_down_the_layers() -> None:
    assert _upward_imports() == set(), "imports that go up the layers"
