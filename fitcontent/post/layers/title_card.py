"""``title_card``: a card before the video, the exercise and the muscles it trains."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fitcontent.post.layers.base import Frame, Strict
from fitcontent.post.layers.cards import Part, headline_card


class TitleCard(Strict):
    """A card before the video: the exercise and the muscles it trains."""

    type: Literal["title_card"] = "title_card"
    seconds: float = Field(default=2.5, gt=0, le=30)
    title: str = "{{ exercise }}"
    subtitle: str = "{{ strings.primary_muscles }}{{ strings.colon }}{{ primary_muscles }}"

    def parts(self, words: dict[str, tuple[str, str]], lang: str, frame: Frame) -> list[Part]:
        """``words``: (title, subtitle) per language; ``lang`` is drawn."""
        scene = headline_card(frame, self.seconds, *words[lang])
        return [(scene, {code: f"{title}\n{subtitle}" for code, (title, subtitle) in words.items()})]
