"""What a build makes, as typed records: a clip, a render, and ``manifest.json`` listing them.

These are the entries of ``dist/manifest.json`` (its JSON Schema: ``fitcontent schema manifest``). The engine
makes them, post-production reads clips from them, and the exports read renders from them. Optional facts
that are off (``overlays``, ``generation``, ``captions_burned_in``) are left out of the JSON, so entries read
the same as before those fields existed.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, SerializerFunctionWrapHandler, Tag, model_serializer

RenderKind = Literal["demo", "comparison", "error-grid", "angle-grid", "variations", "lesson"]
OMITTED_WHEN_OFF = ("overlays", "generation", "captions_burned_in")


class _Entry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    @model_serializer(mode="wrap")
    def _without_off_facts(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        for name in OMITTED_WHEN_OFF:
            if name in data and not data[name]:
                del data[name]
        return data


class ClipArtifact(_Entry):
    """One generated clip in ``dist/<exercise>/``, with the pose track it follows and how it was made."""

    id: str = Field(description="exercise.variation.angle.form[.overlays]")
    exercise: str
    variation: str
    angle: str
    form: str = Field(description="'correct' or the id of the error shown")
    kind: Literal["clip"] = "clip"
    path: str = Field(description="the video, relative to dist/")
    pose: str = Field(description="its pose track (JSON), relative to dist/")
    width: int
    height: int
    frames: int
    fps: int
    duration: float = Field(description="seconds")
    backend: str
    backend_version: str
    model: str | None = Field(description="the model directory, for a video model")
    seed: int
    prompt: str
    negative_prompt: str
    cache_key: str = Field(description="the store key: sha256 of the spec, backend and version")
    sha256: str
    generation: dict[str, Any] | None = Field(default=None, description="a video model's profile, time, memory")
    overlays: bool = Field(default=False, description="coaching overlays drawn on the clip")
    subject: tuple[int, int, int, int] | None = Field(default=None, description="x0, y0, x1, y1 the body stays in")


class RenderInfo(_Entry):
    """What a render shows, decided when it is planned (before its video exists)."""

    id: str
    kind: RenderKind
    exercise: str
    variation: str
    angle: str | None = Field(description="the camera of a demo or comparison; None where several are shown")
    format: str = Field(description="aspect ratio: 16:9, 9:16, 1:1 or 4:5")
    lang: Literal["en", "zh"] = Field(description="the language of the text burned into the picture")
    title: dict[str, str] = Field(description="per language")
    inputs: list[str] = Field(description="ids of the clips it shows")
    overlays: bool = False
    captions_burned_in: str | None = Field(default=None, description="the language of captions in the picture")


class RenderArtifact(RenderInfo):
    """One finished video in ``dist/renders/``, with its poster and caption files (all paths relative to dist/)."""

    path: str
    width: int
    height: int
    fps: int
    frames: int
    duration: float
    poster: str
    poster_time: float = Field(description="seconds into the video the poster shows")
    captions: dict[str, str] = Field(description="WebVTT file per language")
    subtitles: dict[str, str] = Field(description="SRT file per language")
    backend: str
    backend_version: str
    cache_key: str
    sha256: str


def _kind(value: Any) -> str:
    kind = value.get("kind") if isinstance(value, dict) else getattr(value, "kind", None)
    return "clip" if kind == "clip" else "render"


Artifact = Annotated[Annotated[ClipArtifact, Tag("clip")] | Annotated[RenderArtifact, Tag("render")],
                     Discriminator(_kind)]


class BuildFigures(BaseModel):
    """What a build did and cost, every worker together."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    executor: str = Field(description="local, accelerate, 'accelerate, parallel cfg' or ray")
    workers: int = Field(description="the processes or Ray actors that made its clips")
    clips_made: int
    clips_cached: int
    seconds: float = Field(description="the build's wall time")
    worker_seconds_per_clip: float | None = Field(
        description="seconds spent making each clip made, summed over the workers that made it together: "
                    "GPU-seconds where each worker holds a GPU (None when no clip was made)")
    clips_per_hour: float = Field(description="clips made per hour of the build's wall time")


class Approval(BaseModel):
    """Who approved a preview for the video model, when, and which shots."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    by: str = Field(description="the name of the approver's API token")
    at: str = Field(description="ISO 8601 time, UTC")
    shots: list[str] = Field(description="ids of the shots approved")
    job: str | None = Field(default=None, description="the studio job it belongs to")


class Manifest(BaseModel):
    """``dist/manifest.json``: every clip and render in dist/, sorted by path, and the last build's figures."""

    model_config = ConfigDict(extra="ignore")

    generator: str = Field(description="fitcontent and its version")
    last_build: BuildFigures | None = Field(
        default=None, description="the last build that made something here (one that found everything in the "
                                  "store leaves the file as it was)")
    approval: Approval | None = Field(default=None, description="the approved preview these clips were made from")
    artifacts: list[Artifact]
