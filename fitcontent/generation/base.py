"""What every backend receives (a fully rendered shot specification) and returns (a clip)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

if TYPE_CHECKING:
    from fitcontent.generation.models import Family
    from fitcontent.pose.stills import ShotMotion

OVERLAYS = "overlays"
"""The last part of the id of a clip drawn with coaching overlays, and of its file name."""


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
    overlays: bool = Field(default=False, description="coaching overlays drawn on the clip (preview backend)")
    overlay_digest: str = Field(default="", description="with overlays: digest of the catalog data they draw")

    @model_serializer(mode="wrap")
    def _without_default_overlays(self, handler: SerializerFunctionWrapHandler) -> dict:
        """Leaves ``overlays`` and its digest out when off: a spec's dump is its store key, and clips
        without overlays must keep the keys (and cached files) they had before the fields existed."""
        data = handler(self)
        if not self.overlays:
            data.pop("overlays", None)
            data.pop("overlay_digest", None)
        return data

    @property
    def seconds(self) -> float:
        return self.frames / self.fps

    @property
    def stem(self) -> str:
        """The clip's file name without suffix: ``bodyweight-front-correct``, ``....overlays`` with overlays."""
        return f"{self.variation}-{self.angle}-{self.form}" + (f".{OVERLAYS}" if self.overlays else "")

    def with_overlays(self, on: bool = True, digest: str = "") -> ShotSpec:
        """This shot with coaching overlays drawn (or not): another clip, with its own id, file and key;
        ``digest`` hashes the catalog data the overlays draw (select.overlay_digest)."""
        plain = self.id.removesuffix(f".{OVERLAYS}") if self.overlays else self.id
        return self.model_copy(update={"overlays": on, "id": f"{plain}.{OVERLAYS}" if on else plain,
                                       "overlay_digest": (digest or self.overlay_digest) if on else ""})


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
    model: str | None
    """The model directory it loads (None for the pose engine)."""
    family: Family | None
    """The video model family, whose geometry a request defaults to (None: any size the catalog asks)."""
    draws_overlays: bool
    """Whether it draws a spec's coaching overlays (``ShotSpec.overlays``)."""

    def check(self, spec: ShotSpec) -> None:
        """Raise when ``spec`` breaks the backend's rules, before any weight loads."""

    def load(self) -> None: ...

    def generate(self, spec: ShotSpec, path: Path, progress: Progress | None = None) -> Clip: ...

    def motion(self, spec: ShotSpec) -> ShotMotion:
        """The motion the clip shows (pose engine) or was asked to show (a video model): its pose track."""

    def provenance(self) -> dict[str, Any] | None:
        """How the last clip was made (profile, seconds, memory), kept beside it in the store; None if nothing."""
