"""YAML reading that keeps line numbers, and validation into a pydantic model, so every problem can point at
``file:line`` (catalog files, fitcontent.yml, brand kits and layouts alike)."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from fitcontent.errors import CatalogError, Problem, unknown_message

Loc = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)
_MERGE = "tag:yaml.org,2002:merge"


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
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses control characters here already
        node = loader.get_single_node()
        if node is None:
            raise _problem(path, None, "file is empty")
        lines: dict[Loc, int] = {}
        data = _construct(loader, node, (), lines, path, set())
        if data is None:
            raise _problem(path, None, "file is empty")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise _problem(path, line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"invalid YAML: control character {exc.character:#04x} is not allowed"
        raise _problem(path, line, message) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlFile(path, data, lines)


def _problem(path: Path, line: int | None, message: str) -> CatalogError:
    return CatalogError([Problem(path, line, "", message)])


def _construct(loader: yaml.SafeLoader, node: yaml.Node, loc: Loc, lines: dict[Loc, int], path: Path,
               open_nodes: set[int]) -> Any:
    """Build plain data from a node tree, recording lines and refusing duplicate keys (PyYAML keeps the last)."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.CollectionNode):
        if id(node) in open_nodes:
            raise _problem(path, node.start_mark.line + 1, "invalid YAML: an alias refers to the node that contains it")
        open_nodes.add(id(node))
        try:
            return _construct_collection(loader, node, loc, lines, path, open_nodes)
        finally:
            open_nodes.discard(id(node))
    return loader.construct_object(node, deep=True)


def _construct_collection(loader: yaml.SafeLoader, node: yaml.CollectionNode, loc: Loc, lines: dict[Loc, int],
                          path: Path, open_nodes: set[int]) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*loc, i), lines, path, open_nodes) for i, item in enumerate(node.value)]
    out: dict[Any, Any] = {}
    merges: list[yaml.Node] = []
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE:
            merges.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
            continue
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if not isinstance(key, str | int):
            raise _problem(path, line, f"keys must be text, got {key!r}")
        if key in out:
            raise _problem(path, line, f"{format_loc((*loc, key))}: duplicate key {key!r}")
        lines[(*loc, key)] = line
        out[key] = _construct(loader, value_node, (*loc, key), lines, path, open_nodes)
    for merged in merges:  # YAML merge keys: the mapping's own keys win, then earlier merged mappings
        if not isinstance(merged, yaml.MappingNode):
            raise _problem(path, merged.start_mark.line + 1, "invalid YAML: << must merge a mapping or a list of them")
        merged_lines: dict[Loc, int] = {}
        for key, value in _construct(loader, merged, loc, merged_lines, path, open_nodes).items():
            out.setdefault(key, value)
        for merged_loc, line in merged_lines.items():
            lines.setdefault(merged_loc, line)
    return out


def validate_file(path: Path, model: type[M]) -> tuple[YamlFile, M]:
    """Read one YAML file as ``model``; raise :class:`CatalogError` with every problem in it."""
    source = read_yaml(path)
    if not isinstance(source.data, dict):
        kind = type(source.data).__name__
        raise CatalogError([source.problem((), f"expected a mapping of fields at the top level, got a {kind}")])
    try:
        return source, model.model_validate(source.data)
    except ValidationError as exc:
        raise CatalogError([_describe(source, model, error) for error in exc.errors()]) from None


def _describe(source: YamlFile, model: type[BaseModel], error) -> Problem:
    """Turn one pydantic error into a line a catalog author can act on."""
    loc: Loc = tuple(part for part in error["loc"] if part != "[key]")
    kind = error["type"]
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        message = unknown_message("field", str(loc[-1]), allowed, known_word="allowed")
    elif kind == "missing":
        message = "missing required field"
    else:
        message = error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        if isinstance(value, str | int | float | bool) or value is None:
            message += f" (got {value!r})"
        if "[key]" in error["loc"]:
            message = f"key {loc[-1]!r}: {message}"
    return source.problem(loc, message)


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Field names of the nested model that ``loc`` points into (for 'did you mean')."""
    current: object = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)) or part not in current.model_fields:
            return []
        current = _inner_model(current.model_fields[part].annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: object) -> object:
    """``list[Cue]`` / ``Cue | None`` / ``Cue`` -> ``Cue``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (list, typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            inner = _inner_model(arg)
            if inner is not None:
                return inner
    return None
