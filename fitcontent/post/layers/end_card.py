"""``end_card``: a card after the video, the brand, its call to action and its logo."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fitcontent.post.compose import ImageSpec
from fitcontent.post.layers.base import Frame, Strict
from fitcontent.post.layers.cards import Part, headline_card

LOGO_SIZE = 0.2


class EndCard(Strict):
    """A card after the video: the brand and its call to action."""

    type: Literal["end_card"] = "end_card"
    seconds: float = Field(default=2.5, gt=0, le=30)
    title: str = "{{ brand.end_card }}"
    subtitle: str = "{{ brand.cta }}"

    def parts(self, words: dict[str, tuple[str, str]], lang: str, frame: Frame,
              logo: ImageSpec | None = None) -> list[Part]:
        scene = headline_card(frame, self.seconds, *words[lang], images=[logo] if logo else [])
        return [(scene, {code: f"{title}\n{subtitle}" for code, (title, subtitle) in words.items()})]
