"""Load a catalog directory: parse every file, validate it, check references, report all problems at once."""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from fitcontent.catalog.models import FILE_MODELS, Angle, CatalogSettings, Movement, Vocabulary
from fitcontent.catalog.yamlfile import Loc, YamlFile, read_yaml
from fitcontent.errors import CatalogError, Problem, RequestError, display_path, unknown_message

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Catalog:
    """A validated catalog. ``sources`` keeps each file's line map so later checks can point at lines."""

    root: Path
    movements: dict[str, Movement]
    angle_list: list[Angle]
    settings: CatalogSettings
    vocabulary: Vocabulary
    sources: dict[str, YamlFile] = field(repr=False)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def angles(self) -> dict[str, Angle]:
        return {angle.id: angle for angle in self.angle_list}

    def movement(self, movement_id: str) -> Movement:
        """The movement ``movement_id``; an unknown id suggests the closest ones."""
        try:
            return self.movements[movement_id]
        except KeyError:
            raise RequestError(unknown_message("exercise", movement_id, self.movements)) from None


def load_catalog(root: Path) -> Catalog:
    """Load and validate ``root``; raise :class:`CatalogError` listing every problem found."""
    from fitcontent.catalog.checks import check_catalog

    root = Path(root)
    if not root.is_dir():
        raise CatalogError([Problem(root, None, "", "catalog directory not found")])
    problems: list[Problem] = []
    sources: dict[str, YamlFile] = {}
    singles: dict[str, BaseModel] = {}
    movements: dict[str, Movement] = {}
    for name in FILE_MODELS:
        if not (root / f"{name}.yaml").is_file():
            problems.append(Problem(root / f"{name}.yaml", None, "", "missing (every catalog needs this file)"))
    for path in sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml")):
        kind = path.stem if path.stem in FILE_MODELS else "movement"
        try:
            source, model = validate_file(path, FILE_MODELS.get(kind, Movement))
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        if kind != "movement":
            singles[kind], sources[f"{kind}.yaml"] = model, source  # movement ids cannot contain a dot
        elif model.id in movements:
            first = display_path(sources[model.id].path)
            problems.append(source.problem(("id",), f"duplicate movement id {model.id!r} (also in {first})"))
        else:
            movements[model.id], sources[model.id] = model, source
    if not movements and not problems:
        problems.append(Problem(root, None, "", "no movement files (*.yaml) found"))
    if problems:
        raise CatalogError(problems)
    catalog = Catalog(
        root=root,
        movements=movements,
        angle_list=singles["angles"].angles,
        settings=singles["settings"],
        vocabulary=singles["vocabulary"],
        sources=sources,
    )
    findings = check_catalog(catalog)
    if any(not p.warning for p in findings):
        raise CatalogError(findings)
    catalog.warnings.extend(findings)
    return catalog


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
