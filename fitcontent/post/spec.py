"""The composition spec: layouts (``templates/layouts/<kind>.yaml``), their layers, and the brand kit.

A layout says how panels fit and which layers decorate the render; each layer ``type`` is a model in
the layer registry (``post/layers/``). Text fields are Jinja expressions over the render's localized
names (``{{ exercise }}``). A project's templates directory overrides a packaged layout of the same
name. Sizes are fractions of the frame's short side, so one layout serves every format and draft size.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from fitcontent.errors import CatalogError, FitcontentError, Problem, RequestError, did_you_mean, unknown_message
from fitcontent.paths import packaged
from fitcontent.post.layers import LAYERS, Layer
from fitcontent.post.layers.base import Colors, Localized, Strict
from fitcontent.templating import string_problem
from fitcontent.yamlfile import read_yaml, validate_file

log = logging.getLogger(__name__)

KINDS = ("demo", "comparison", "error-grid", "angle-grid", "variations", "lesson")


class Layout(Strict):
    description: str = ""
    fit: Literal["contain", "cover"] = Field(
        default="contain", description="contain: whole clip, bars around it; cover: fill the panel, crop the edges")
    max_crop: float = Field(default=0.2, ge=0, lt=1, description="cover cuts at most this fraction of the picture "
                                                                  "(and never the subject)")
    gap: float = Field(default=0.012, ge=0, le=0.2)
    overlays: bool = Field(default=False, description="panels show clips with coaching overlays; the build makes "
                                                      "them beside the plain clips")
    layers: list[Layer] = Field(default_factory=list)
    sections: list[Literal["demo", "angle-grid", "comparison", "error-grid", "variations"]] = Field(
        default_factory=list, description="lesson only: the layouts played in order between its cards")


# ---- brand --------------------------------------------------------------------------------------------
class Brand(Strict):
    """``brand.yaml``: colours, logo, font and the end card's words; paths are relative to the file."""

    name: str = "fitcontent"
    colors: Colors = Colors()
    logo: Path | None = None
    font: Path | None = Field(default=None, description="a .ttf/.otf/.ttc; default Noto Sans CJK SC")
    font_index: int = Field(default=0, ge=0, description="face inside a .ttc collection")
    end_card: Localized = Localized(en="Train with good form", zh="规范动作，科学训练")
    cta: Localized = Localized(en="Follow for more technique tips", zh="关注获取更多动作要点")


def load_brand(path: Path | None, templates: Path | None = None) -> tuple[Brand, Path | None]:
    """The brand kit and the file it came from: ``path``, else the project's, else the packaged one."""
    path = path or _search(templates, "brand.yaml")
    if path is None:
        return Brand(), None
    if not path.is_file():
        raise RequestError(f"brand file {path} not found")
    _, brand = validate_file(path, Brand)
    resolved = {}
    for name in ("logo", "font"):
        value = getattr(brand, name)
        if value is not None:
            full = (path.parent / value).resolve()
            problem = f"file {value} not found (next to {path.name})" if not full.is_file() else _unreadable(name, full)
            if problem:
                raise CatalogError([read_yaml(path).problem((name,), problem)])
            resolved[name] = full
    return brand.model_copy(update=resolved), path


def _unreadable(kind: str, path: Path) -> str | None:
    """Why the brand's logo or font file cannot be used, or None: found now, not in the middle of a build."""
    from PIL import Image, ImageFont

    try:
        if kind == "logo":
            with Image.open(path) as image:
                image.verify()
        else:
            ImageFont.truetype(str(path), 12)
    except Exception as exc:  # Pillow raises many kinds for a file it cannot read
        wanted = "an image (PNG with transparency works best)" if kind == "logo" else "a .ttf, .otf or .ttc font"
        return f"{path.name} is not {wanted} ({type(exc).__name__}: {exc})"
    return None


def _search(templates: Path | None, name: str) -> Path | None:
    for root in (templates, packaged("templates")):
        if root is not None and (root / name).is_file():
            return root / name
    return None


# ---- layouts ------------------------------------------------------------------------------------------
TEXT_FIELDS = ("text", "title", "subtitle")
"""The fields of layers that are Jinja text over :data:`TEXT_NAMES`."""
TEXT_NAMES = ("exercise", "variation", "angle", "form", "primary_muscles", "muscles", "brand", "strings", "cues",
              "error", "correction")
"""The words a layout's text may use (``Names.words`` and, in a comparison, the error's name and correction)."""
def load_layout(kind: str, templates: Path | None = None) -> tuple[Layout, Path]:
    """``templates/layouts/<kind>.yaml`` (project first), validated with file:line errors; layer types
    and fields are checked against :data:`LAYERS` so a typo names the known ones."""
    if kind not in KINDS:
        raise RequestError(unknown_message("layout", kind, KINDS))
    path = _search(templates, f"layouts/{kind}.yaml")
    if path is None:
        raise FitcontentError(f"layout {kind}: templates/layouts/{kind}.yaml not found")
    source = read_yaml(path)
    data = source.data if isinstance(source.data, dict) else {}
    layers = data.get("layers", [])
    problems = _layer_problems(source, layers if isinstance(layers, list) else [])
    if problems:
        raise CatalogError(problems)
    for index, layer in enumerate(layers if isinstance(layers, list) else []):
        if layer.get("type") == "label" and "position" in layer:  # accepted, so older layouts still load
            log.warning("%s", source.problem(("layers", index, "position"), "no longer used: labels go where they "
                                             "are clear of the athlete; remove it"))
    try:
        layout = Layout.model_validate(data)
    except ValidationError:
        _, layout = validate_file(path, Layout)  # raises with every problem, at its line
    problems = [source.problem(("layers", index, field), f"{problem} (in {text!r})")
                for index, layer in enumerate(layout.layers) for field in TEXT_FIELDS
                if isinstance(text := getattr(layer, field, None), str)
                and (problem := string_problem(text, TEXT_NAMES))]
    if problems:  # found now, not after the clips are made
        raise CatalogError(problems)
    return layout, path


def _layer_problems(source, layers: list) -> list[Problem]:
    problems = []
    for index, layer in enumerate(layers):
        loc = ("layers", index)
        if not isinstance(layer, dict) or "type" not in layer:
            problems.append(source.problem(loc, f"a layer needs a type ({', '.join(LAYERS)})"))
            continue
        model = LAYERS.get(layer["type"])
        if model is None:
            message = unknown_message("layer type", str(layer["type"]), LAYERS)
            problems.append(source.problem((*loc, "type"), message))
            continue
        unknown = [name for name in layer if name not in model.model_fields]
        for name in unknown:
            hint = did_you_mean(str(name), model.model_fields, "allowed")
            message = f"unknown field {name!r} for a {layer['type']} layer{hint}"
            problems.append(source.problem((*loc, name), message))
        if not unknown:
            try:
                model.model_validate(layer)
            except ValidationError as exc:
                for error in exc.errors():
                    message = error["msg"].removeprefix("Value error, ")
                    if isinstance(error.get("input"), str | int | float | bool):
                        message += f" (got {error['input']!r})"
                    problems.append(source.problem((*loc, *error["loc"]), message))
    return problems
