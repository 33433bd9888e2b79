"""The words on screen: localized names a layout's text fields use, and those fields rendered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fitcontent.artifacts import ClipArtifact
from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.models import Movement
from fitcontent.errors import CatalogError
from fitcontent.post.spec import Brand
from fitcontent.templating import render_string
from fitcontent.yamlfile import read_yaml

LANGS = ("en", "zh")


class Names:
    """Localized words for a catalog, brand and interface strings (``captions/strings.yaml``)."""

    def __init__(self, catalog: Catalog, brand: Brand, strings: dict[str, dict[str, str]]):
        self.catalog, self.brand, self.strings = catalog, brand, strings

    def words(self, movement: Movement, clip: ClipArtifact, lang: str) -> dict[str, Any]:
        """The localized words a layout's text fields may use, for ``clip`` of ``movement``."""
        variation = next(v for v in movement.variations if v.id == clip.variation)
        error = next((e for e in movement.errors if e.id == clip.form), None)
        muscles = {m.id: getattr(m.name, lang) for m in self.catalog.vocabulary.muscles}
        sep = "、" if lang == "zh" else ", "
        strings = {key: value[lang] for key, value in self.strings.items()}
        return {
            "exercise": getattr(movement.name, lang), "variation": getattr(variation.name, lang),
            "angle": getattr(self.catalog.angles[clip.angle].name, lang),
            "form": getattr(error.name, lang) if error else strings["correct"],
            "primary_muscles": sep.join(muscles[m] for m in movement.muscles.primary),
            "muscles": sep.join(muscles[m] for m in [*movement.muscles.primary, *movement.muscles.secondary]),
            "brand": {"name": self.brand.name, "end_card": getattr(self.brand.end_card, lang),
                      "cta": getattr(self.brand.cta, lang)},
            "strings": strings, "cues": [getattr(c, lang) for c in movement.cues],
        }

    def text(self, template: str, context: dict[str, Any]) -> str:
        """A layout's text field rendered over ``context``; a broken one raises :class:`TemplateError`."""
        return render_string(template, context, kind="layout text").strip()


def title(kind: str, words: dict[str, Any]) -> str:
    """A render's title in a manifest: ``Squat: Front``, ``Squat: Knees caving in``."""
    detail = {"demo": words["angle"], "comparison": words["error"], "lesson": words["variation"]}.get(
        kind, words["strings"].get(kind.replace("-", "_"), kind))
    return f"{words['exercise']}: {detail}"


def load_strings(templates: Path | None) -> dict[str, dict[str, str]]:
    """``templates/captions/strings.yaml``: the interface words of captions and cards, per language."""
    from fitcontent.paths import packaged

    strings: dict[str, dict[str, str]] = {}
    for root in (packaged("templates"), templates):
        path = root / "captions" / "strings.yaml" if root else None
        if path and path.is_file():
            source = read_yaml(path)
            if not isinstance(source.data, dict) or not all(
                    isinstance(words, dict) and all(isinstance(w, str) for w in words.values())
                    for words in source.data.values()):
                raise CatalogError([source.problem((), "expected a mapping of names to {en: ..., zh: ...}")])
            strings.update(source.data)
    return strings
