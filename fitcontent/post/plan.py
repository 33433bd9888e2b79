"""From built clips to render specs: groups (``groups.py``) laid out (``layout.py``) and decorated by their
layers (``layers/``), with the words of ``names.py``.

Every decision is made here, once, into a :class:`RenderSpec` (pure data); the compositor only executes it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from fitcontent.artifacts import ClipArtifact, RenderInfo, RenderKind
from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.models import Movement
from fitcontent.errors import FitcontentError
from fitcontent.fonts import FontRef, check_glyphs, default_font
from fitcontent.pose.motion import phase_times
from fitcontent.post import layout as rules
from fitcontent.post.captions import Event
from fitcontent.post.compose import ImageSpec, PanelSpec, RenderSpec, SceneSpec, TextSpec
from fitcontent.post.formats import Format, Rect
from fitcontent.post.groups import Grouper, Section
from fitcontent.post.layers import (
    CARDS,
    Border,
    Caption,
    EndCard,
    Label,
    Logo,
    LowerThird,
    SummaryCard,
    TitleCard,
)
from fitcontent.post.layers.base import Frame, box_of
from fitcontent.post.names import LANGS, Names, title
from fitcontent.post.spec import KINDS, Brand, Layout
from fitcontent.post.text import units
from fitcontent.store import hashed

END_CARD_LOGO = Logo(corner="bottom-right", size=0.2)
_L = TypeVar("_L")


class Render(BaseModel):
    """One video to make: its spec, where it goes, its poster time, its captions in every language, and what
    its manifest entry will say about it. Plain data: it can be sent to another process."""

    model_config = ConfigDict(frozen=True)
    spec: RenderSpec
    path: Path  # relative to dist/
    poster_time: float
    captions: dict[str, list[Event]]
    info: RenderInfo

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def frames(self) -> int:
        return self.spec.frames


@dataclass
class _Scene:
    """A video scene made: its spec, its captions per language, and its telling moment (seconds)."""

    spec: SceneSpec
    events: dict[str, list[Event]]
    key_time: float


class Planner:
    def __init__(self, catalog: Catalog, layouts: dict[str, Layout], brand: Brand, strings: dict[str, dict[str, str]],
                 formats: list[Format], lang: Literal["en", "zh"], out: Path, draft: bool = False):
        self.catalog, self.layouts, self.brand = catalog, layouts, brand
        self.formats, self.lang, self.out, self.draft = formats, lang, out, draft
        self.font = FontRef(brand.font, brand.font_index) if brand.font else default_font()
        self.names = Names(catalog, brand, strings)
        self.grouper = Grouper(self.names, layouts)

    def plan(self, clips: list[ClipArtifact], kinds: list[str]) -> list[Render]:
        """Every render ``kinds`` asks for, in every format, from the clips of this build."""
        by_exercise: dict[str, list[ClipArtifact]] = {}
        for clip in clips:
            by_exercise.setdefault(clip.exercise, []).append(clip)
        renders = []
        for exercise, group in by_exercise.items():
            movement = self.catalog.movement(exercise)
            drawn = [c for c in group if c.overlays]
            plain = [c for c in group if not c.overlays]
            for overlays, clips_now in ((False, plain), (True, drawn)):
                for kind, parts, sections in self.grouper.groups(movement, clips_now):
                    if kind in kinds and self._overlaid(kind, drawn, plain) == overlays:
                        if overlays and not self.layouts[kind].overlays:  # a build --overlays: its own renders
                            parts = (*parts, "overlays")
                        renders += [self._render(kind, parts, movement, sections, fmt) for fmt in self.formats]
        return renders

    def _overlaid(self, kind: str, drawn: list[ClipArtifact], plain: list[ClipArtifact]) -> bool:
        """Whether ``kind`` shows the clips with overlays: when its layout asks for them, or when the build
        made only those (``--overlays``); never when there are none (a backend that cannot draw them)."""
        return bool(drawn) and (self.layouts[kind].overlays or not plain)

    # ---- one render -----------------------------------------------------------------------------------
    def _render(self, kind: RenderKind, parts: tuple[str, ...], movement: Movement, sections: list[Section],
                fmt: Format) -> Render:
        width, height = fmt.sized(self.draft)
        frame = Frame(Rect(0, 0, width, height), fmt.safe_rect(width, height), self.brand.colors, self.font)
        layout = self.layouts[kind]
        cards = [layer for layer in layout.layers if isinstance(layer, CARDS)]
        scenes: list[SceneSpec] = []
        captions: dict[str, list[Event]] = {lang: [] for lang in LANGS}
        poster_time = None
        burned = False  # captions drawn into the picture, by any section's layout
        turns: dict[str, dict[str, int]] = {lang: {} for lang in LANGS}  # cues shown so far, across sections
        start = 0.0
        for card in [c for c in cards if isinstance(c, TitleCard)]:
            start = self._add_card(card, sections[0], frame, scenes, captions, start)
            poster_time = round(start / 2, 3)  # a lesson's poster is its title card, not its first demonstration
        logo = next((layer for layer in layout.layers if isinstance(layer, Logo)), None)
        for section in sections:  # a lesson draws each section by its own layout, under the lesson's logo
            section_layout = layout if kind != "lesson" else self.layouts[section.kind]
            burned = burned or any(isinstance(layer, Caption) for layer in section_layout.layers)
            made = self._video_scene(section, section_layout, movement, frame, logo, turns)
            if poster_time is None:
                poster_time = start + made.key_time
            for lang in LANGS:
                captions[lang] += [e.shifted(start) for e in made.events[lang]]
            scenes.append(made.spec)
            start += made.spec.duration
        for closing in [c for c in cards if not isinstance(c, TitleCard)]:
            start = self._add_card(closing, sections[0], frame, scenes, captions, start)
        for scene in scenes:  # every burned-in text, now: a missing glyph must not wait for the render
            for text in [*scene.texts, *(p.label for p in scene.panels if p.label)]:
                check_glyphs(self.font, text.text)
        first = sections[0].panels[0].clip
        parts = parts if self.lang == "en" else (*parts, self.lang)  # both languages can live in one dist/
        render_id = ".".join((movement.id, *parts, fmt.slug))
        spec = RenderSpec(id=render_id, kind=kind, format=fmt.name, width=width, height=height, fps=first.fps,
                          font=str(self.font.path), font_index=self.font.index, font_sha256=hashed(self.font.path)[1],
                          scenes=scenes)
        path = Path("renders") / movement.id / f"{'-'.join(parts)}.{fmt.slug}.mp4"
        info = RenderInfo(
            id=render_id, kind=kind, exercise=movement.id, variation=first.variation,
            angle=first.angle if kind in ("demo", "comparison") else None, format=fmt.name, lang=self.lang,
            title={lang: title(kind, sections[0].context[lang]) for lang in LANGS},
            inputs=sorted({p.clip.id for s in sections for p in s.panels}), overlays=first.overlays,
            captions_burned_in=self.lang if burned else None,  # a player should not show them twice
        )
        return Render(spec=spec, path=path, poster_time=poster_time or 0.0, captions=captions, info=info)

    def _video_scene(self, section: Section, layout: Layout, movement: Movement, frame: Frame, logo: Logo | None,
                     turns: dict[str, dict[str, int]]) -> _Scene:
        border = _layer(layout.layers, Border)
        label = _layer(layout.layers, Label)
        caption = _layer(layout.layers, Caption)
        lower = _layer(layout.layers, LowerThird)
        first = section.panels[0].clip
        duration = max(p.clip.frames for p in section.panels) / first.fps
        times = phase_times(movement, first.frames, first.fps)
        events = {lang: caption.events(times, duration, [(c.phase, getattr(c, lang)) for c in movement.cues],
                                       (section.correction_phases, section.context[lang]["correction"]), turns[lang])
                  if caption else [] for lang in LANGS}
        words = [self.names.text(label.text, {**section.context[self.lang], **p.label_context[self.lang]})
                 for p in section.panels] if label else []
        if label and not caption:  # the labels are all the screen says: the caption files carry them
            events = {lang: [Event(0.0, round(duration, 3), label.caption(
                self.names.text(label.text, {**section.context[lang], **p.label_context[lang]}), p.form))
                for p in section.panels] for lang in LANGS}
        context = section.context[self.lang]
        lower_words = (self.names.text(lower.title, context), self.names.text(lower.subtitle, context)) \
            if lower else ("", "")
        caption_h = caption.height([e.text for e in events[self.lang]], frame) if caption else 0
        corner = lower.size_of(*lower_words, frame) if lower else None
        position = caption.position if caption else "bottom"
        needs = [rules.PanelNeed((p.clip.width, p.clip.height), _subject(p.clip),
                                 self._measurer(label, words[i], p.form, frame) if label else None)
                 for i, p in enumerate(section.panels)]
        border_px = round(border.width * frame.short) if border else 0
        placed = rules.arrange(frame.canvas, frame.safe, needs, caption_h, position, corner, layout.fit,
                               layout.max_crop, round(layout.gap * frame.short), border_px)
        panels = []
        for i, (panel, at) in enumerate(zip(section.panels, placed.panels, strict=True)):
            text = None
            if label and at.label is not None and at.label_room is not None:
                text = label.spec(words[i], panel.form, frame, at.label_room, at.label_anchor)
            clip = panel.clip
            panels.append(PanelSpec(clip=str(self.out / clip.path), sha256=clip.sha256, frames=clip.frames,
                                    fps=clip.fps, size=(clip.width, clip.height), scaled=at.fit.scaled,
                                    crop=at.fit.crop, dest=box_of(at.fit.dest), border_width=border_px,
                                    border=border.color(panel.form, self.brand.colors) if border else None,
                                    label=text))
        texts: list[TextSpec] = [caption.spec(e, frame, placed.caption) for e in events[self.lang]] if caption else []
        if lower and placed.corner:
            texts += lower.specs(*lower_words, frame, placed.corner.x, placed.corner.y, duration)
        # the poster's moment: where the error shows for a comparison, else the movement's key phase
        telling = section.correction_phases[0] if section.correction_phases else movement.key_phase
        key_time = next((t for t, phase in times if phase == telling), 0.0)
        scene = SceneSpec(duration=duration, background=self.brand.colors.bars, panels=panels, texts=texts,
                          images=self._logo(logo, frame, placed.taken))
        return _Scene(scene, events, key_time)

    def _measurer(self, label: Label, words: str, form: str, frame: Frame):
        """The drawn (w, h) of a panel's label when it may be ``width`` wide: on one line where a smaller
        size allows it (a low strip above the panels), else wrapped; None where it fits only with a word
        split or below the smallest size."""
        check_glyphs(self.font, words)  # a missing glyph is an error, not a label that "does not fit"
        face = self.font.at(frame.min_text)
        widest = max((unit.strip() for paragraph in words.split("\n") for unit in units(paragraph)), key=face.getlength)
        alone = label.spec(widest, form, frame, Rect(0, 0, frame.canvas.w * 4, frame.canvas.h))  # on one line
        alone_w, one_line = frame.measure(alone)
        pads = alone_w - round(self.font.at(alone.size).getlength(widest))  # and mark, around the words
        need = pads + face.getlength(widest)  # the widest word whole at the smallest size

        @functools.lru_cache(maxsize=512)  # the layout tries many widths, many of them more than once
        def measure(width: int) -> tuple[int, int] | None:
            if width < need:  # a word would be split
                return None
            for height in (one_line, frame.canvas.h):
                try:
                    return frame.measure(label.spec(words, form, frame, Rect(0, 0, width, height)))
                except FitcontentError:  # too narrow for the words at the smallest size
                    continue
            return None
        return measure

    def _logo(self, layer: Logo | None, frame: Frame, taken: list[Rect]) -> list[ImageSpec]:
        """The logo in its corner, or the first other corner clear of the athletes and the text."""
        from PIL import Image

        if layer is None or self.brand.logo is None:
            return []
        with Image.open(self.brand.logo) as image:
            aspect = image.height / image.width
        corners = layer.corners(frame, aspect)
        return [layer.image(self.brand.logo, hashed(self.brand.logo)[1],
                            corners[rules.free_corner(corners, taken, layer.corner)])]

    def _add_card(self, card, section: Section, frame: Frame, scenes: list[SceneSpec],
                  captions: dict[str, list[Event]], start: float) -> float:
        """The card's scenes (a summary may need several) and their caption cues; returns the new start."""
        text = self.names.text
        if isinstance(card, SummaryCard):
            parts = card.parts({lang: (text(card.title, section.context[lang]), section.context[lang]["cues"])
                                for lang in LANGS}, self.lang, frame)
        else:
            words = {lang: (text(card.title, section.context[lang]), text(card.subtitle, section.context[lang]))
                     for lang in LANGS}
            if isinstance(card, EndCard):
                parts = card.parts(words, self.lang, frame, self._logo(END_CARD_LOGO, frame, [])[0]
                                   if self.brand.logo else None)
            else:
                parts = card.parts(words, self.lang, frame)
        for scene, said in parts:
            for lang in LANGS:
                captions[lang].append(Event(round(start, 3), round(start + scene.duration, 3), said[lang]))
            scenes.append(scene)
            start += scene.duration
        return start


def _layer(layers: Sequence[object], kind: type[_L]) -> _L | None:
    """The last of ``layers`` whose type is exactly ``kind``, if any."""
    found = [layer for layer in layers if type(layer) is kind]
    return found[-1] if found else None


def _subject(clip: ClipArtifact) -> Rect:
    """The box the clip's body and props stay in (its manifest entry's ``subject``), else the whole clip."""
    x0, y0, x1, y1 = clip.subject or (0, 0, clip.width, clip.height)
    return Rect(x0, y0, x1 - x0, y1 - y0)


def load_layouts(templates: Path | None) -> dict[str, Layout]:
    from fitcontent.post.spec import load_layout

    return {kind: load_layout(kind, templates)[0] for kind in KINDS}
