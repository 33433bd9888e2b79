"""YAML reading that keeps line numbers, and validation into a pydantic model, so every problem can point at
``file:line`` (catalog files, fitcontent.yml, brand kits and layouts alike)."""

from __future__ import annotations

import stat
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from fitcontent.errors import CatalogError, Problem, unknown_message

MAX_FILE_BYTES = 2 * 2**20
"""The largest YAML file read: a movement is about 10 KB; a bigger file is a mistake or an attack."""
MAX_NODES = 100_000
"""The most values a file may expand to, aliases counted each time they are used (a 1 KB alias bomb expands
to billions)."""
MAX_DEPTH = 64
"""The deepest nesting of mappings and lists (a catalog needs about 6)."""
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
    """Parse ``path``; unreadable, empty, malformed or oversized files raise :class:`CatalogError`, and so do
    anything but a regular file (a pipe would hang the read, a device never end it) and a file that expands
    past :data:`MAX_NODES` values or :data:`MAX_DEPTH` levels."""
    text = _read_text(path)
    loader = None
    try:
        loader = yaml.SafeLoader(text)  # its reader refuses control characters here already
        try:
            node = loader.get_single_node()
        except RecursionError:
            raise _problem(path, None, f"nested more than {MAX_DEPTH} levels deep") from None
        if node is None:
            raise _problem(path, None, "file is empty")
        lines: dict[Loc, int] = {}
        data = _Builder(loader, path).build(node, (), lines)
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


def _read_text(path: Path) -> str:
    """The file's text, once it is known to be a regular UTF-8 file of at most :data:`MAX_FILE_BYTES`."""
    try:
        info = path.stat()  # follows links: a link to a device or a pipe is judged by what it points at
        if not stat.S_ISREG(info.st_mode):
            raise _problem(path, None, "not a regular file (a pipe, device or folder); give a plain YAML file")
        if info.st_size > MAX_FILE_BYTES:
            raise _problem(path, None, f"{info.st_size / 2**20:.1f} MiB; a YAML file here is at most "
                                       f"{MAX_FILE_BYTES // 2**20} MiB")
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _problem(path, None, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew while we looked
        raise _problem(path, None, f"more than {MAX_FILE_BYTES // 2**20} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _problem(path, line, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def _problem(path: Path, line: int | None, message: str) -> CatalogError:
    return CatalogError([Problem(path, line, "", message)])


class _Builder:
    """Plain data from a node tree: records the line of every key and item, refuses duplicate keys (PyYAML
    keeps the last) and aliases inside themselves, and stops past :data:`MAX_NODES` values (aliases counted
    each time they are used) or :data:`MAX_DEPTH` levels."""

    def __init__(self, loader: yaml.SafeLoader, path: Path):
        self.loader, self.path = loader, path
        self.open_nodes: set[int] = set()
        self.budget = MAX_NODES

    def build(self, node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> Any:
        line = node.start_mark.line + 1
        self.budget -= 1
        if self.budget < 0:
            raise _problem(self.path, line, f"expands to more than {MAX_NODES:,} values (aliases inside aliases?)")
        if len(loc) > MAX_DEPTH:
            raise _problem(self.path, line, f"nested more than {MAX_DEPTH} levels deep")
        lines.setdefault(loc, line)
        if not isinstance(node, yaml.CollectionNode):
            return self.loader.construct_object(node, deep=True)
        if id(node) in self.open_nodes:
            raise _problem(self.path, line, "invalid YAML: an alias refers to the node that contains it")
        self.open_nodes.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*loc, i), lines) for i, item in enumerate(node.value)]
            return self._mapping(node, loc, lines)
        finally:
            self.open_nodes.discard(id(node))

    def _mapping(self, node: yaml.CollectionNode, loc: Loc, lines: dict[Loc, int]) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merges: list[yaml.Node] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merges.extend(value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node])
                continue
            key = self.loader.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int):
                raise _problem(self.path, line, f"keys must be text, got {key!r}")
            if key in out:
                raise _problem(self.path, line, f"{format_loc((*loc, key))}: duplicate key {key!r}")
            lines[(*loc, key)] = line
            out[key] = self.build(value_node, (*loc, key), lines)
        for merged in merges:  # YAML merge keys: the mapping's own keys win, then earlier merged mappings
            if not isinstance(merged, yaml.MappingNode):
                raise _problem(self.path, merged.start_mark.line + 1,
                               "invalid YAML: << must merge a mapping or a list of them")
            merged_lines: dict[Loc, int] = {}
            for key, value in self.build(merged, loc, merged_lines).items():
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
