"""``summary_card``: the lesson's recap, the movement's cues; as many cards as keep the text readable."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from fitcontent.errors import FitcontentError
from fitcontent.post.layers.base import Frame, Strict
from fitcontent.post.layers.cards import Part, list_card, list_texts


class SummaryCard(Strict):
    """A card listing the movement's cues (the lesson's recap)."""

    type: Literal["summary_card"] = "summary_card"
    seconds: float = Field(default=5.0, gt=0, le=60, description="per card, when the cues need several")
    title: str = "{{ strings.key_points }}"

    def parts(self, words: dict[str, tuple[str, list[str]]], lang: str, frame: Frame) -> list[Part]:
        """``words``: (title, cues) per language. The cues are split over several cards where one card
        could show them only below the minimum text size: fewer words per card, not smaller letters."""
        title, cues = words[lang]
        parts = []
        for page in self.pages(title, cues, frame):
            scene = list_card(frame, self.seconds, title, [cues[i] for i in page])
            said = {code: "\n".join([head, *(items[i] for i in page)]) for code, (head, items) in words.items()}
            parts.append((scene, said))
        return parts

    def pages(self, title: str, cues: list[str], frame: Frame) -> list[list[int]]:
        """Consecutive groups of cue indices, as few as fit at the body's size (each at least one cue)."""
        pages: list[list[int]] = []
        for index in range(len(cues)):
            if pages and _fits(frame, title, [cues[i] for i in (*pages[-1], index)]):
                pages[-1].append(index)
            else:
                pages.append([index])
        return pages


def _fits(frame: Frame, title: str, items: list[str]) -> bool:
    try:
        for spec in list_texts(frame, title, items):
            frame.measure(spec)
    except FitcontentError:
        return False
    return True
