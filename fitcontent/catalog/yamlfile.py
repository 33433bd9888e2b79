"""YAML reading that keeps line numbers, so every problem can point at ``file:line``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from fitcontent.errors import CatalogError, Problem

Loc = tuple[str | int, ...]


class YamlFile:
    """A parsed YAML file: plain Python data plus the line of every key and list item."""

    def __init__(self, path: Path, data: Any, lines: dict[Loc, int]):
        self.path = path
        self.data = data
        self.lines = lines

    def line_of(self, loc: Loc) -> int:
        """The line of ``loc``, or of its closest existing parent (a missing key has no line)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return 1

    def problem(self, loc: Loc, message: str, warning: bool = False) -> Problem:
        return Problem(self.path, self.line_of(loc), format_loc(loc), message, warning)


def format_loc(loc: Loc) -> str:
    """``('errors', 1, 'angles', 0)`` -> ``errors[1].angles[0]``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: Path) -> YamlFile:
    """Parse ``path``; unreadable, empty or malformed files raise :class:`CatalogError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _problem(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise _problem(path, None, f"cannot read: {exc.strerror}") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise _problem(path, None, "file is empty")
        lines: dict[Loc, int] = {}
        data = _construct(loader, node, (), lines, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise _problem(path, line, f"invalid YAML: {exc.problem or exc.context}") from None
    finally:
        loader.dispose()
    return YamlFile(path, data, lines)


def _problem(path: Path, line: int | None, message: str) -> CatalogError:
    return CatalogError([Problem(path, line, "", message)])


def _construct(loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: Path) -> Any:
    """Build plain data from a node tree, recording lines and refusing duplicate keys (PyYAML keeps the last)."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)  # resolves YAML merge keys (<<)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                raise _problem(path, key_node.start_mark.line + 1, f"keys must be text, got {key!r}")
            if key in out:
                where = format_loc((*loc, key))
                raise _problem(path, key_node.start_mark.line + 1, f"{where}: duplicate key {key!r}")
            lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = _construct(loader, value_node, (*loc, key), lines, path)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*loc, i), lines, path) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)
