"""Load a catalog directory: parse every file, validate it, check references, report all problems at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from fitcontent.catalog.models import FILE_MODELS, Angle, Angles, CatalogSettings, Movement, Vocabulary
from fitcontent.errors import CatalogError, Problem, RequestError, display_path, unknown_message
from fitcontent.yamlfile import YamlFile, validate_file


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


def _outside(path: Path, root: Path) -> str | None:
    """Why ``path``, a link, may not be read as part of the catalog at ``root``; None when it may."""
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # a loop, or a link to nothing
        return "a link that leads nowhere (a loop, or to a missing file)"
    if not target.is_relative_to(root.resolve()):
        return f"a link to {target}, outside the catalog; copy the file into the catalog instead"
    return None


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
        outside = _outside(path, root)
        if outside:
            problems.append(Problem(path, None, "", outside))
            continue
        try:
            if kind != "movement":
                source, single = validate_file(path, FILE_MODELS[kind])
                singles[kind], sources[f"{kind}.yaml"] = single, source  # movement ids cannot contain a dot
                continue
            source, model = validate_file(path, Movement)
        except CatalogError as exc:
            problems.extend(exc.problems)
            continue
        if model.id in movements:
            first = display_path(sources[model.id].path)
            problems.append(source.problem(("id",), f"duplicate movement id {model.id!r} (also in {first})"))
        else:
            movements[model.id], sources[model.id] = model, source
    if not movements and not problems:
        problems.append(Problem(root, None, "", "no movement files (*.yaml) found"))
    unloaded = set(FILE_MODELS) - set(singles)  # their problems are listed; the rest is still checked
    angles = singles.get("angles", Angles.model_construct(angles=[]))
    settings = singles.get("settings", CatalogSettings.model_construct())
    vocabulary = singles.get("vocabulary", Vocabulary.model_construct(muscles=[], equipment=[]))
    assert isinstance(angles, Angles) and isinstance(settings, CatalogSettings) and isinstance(vocabulary, Vocabulary)
    catalog = Catalog(
        root=root,
        movements=movements,
        angle_list=angles.angles,
        settings=settings,
        vocabulary=vocabulary,
        sources=sources,
    )
    findings = check_catalog(catalog, unloaded)  # on every valid file even when others failed: all at once
    if problems or any(not p.warning for p in findings):
        raise CatalogError(problems + findings)  # warnings are listed but not counted
    catalog.warnings.extend(findings)
    return catalog
