"""Which clips each layout combines, per exercise.

A demo per correct clip; a comparison per error clip (with the correct clip of the same camera); an error
grid and an angle grid per variation; a variation comparison per camera when several variations are
built; a lesson per variation (title -> demonstration -> angles -> each error with its correction ->
summary -> end card).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fitcontent.artifacts import ClipArtifact, RenderKind
from fitcontent.catalog.models import Movement
from fitcontent.post.names import LANGS, Names
from fitcontent.post.spec import Layout


@dataclass(frozen=True)
class Panel:
    clip: ClipArtifact
    form: str  # correct or an error id
    label_context: dict[str, dict[str, str]]  # per language: {"form": the panel's name}


@dataclass(frozen=True)
class Section:
    """A stretch of video: panels played together, decorated by the layout of ``kind``."""

    kind: str
    panels: tuple[Panel, ...]
    context: dict[str, Any]  # per language: the words the layout's text fields use
    correction_phases: tuple[str, ...] = ()


Group = tuple[RenderKind, tuple[str, ...], list[Section]]
"""A render to make: its kind, its file-name parts and its sections."""


class Grouper:
    def __init__(self, names: Names, layouts: dict[str, Layout]):
        self.names, self.layouts = names, layouts

    def groups(self, movement: Movement, clips: list[ClipArtifact]) -> Iterator[Group]:
        """(kind, file stem parts, sections) of every render these clips allow."""
        correct = {(c.variation, c.angle): c for c in clips if c.form == "correct"}
        variations = list(dict.fromkeys(c.variation for c in clips))
        angles = list(dict.fromkeys(c.angle for c in clips))
        for variation in variations:
            demos = [correct[(variation, a)] for a in angles if (variation, a) in correct]
            if not demos:
                continue
            comparisons = [self._comparison(movement, correct[(c.variation, c.angle)], c) for c in clips
                           if c.variation == variation and c.form != "correct"
                           and (c.variation, c.angle) in correct]
            first_errors = first_cameras(movement, comparisons)
            demo_sections = [self._section(movement, "demo", [self._panel(movement, c)]) for c in demos]
            found = {"demo": demo_sections[0]}
            if first_errors:
                found["error-grid"] = self._section(movement, "error-grid", [self._panel(movement, demos[0])]
                                                    + [s.panels[1] for s in first_errors])
            if len(demos) > 1:
                found["angle-grid"] = self._section(movement, "angle-grid",
                                                    [self._panel(movement, c, "angle") for c in demos])
            for clip, section in zip(demos, demo_sections, strict=True):
                yield "demo", (variation, clip.angle, "demo"), [section]
            for section in comparisons:
                yield "comparison", (variation, section.context["angle_id"], section.panels[1].form, "comparison"), [
                    section]
            for kind in ("error-grid", "angle-grid"):
                if kind in found:
                    yield kind, (variation, kind), [found[kind]]
            lesson = []
            for kind in self.layouts["lesson"].sections:
                lesson += first_errors if kind == "comparison" else [found[kind]] if kind in found else []
            yield "lesson", (variation, "lesson"), lesson
        if len(variations) > 1:
            for angle in angles:
                shown = [correct[(v, angle)] for v in variations if (v, angle) in correct]
                if len(shown) > 1:
                    panels = [self._panel(movement, c, "variation") for c in shown]
                    yield "variations", (angle, "variations"), [self._section(movement, "variations", panels)]

    def _comparison(self, movement: Movement, correct: ClipArtifact, error_clip: ClipArtifact) -> Section:
        error = next(e for e in movement.errors if e.id == error_clip.form)
        panels = [self._panel(movement, correct), self._panel(movement, error_clip)]
        return self._section(movement, "comparison", panels, error_phases=tuple(error.phases), error_id=error.id)

    def _panel(self, movement: Movement, clip: ClipArtifact, label: str = "form") -> Panel:
        context = {lang: {"form": self.names.words(movement, clip, lang)[label]} for lang in LANGS}
        return Panel(clip, clip.form, context)

    def _section(self, movement: Movement, kind: str, panels: list[Panel], error_phases: tuple[str, ...] = (),
                 error_id: str | None = None) -> Section:
        first = panels[0].clip
        context: dict[str, Any] = {"angle_id": first.angle}
        error = next((e for e in movement.errors if e.id == error_id), None)
        for lang in LANGS:
            words = self.names.words(movement, first, lang)
            words["error"] = getattr(error.name, lang) if error else ""
            words["correction"] = getattr(error.correction, lang) if error else ""
            context[lang] = words
        return Section(kind, tuple(panels), context, error_phases)


def first_cameras(movement: Movement, comparisons: list[Section]) -> list[Section]:
    """Each error once, in catalog order, from the first camera its catalog entry lists among those built
    (the one that shows it best)."""
    chosen: dict[str, Section] = {}
    for error in movement.errors:
        shots = [s for s in comparisons if s.panels[1].form == error.id]
        ranked = [s for s in shots if s.context["angle_id"] in error.angles]
        if shots:
            chosen[error.id] = min(ranked, key=lambda s: error.angles.index(s.context["angle_id"])) \
                if ranked else shots[0]
    return list(chosen.values())
