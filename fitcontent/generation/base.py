"""What every backend receives: a fully rendered shot specification."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class ShotSpec(BaseModel):
    """Everything needed to make one clip; two equal specs make the same clip."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="exercise.variation.angle.form, also the clip's file stem")
    exercise: str
    variation: str
    angle: str
    form: str = Field(description="'correct' or the id of the error shown")
    prompt: str
    negative_prompt: str
    prompt_tokens: int = Field(description="conservative T5 token estimate of the prompt")
    width: int
    height: int
    frames: int
    fps: int
    seed: int
    environment: str
    lighting: str
    style: str
    subject: str

    @property
    def seconds(self) -> float:
        return self.frames / self.fps
