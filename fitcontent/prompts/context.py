"""The typed context every prompt template receives; a misspelt name fails when the template renders."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from fitcontent.catalog.models import Angle, FormError, Movement, Named, SceneChoice, Variation


class PromptContext(BaseModel):
    """One shot, as templates see it. ``error`` is None for the correct-form shot."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    movement: Movement
    variation: Variation
    angle: Angle
    error: FormError | None
    equipment: list[Named]
    environment: SceneChoice
    lighting: SceneChoice
    style: SceneChoice
    subject: SceneChoice
    negative_prompt: str
    other_errors: list[FormError]
    """The movement's errors this shot does not show (a correct shot avoids all of them)."""
