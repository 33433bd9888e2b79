"""From built clips to render specs: which clips each layout combines, where everything goes, what text says.

Every decision is made here, once, into a :class:`RenderSpec` (pure data); the compositor only executes it.
Groupings per exercise: a demo per correct clip; a comparison per error clip (with the correct clip of
the same camera); an error grid and an angle grid per variation; a variation comparison per camera when
several variations are built; a lesson per variation (title -> demonstration -> angles -> each error with
its correction -> summary -> end card).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import SandboxedEnvironment

from fitcontent.build.store import file_sha256
from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.models import Movement
from fitcontent.errors import TemplateError
from fitcontent.pose.motion import phase_times
from fitcontent.post import geometry
from fitcontent.post.captions import Event, cue_events, phase_events
from fitcontent.post.compose import Box, ImageSpec, PanelSpec, RenderSpec, SceneSpec, TextSpec
from fitcontent.post.formats import Format, Rect
from fitcontent.post.spec import (
    CARDS,
    KINDS,
    Border,
    Brand,
    Caption,
    EndCard,
    Label,
    Layout,
    Logo,
    LowerThird,
    SummaryCard,
    TitleCard,
)
from fitcontent.post.text import FontRef, check_glyphs, default_font

LANGS = ("en", "zh")
END_CARD_LOGO = Logo(corner="bottom-right", size=0.2)
SHRINK_STEPS = 10


@dataclass
class Render:
    """One video to make: its spec, where it goes, its poster time and its captions in every language."""

    spec: RenderSpec
    path: Path  # relative to dist/
    poster_time: float
    captions: dict[str, list[Event]]
    entry: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def frames(self) -> int:
        return self.spec.frames


@dataclass(frozen=True)
class Panel:
    clip: dict[str, Any]  # the clip's manifest entry
    form: str  # correct or an error id
    label_context: dict[str, str]


@dataclass(frozen=True)
class Section:
    """A stretch of video: panels played together, decorated by the layout of ``kind``."""

    kind: str
    panels: tuple[Panel, ...]
    context: dict[str, Any]  # per language: the words the layout's text fields use
    correction_phases: tuple[str, ...] = ()


class Planner:
    def __init__(self, catalog: Catalog, layouts: dict[str, Layout], brand: Brand, strings: dict[str, dict[str, str]],
                 formats: list[Format], lang: str, out: Path, draft: bool = False):
        self.catalog, self.layouts, self.brand, self.strings = catalog, layouts, brand, strings
        self.formats, self.lang, self.out, self.draft = formats, lang, out, draft
        self.font = FontRef(brand.font, brand.font_index) if brand.font else default_font()
        self.env = SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)

    # ---- groupings ----------------------------------------------------------------------------------
    def plan(self, clips: list[dict[str, Any]], kinds: list[str]) -> list[Render]:
        """Every render ``kinds`` asks for, in every format, from the clips of this build."""
        by_exercise: dict[str, list[dict]] = {}
        for clip in clips:
            by_exercise.setdefault(clip["exercise"], []).append(clip)
        renders = []
        for exercise, group in by_exercise.items():
            movement = self.catalog.movement(exercise)
            drawn = [c for c in group if c.get("overlays")]
            plain = [c for c in group if not c.get("overlays")]
            for overlays, clips_now in ((False, plain), (True, drawn)):
                for kind, parts, sections in self._groups(movement, clips_now):
                    if kind in kinds and self._overlaid(kind, drawn, plain) == overlays:
                        if overlays and not self.layouts[kind].overlays:  # a build --overlays: its own renders
                            parts = (*parts, "overlays")
                        renders += [self._render(kind, parts, movement, sections, fmt) for fmt in self.formats]
        return renders

    def _overlaid(self, kind: str, drawn: list[dict], plain: list[dict]) -> bool:
        """Whether ``kind`` shows the clips with overlays: when its layout asks for them, or when the build
        made only those (``--overlays``); never when there are none (a backend that cannot draw them)."""
        return bool(drawn) and (self.layouts[kind].overlays or not plain)

    def _groups(self, movement: Movement, clips: list[dict]):
        """(kind, file stem, sections) of every render these clips allow."""
        correct = {(c["variation"], c["angle"]): c for c in clips if c["form"] == "correct"}
        variations = list(dict.fromkeys(c["variation"] for c in clips))
        angles = list(dict.fromkeys(c["angle"] for c in clips))
        for variation in variations:
            demos = [correct[(variation, a)] for a in angles if (variation, a) in correct]
            if not demos:
                continue
            comparisons = [self._comparison(movement, correct[(c["variation"], c["angle"])], c) for c in clips
                           if c["variation"] == variation and c["form"] != "correct"
                           and (c["variation"], c["angle"]) in correct]
            first_errors = self._first_cameras(movement, comparisons)
            demo_sections = [self._section(movement, "demo", [self._panel(movement, c)]) for c in demos]
            found = {"demo": demo_sections[0]}
            if first_errors:
                found["error-grid"] = self._section(movement, "error-grid", [self._panel(movement, demos[0])]
                                                    + [s.panels[1] for s in first_errors])
            if len(demos) > 1:
                found["angle-grid"] = self._section(movement, "angle-grid",
                                                    [self._panel(movement, c, "angle") for c in demos])
            for clip, section in zip(demos, demo_sections, strict=True):
                yield "demo", (variation, clip["angle"], "demo"), [section]
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

    @staticmethod
    def _first_cameras(movement: Movement, comparisons: list[Section]) -> list[Section]:
        """Each error once, in catalog order, from the first camera its catalog entry lists among those
        built (the one that shows it best)."""
        chosen: dict[str, Section] = {}
        for error in movement.errors:
            shots = [s for s in comparisons if s.panels[1].form == error.id]
            ranked = [s for s in shots if s.context["angle_id"] in error.angles]
            if shots:
                chosen[error.id] = min(ranked, key=lambda s: error.angles.index(s.context["angle_id"])) \
                    if ranked else shots[0]
        return list(chosen.values())

    def _comparison(self, movement: Movement, correct: dict, error_clip: dict) -> Section:
        error = next(e for e in movement.errors if e.id == error_clip["form"])
        panels = [self._panel(movement, correct), self._panel(movement, error_clip)]
        return self._section(movement, "comparison", panels, error_phases=tuple(error.phases), error_id=error.id)

    def _panel(self, movement: Movement, clip: dict, label: str = "form") -> Panel:
        context = {}
        for lang in LANGS:
            names = self._names(movement, clip, lang)
            context[lang] = {"form": names[label]}
        return Panel(clip, clip["form"], context)

    def _section(self, movement: Movement, kind: str, panels: list[Panel], error_phases: tuple[str, ...] = (),
                 error_id: str | None = None) -> Section:
        first = panels[0].clip
        context: dict[str, Any] = {"angle_id": first["angle"]}
        error = next((e for e in movement.errors if e.id == error_id), None)
        for lang in LANGS:
            names = self._names(movement, first, lang)
            names["error"] = getattr(error.name, lang) if error else ""
            names["correction"] = getattr(error.correction, lang) if error else ""
            context[lang] = names
        return Section(kind, tuple(panels), context, error_phases)

    def _names(self, movement: Movement, clip: dict, lang: str) -> dict[str, Any]:
        """The localized words a layout's text fields may use."""
        variation = next(v for v in movement.variations if v.id == clip["variation"])
        error = next((e for e in movement.errors if e.id == clip["form"]), None)
        muscles = {m.id: getattr(m.name, lang) for m in self.catalog.vocabulary.muscles}
        sep = "、" if lang == "zh" else ", "
        strings = {key: value[lang] for key, value in self.strings.items()}
        return {
            "exercise": getattr(movement.name, lang), "variation": getattr(variation.name, lang),
            "angle": getattr(self.catalog.angles[clip["angle"]].name, lang),
            "form": getattr(error.name, lang) if error else strings["correct"],
            "primary_muscles": sep.join(muscles[m] for m in movement.muscles.primary),
            "muscles": sep.join(muscles[m] for m in [*movement.muscles.primary, *movement.muscles.secondary]),
            "brand": {"name": self.brand.name, "end_card": getattr(self.brand.end_card, lang),
                      "cta": getattr(self.brand.cta, lang)},
            "strings": strings, "cues": [getattr(c, lang) for c in movement.cues],
        }

    # ---- one render -----------------------------------------------------------------------------------
    def _render(self, kind: str, parts: tuple[str, ...], movement: Movement, sections: list[Section],
                fmt: Format) -> Render:
        width, height = fmt.sized(self.draft)
        canvas = Rect(0, 0, width, height)
        safe = fmt.safe_rect(width, height)
        layout = self.layouts[kind]
        cards = [layer for layer in layout.layers if isinstance(layer, CARDS)]
        opening = [c for c in cards if isinstance(c, TitleCard)]
        closing = [c for c in cards if not isinstance(c, TitleCard)]
        scenes: list[SceneSpec] = []
        captions: dict[str, list[Event]] = {lang: [] for lang in LANGS}
        poster_time = None
        burned = False  # captions drawn into the picture, by any section's layout
        turns: dict[str, dict[str, int]] = {lang: {} for lang in LANGS}  # cues shown so far, across sections
        start = 0.0
        for card in opening:
            start = self._add_card(card, sections[0], canvas, safe, scenes, captions, start)
        if opening:  # a lesson's poster is its title card, not its first demonstration's
            poster_time = round(start / 2, 3)
        logo = next((layer for layer in layout.layers if isinstance(layer, Logo)), None)
        for section in sections:  # a lesson draws each section by its own layout, under the lesson's logo
            section_layout = layout if kind != "lesson" else self.layouts[section.kind]
            burned = burned or any(isinstance(layer, Caption) for layer in section_layout.layers)
            scene, events, key_time = self._video_scene(section, section_layout, movement, canvas, safe, logo, turns)
            if poster_time is None:
                poster_time = start + key_time
            for lang in LANGS:
                captions[lang] += [e.shifted(start) for e in events[lang]]
            scenes.append(scene)
            start += scene.duration
        for card in closing:
            start = self._add_card(card, sections[0], canvas, safe, scenes, captions, start)
        for scene in scenes:  # every burned-in text, now: a missing glyph must not wait for the render
            for text in [*scene.texts, *(p.label for p in scene.panels if p.label)]:
                check_glyphs(self.font, text.text)
        first = sections[0].panels[0].clip
        parts = parts if self.lang == "en" else (*parts, self.lang)  # both languages can live in one dist/
        render_id = ".".join((movement.id, *parts, fmt.slug))
        spec = RenderSpec(id=render_id, kind=kind, format=fmt.name, width=width, height=height, fps=first["fps"],
                          font=str(self.font.path), font_index=self.font.index, font_sha256=_sha256(self.font.path),
                          scenes=scenes)
        path = Path("renders") / movement.id / f"{'-'.join(parts)}.{fmt.slug}.mp4"
        entry = {
            "id": render_id, "kind": kind, "exercise": movement.id, "variation": first["variation"],
            "angle": first["angle"] if kind in ("demo", "comparison") else None, "format": fmt.name,
            "lang": self.lang, "title": {lang: self._title(kind, sections[0], lang) for lang in LANGS},
            "inputs": sorted({p.clip["id"] for s in sections for p in s.panels}),
            **({"overlays": True} if first.get("overlays") else {}),  # as on clips: absent when off
            **({"captions_burned_in": self.lang} if burned else {}),  # a player should not show them twice
        }
        return Render(spec, path, poster_time or 0.0, captions, entry)

    def _title(self, kind: str, section: Section, lang: str) -> str:
        names = section.context[lang]
        detail = {"demo": names["angle"], "comparison": names["error"], "lesson": names["variation"]}.get(
            kind, names["strings"].get(kind.replace("-", "_"), kind))
        return f"{names['exercise']}: {detail}"

    def _video_scene(self, section: Section, layout: Layout, movement: Movement, canvas: Rect, safe: Rect,
                     logo: Logo | None, turns: dict[str, dict[str, int]]):
        short = min(canvas.w, canvas.h)
        layers = {type(layer): layer for layer in layout.layers}
        border = layers.get(Border)
        label: Label | None = layers.get(Label)
        border_px = round(border.width * short) if border else 0
        gap = round(layout.gap * short)
        label_h = round(label.size * short * 1.9) if label else 0
        first = section.panels[0].clip
        aspect = first["width"] / first["height"]
        n = len(section.panels)
        area = geometry.panel_area(canvas, safe)
        area = area.inset(gap) if n > 1 else area
        caption = layers.get(Caption)
        label_room = geometry.without_band(safe, self._caption_height(caption, short) if caption else 0,
                                           caption.position if caption else "bottom")
        cols = geometry.columns(n, area, aspect, gap)  # the arrangement is chosen once, then only shrinks
        for step in range(SHRINK_STEPS + 1):
            cells = geometry.grid(n, geometry.shrink_towards(area, label_room, step / SHRINK_STEPS), aspect, gap, cols)
            fits = [geometry.fit((p.clip["width"], p.clip["height"]), cell.inset(border_px), layout.fit,
                                 layout.max_crop) for p, cell in zip(section.panels, cells, strict=True)]
            boxes = [geometry.label_box(f.dest, label_room, label_h, label.position, border_px + gap // 2)
                     if label else None for f in fits]
            if not label or all(boxes):
                break
        panels = []
        for panel, placed, box in zip(section.panels, fits, boxes, strict=True):
            color = None
            if border:
                color = border.correct or self.brand.colors.correct
                if panel.form != "correct":
                    color = border.error or self.brand.colors.error
            text = None
            if label and box:
                mark = "correct" if panel.form == "correct" else "error"
                background = self.brand.colors.caption_box
                if label.mark:
                    background = self.brand.colors.correct if mark == "correct" else self.brand.colors.error
                text = TextSpec(text=self._label_words(label, section, panel, self.lang), box=_box(box),
                                size=round(label.size * short), color=self.brand.colors.text,
                                background=background, anchor=f"{label.position}-left",
                                mark=mark if label.mark else None)
            clip = panel.clip
            panels.append(PanelSpec(clip=str(self.out / clip["path"]), sha256=clip["sha256"], frames=clip["frames"],
                                    fps=clip["fps"], size=(clip["width"], clip["height"]), scaled=placed.scaled,
                                    crop=placed.crop, dest=_box(placed.dest), border=color, border_width=border_px,
                                    label=text))
        duration = max(p.clip["frames"] for p in section.panels) / first["fps"]
        times = phase_times(movement, first["frames"], first["fps"])
        events = {lang: self._caption_events(layers.get(Caption), section, movement, times, duration, lang,
                                             turns[lang]) for lang in LANGS}
        if label and not caption:  # the labels are all the screen says: the caption files carry them
            events = {lang: [Event(0.0, round(duration, 3), ("✓ " if p.form == "correct" else "✗ ")
                                   + self._label_words(label, section, p, lang)) for p in section.panels]
                      for lang in LANGS}
        texts = [self._caption_text(e, caption, safe, short) for e in events[self.lang]] if caption else []
        texts += self._lower_third(layers, section, safe, short, duration)
        # the poster's moment: where the error shows for a comparison, else the movement's key phase
        telling = section.correction_phases[0] if section.correction_phases else movement.key_phase
        key_time = next((t for t, phase in times if phase == telling), 0.0)
        scene = SceneSpec(duration=duration, background=self.brand.colors.bars, panels=panels, texts=texts,
                          images=self._logos(logo, canvas, safe))
        return scene, events, key_time

    def _label_words(self, label: Label, section: Section, panel: Panel, lang: str) -> str:
        return self._text(label.text, {**section.context[lang], **panel.label_context[lang]})

    def _caption_events(self, caption: Caption | None, section: Section, movement: Movement, times, duration: float,
                        lang: str, turns: dict[str, int]) -> list[Event]:
        if caption is None:
            return []
        if caption.source == "corrections" and section.correction_phases:
            return phase_events(times, duration, list(section.correction_phases), section.context[lang]["correction"])
        return cue_events(times, duration, [(c.phase, getattr(c, lang)) for c in movement.cues], turns)

    @staticmethod
    def _caption_height(caption: Caption, short: int) -> int:
        """Room for two lines of caption with the box's padding."""
        size = round(caption.size * short)
        return round(size * 1.45 * 2 + size)

    def _caption_text(self, event: Event, caption: Caption, safe: Rect, short: int) -> TextSpec:
        size = round(caption.size * short)
        height = self._caption_height(caption, short)
        y = safe.bottom - height if caption.position == "bottom" else safe.y
        return TextSpec(text=event.text, box=Box(x=safe.x, y=y, w=safe.w, h=height), size=size,
                        color=self.brand.colors.text, background=self.brand.colors.caption_box,
                        anchor=f"{caption.position}-center", start=event.start, end=event.end)

    def _lower_third(self, layers: dict, section: Section, safe: Rect, short: int, duration: float) -> list[TextSpec]:
        layer: LowerThird | None = layers.get(LowerThird)
        if layer is None:
            return []
        size = round(layer.size * short)
        caption_room = self._caption_height(layers[Caption], short) if Caption in layers else 0
        bottom = safe.bottom - caption_room - size // 2
        context = section.context[self.lang]
        end = min(duration, layer.start + layer.seconds)
        title_h, sub_h = round(size * 2.0), round(size * 1.5)
        return [
            TextSpec(text=self._text(layer.title, context), box=Box(x=safe.x, y=bottom - title_h - sub_h,
                     w=safe.w * 2 // 3, h=title_h), size=size, color=self.brand.colors.text,
                     background=self.brand.colors.accent, anchor="bottom-left", start=layer.start, end=end),
            TextSpec(text=self._text(layer.subtitle, context), box=Box(x=safe.x, y=bottom - sub_h, w=safe.w * 2 // 3,
                     h=sub_h), size=round(size * 0.7), color=self.brand.colors.text,
                     background=self.brand.colors.caption_box, anchor="top-left", start=layer.start, end=end),
        ]

    def _logos(self, layer: Logo | None, canvas: Rect, safe: Rect) -> list[ImageSpec]:
        from PIL import Image

        if layer is None or self.brand.logo is None:
            return []
        with Image.open(self.brand.logo) as image:
            aspect = image.height / image.width
        w = round(layer.size * min(canvas.w, canvas.h))
        h = max(1, round(w * aspect))
        x = safe.x if layer.corner.endswith("left") else safe.right - w
        y = safe.y if layer.corner.startswith("top") else safe.bottom - h
        return [ImageSpec(path=str(self.brand.logo), sha256=_sha256(self.brand.logo), box=Box(x=x, y=y, w=w, h=h),
                          opacity=layer.opacity)]

    def _add_card(self, card, section: Section, canvas: Rect, safe: Rect, scenes: list[SceneSpec],
                  captions: dict[str, list[Event]], start: float) -> float:
        short = min(canvas.w, canvas.h)
        for lang in LANGS:
            title = self._text(card.title, section.context[lang])
            if isinstance(card, SummaryCard):
                cues = "\n".join(section.context[lang]["cues"])
                captions[lang].append(Event(round(start, 3), round(start + card.seconds, 3), f"{title}\n{cues}"))
            else:
                subtitle = self._text(card.subtitle, section.context[lang])
                captions[lang].append(Event(round(start, 3), round(start + card.seconds, 3), f"{title}\n{subtitle}"))
        context = section.context[self.lang]
        title_size, body_size = round(0.085 * short), round(0.042 * short)
        texts = []
        if isinstance(card, SummaryCard):
            texts.append(TextSpec(text=self._text(card.title, context), box=Box(x=safe.x, y=safe.y, w=safe.w,
                                  h=round(title_size * 1.6)), size=title_size, color=self.brand.colors.accent,
                                  anchor="top-center"))
            body_top = safe.y + round(title_size * 2)
            texts.append(TextSpec(text="\n".join(f"• {cue}" for cue in context["cues"]),
                                  box=Box(x=safe.x, y=body_top, w=safe.w, h=safe.bottom - body_top), size=body_size,
                                  color=self.brand.colors.text, anchor="top-center", align="left"))
        else:
            middle = safe.y + safe.h // 2
            texts.append(TextSpec(text=self._text(card.title, context), box=Box(x=safe.x, y=safe.y, w=safe.w,
                                  h=middle - safe.y), size=title_size, color=self.brand.colors.text,
                                  anchor="bottom-center"))
            texts.append(TextSpec(text=self._text(card.subtitle, context), box=Box(x=safe.x, y=middle + body_size // 2,
                                  w=safe.w, h=safe.bottom - middle - body_size // 2), size=body_size,
                                  color=self.brand.colors.accent, anchor="top-center"))
        scenes.append(SceneSpec(duration=card.seconds, background=self.brand.colors.card, texts=texts,
                                images=self._logos(END_CARD_LOGO, canvas, safe) if isinstance(card, EndCard) else []))
        return start + card.seconds

    def _text(self, template: str, context: dict[str, Any]) -> str:
        try:
            return self.env.from_string(template).render(**context).strip()
        except jinja2.TemplateError as exc:
            raise TemplateError(f"layout text {template!r}: {exc}; available: {', '.join(sorted(context))}") from None


def _box(rect: Rect) -> Box:
    return Box(x=rect.x, y=rect.y, w=rect.w, h=rect.h)


def _sha256(path: Path) -> str:
    """A file's sha256, computed again whenever the file changes (size or modification time)."""
    stat = Path(path).stat()
    return _sha256_of(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _sha256_of(path: str, mtime_ns: int, size: int) -> str:
    return file_sha256(Path(path))[1]


def load_strings(templates: Path | None) -> dict[str, dict[str, str]]:
    """``templates/captions/strings.yaml``: the interface words of captions and cards, per language."""
    from fitcontent.paths import packaged

    strings: dict[str, dict[str, str]] = {}
    for root in (packaged("templates"), templates):
        path = root / "captions" / "strings.yaml" if root else None
        if path and path.is_file():
            strings.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    return strings


def load_layouts(templates: Path | None) -> dict[str, Layout]:
    from fitcontent.post.spec import load_layout

    return {kind: load_layout(kind, templates)[0] for kind in KINDS}
