"""What the card layers share: a full-frame scene of words on the brand's card colour."""

from __future__ import annotations

from fitcontent.post.compose import ImageSpec, SceneSpec, TextSpec
from fitcontent.post.formats import Rect
from fitcontent.post.layers.base import Frame

TITLE = 0.085
BODY = 0.042
Part = tuple[SceneSpec, dict[str, str]]
"""One card scene and what its caption files say, per language."""


def headline_card(frame: Frame, seconds: float, title: str, subtitle: str,
                  images: list[ImageSpec] | None = None) -> SceneSpec:
    """A title above the middle of the safe zone and a subtitle in the accent colour below it."""
    safe, body = frame.safe, frame.px(BODY)
    middle = safe.y + safe.h // 2
    texts = [frame.text(title, frame.px(TITLE), Rect(safe.x, safe.y, safe.w, middle - safe.y), anchor="bottom-center"),
             frame.text(subtitle, body, Rect(safe.x, middle + body // 2, safe.w, safe.bottom - middle - body // 2),
                        color=frame.colors.accent, anchor="top-center")]
    return SceneSpec(duration=seconds, background=frame.colors.card, texts=texts, images=images or [])


def list_card(frame: Frame, seconds: float, title: str, items: list[str]) -> SceneSpec:
    """A title at the top and the items as bullets below it."""
    texts = list_texts(frame, title, items)
    return SceneSpec(duration=seconds, background=frame.colors.card, texts=texts)


def list_texts(frame: Frame, title: str, items: list[str]) -> list[TextSpec]:
    safe, size = frame.safe, frame.px(TITLE)
    head = frame.text(title, size, Rect(safe.x, safe.y, safe.w, round(size * 1.6)), color=frame.colors.accent,
                      anchor="top-center")
    top = safe.y + round(size * 2)
    body = frame.text("\n".join(f"• {item}" for item in items), frame.px(BODY),
                      Rect(safe.x, top, safe.w, safe.bottom - top), anchor="top-center", align="left")
    return [head, body]
