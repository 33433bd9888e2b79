"""The composition spec: layouts (``templates/layouts/<kind>.yaml``), their layers, and the brand kit.

A layout says how panels fit and which layers decorate the render; each layer ``type`` is a model in
:data:`LAYERS`. Text fields are Jinja expressions over the render's localized names (``{{ exercise }}``).
A project's templates directory overrides a packaged layout of the same name. Sizes are fractions of the
frame's short side, so one layout serves every format and draft size.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fitcontent.catalog.loader import validate_file
from fitcontent.catalog.yamlfile import read_yaml
from fitcontent.errors import CatalogError, FitcontentError, Problem, RequestError, did_you_mean, unknown_message
from fitcontent.paths import packaged

KINDS = ("demo", "comparison", "error-grid", "angle-grid", "variations", "lesson")
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")]
Fraction = Annotated[float, Field(gt=0, le=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    en: str
    zh: str


# ---- layers -------------------------------------------------------------------------------------------
class Border(Strict):
    """A frame around each panel in the colour of its form (correct / error)."""

    type: Literal["border"] = "border"
    width: Fraction = 0.008
    correct: Color | None = Field(default=None, description="default: the brand's correct colour")
    error: Color | None = Field(default=None, description="default: the brand's error colour")


class Label(Strict):
    """A tag on each panel: a drawn ✓ or ✗ and the form's name ("Correct", "Knees caving in")."""

    type: Literal["label"] = "label"
    text: str = "{{ form }}"
    position: Literal["top", "bottom"] = "top"
    size: Fraction = 0.042
    mark: bool = True


class Caption(Strict):
    """Timed captions: each cue while its phase is on screen, or an error's correction at its phases."""

    type: Literal["caption"] = "caption"
    source: Literal["cues", "corrections"] = "cues"
    size: Fraction = 0.045
    position: Literal["top", "bottom"] = "bottom"


class Logo(Strict):
    type: Literal["logo"] = "logo"
    corner: Literal["top-left", "top-right", "bottom-left", "bottom-right"] = "top-right"
    size: Fraction = 0.14
    opacity: Fraction = 0.9


class LowerThird(Strict):
    """Name strip near the bottom left for part of the video."""

    type: Literal["lower_third"] = "lower_third"
    title: str = "{{ exercise }}"
    subtitle: str = "{{ variation }}"
    start: float = Field(default=0.3, ge=0)
    seconds: float = Field(default=3.0, gt=0)
    size: Fraction = 0.05


class TitleCard(Strict):
    """A card before the video: the exercise and the muscles it trains."""

    type: Literal["title_card"] = "title_card"
    seconds: float = Field(default=2.5, gt=0, le=30)
    title: str = "{{ exercise }}"
    subtitle: str = "{{ strings.primary_muscles }}{{ strings.colon }}{{ primary_muscles }}"


class EndCard(Strict):
    """A card after the video: the brand and its call to action."""

    type: Literal["end_card"] = "end_card"
    seconds: float = Field(default=2.5, gt=0, le=30)
    title: str = "{{ brand.end_card }}"
    subtitle: str = "{{ brand.cta }}"


class SummaryCard(Strict):
    """A card listing the movement's cues (the lesson's recap)."""

    type: Literal["summary_card"] = "summary_card"
    seconds: float = Field(default=5.0, gt=0, le=60)
    title: str = "{{ strings.key_points }}"


LAYERS: dict[str, type[Strict]] = {
    m.model_fields["type"].default: m for m in (Border, Label, Caption, Logo, LowerThird, TitleCard, EndCard,
                                                SummaryCard)
}
Layer = Annotated[Border | Label | Caption | Logo | LowerThird | TitleCard | EndCard | SummaryCard,
                  Field(discriminator="type")]
CARDS = (TitleCard, EndCard, SummaryCard)


class Layout(Strict):
    description: str = ""
    fit: Literal["contain", "cover"] = Field(
        default="contain", description="contain: whole clip, bars around it; cover: fill the panel, crop the edges")
    max_crop: float = Field(default=0.2, ge=0, lt=1, description="cover falls back to contain past this crop")
    gap: float = Field(default=0.012, ge=0, le=0.2)
    overlays: bool = Field(default=False, description="panels show clips with coaching overlays; the build makes "
                                                      "them beside the plain clips")
    layers: list[Layer] = Field(default_factory=list)
    sections: list[Literal["demo", "angle-grid", "comparison", "error-grid", "variations"]] = Field(
        default_factory=list, description="lesson only: the layouts played in order between its cards")


# ---- brand --------------------------------------------------------------------------------------------
class Colors(Strict):
    correct: Color = "#16a34a"
    error: Color = "#dc2626"
    text: Color = "#ffffff"
    card: Color = "#0f172a"
    accent: Color = "#f59e0b"
    bars: Color = "#000000"
    caption_box: Color = "#000000b0"


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
            if not full.is_file():
                raise CatalogError([read_yaml(path).problem((name,), f"file {value} not found (next to {path.name})")])
            resolved[name] = full
    return brand.model_copy(update=resolved), path


def _search(templates: Path | None, name: str) -> Path | None:
    for root in (templates, packaged("templates")):
        if root is not None and (root / name).is_file():
            return root / name
    return None


# ---- layouts ------------------------------------------------------------------------------------------
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
    try:
        return Layout.model_validate(data), path
    except ValidationError:
        pass
    _, layout = validate_file(path, Layout)  # raises with every problem, at its line
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
