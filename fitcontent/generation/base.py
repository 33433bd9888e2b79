"""What every backend receives (a fully rendered shot specification) and returns (a clip)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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
    motion: str = Field(description="digest of the catalog pose data the motion follows")

    @property
    def seconds(self) -> float:
        return self.frames / self.fps


Progress = Callable[[int, int], None]
"""Called with (frames done, frames in total) while a clip is made."""


@dataclass(frozen=True)
class Clip:
    """What a backend made: the file and the facts the manifest records about it."""

    path: Path
    width: int
    height: int
    frames: int
    fps: int
    backend: str
    model: str | None


class Backend(Protocol):
    """A clip maker. ``load`` runs once per process; ``generate`` once per shot, reusing what load built."""

    name: str
    version: str
    """Bumped whenever output for the same spec changes, so cached clips of the old version are redone."""

    def load(self) -> None: ...

    def generate(self, spec: ShotSpec, path: Path, progress: Progress | None = None) -> Clip: ...
