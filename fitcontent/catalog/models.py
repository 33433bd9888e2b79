"""The catalog schema: pydantic models for every catalog file, strict about unknown keys.

File kinds: one file per movement (``squat.yaml``), ``angles.yaml``, ``settings.yaml`` (scene
choices and plan defaults) and ``vocabulary.yaml`` (muscles and equipment). Cross-file references
(an error's angles, a cue's phase, a muscle id) are checked in ``checks.py``, not here, so that a
single file validates on its own.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")


def _english(text: str) -> str:
    """Reject CJK text where the video model reads it (CogVideoX's T5 encoder is English-only)."""
    match = CJK.search(text)
    if match:
        raise ValueError(f"must be English (the video model reads English only); found {match.group()!r}")
    return text


def _chinese(text: str) -> str:
    if not CJK.search(text):
        raise ValueError("must contain Chinese text")
    return text


Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=40)]
"""Lower-case kebab-case identifier, used in file names and shot ids."""
English = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_english)]
Chinese = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_chinese)]


class Strict(BaseModel):
    """Base of every catalog model: unknown keys are errors, objects are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(Strict):
    """A text in English and Chinese (captions, names); prompts use only ``en``."""

    en: English
    zh: Chinese


class Named(Strict):
    id: Id
    name: Text


# --- vocabulary.yaml ---------------------------------------------------------------------------


class Vocabulary(Strict):
    """Closed lists that movements refer to by id, with display names for captions and courses."""

    muscles: list[Named] = Field(min_length=1)
    equipment: list[Named] = Field(min_length=1)


# --- angles.yaml -------------------------------------------------------------------------------


class Angle(Named):
    """A camera position around the athlete; defined once and shared by every movement."""

    yaw_deg: float = Field(ge=-180, le=180, description="0 = camera in front of the athlete, 90 = at their left side")
    pitch_deg: float = Field(ge=-60, le=60, description="positive = camera looks down at the athlete")
    distance_m: float = Field(default=4.0, gt=0.5, le=20)
    height_m: float = Field(default=1.0, ge=0, le=5, description="camera lens height above the floor")
    prompt: English = Field(description="how the camera is described to the video model")


class Angles(Strict):
    angles: list[Angle] = Field(min_length=1)


# --- settings.yaml -----------------------------------------------------------------------------


class SceneChoice(Named):
    """An environment, lighting, style or subject option and its prompt phrase."""

    prompt: English


class Defaults(Strict):
    """What a plan uses when the request does not say."""

    angles: list[Id] = Field(min_length=1)
    environment: Id
    lighting: Id
    style: Id
    subject: Id
    width: int = Field(ge=64, le=4096, multiple_of=16)
    height: int = Field(ge=64, le=4096, multiple_of=16)
    fps: int = Field(ge=1, le=60)
    frames: int = Field(ge=2, le=1000)
    negative_prompt: English


class CatalogSettings(Strict):
    """settings.yaml: scene choices (environments, lighting, styles, subjects) and plan defaults."""

    environments: list[SceneChoice] = Field(min_length=1)
    lighting: list[SceneChoice] = Field(min_length=1)
    styles: list[SceneChoice] = Field(min_length=1)
    subjects: list[SceneChoice] = Field(min_length=1)
    defaults: Defaults


# --- one file per movement ---------------------------------------------------------------------

Category = Literal[
    "squat", "hinge", "lunge", "horizontal-push", "vertical-push", "horizontal-pull", "vertical-pull", "bridge"
]


class Muscles(Strict):
    primary: list[Id] = Field(min_length=1)
    secondary: list[Id] = Field(default_factory=list)


class Tempo(Strict):
    """Seconds per part of one repetition, as coaches write it (3-1-1-0)."""

    eccentric: float = Field(ge=0, le=10)
    bottom_pause: float = Field(ge=0, le=10)
    concentric: float = Field(ge=0, le=10)
    top_pause: float = Field(ge=0, le=10)

    @property
    def seconds(self) -> float:
        return self.eccentric + self.bottom_pause + self.concentric + self.top_pause

    def __str__(self) -> str:
        return "-".join(f"{v:g}" for v in (self.eccentric, self.bottom_pause, self.concentric, self.top_pause))


class MovementPrompt(Strict):
    """English, visual sentences the prompt templates assemble; no coaching jargon."""

    setup: English = Field(description="starting position and stance")
    action: English = Field(description="what the body does through one repetition")
    form: English = Field(description="what correct form looks like; an error shot replaces it")


class Phase(Named):
    """A named moment of a repetition (top, bottom, ...), referenced by cues, errors and keyframes."""


JointAngles = dict[Annotated[str, StringConstraints(pattern=r"^[a-z]+(_[a-z]+)*$")], float]
"""Joint angles in degrees by name (``knee_flexion``, ``hip_rotation_l``); fitcontent/pose/skeleton.py
lists the names, and a name without ``_l``/``_r`` sets both sides."""


class Rig(Strict):
    """How the pose engine places the body: its base orientation and what stays put."""

    posture: Literal["standing", "prone", "supine"] = "standing"
    contact: Literal["feet", "hands", "back"] = Field(
        default="feet", description="what stays put; the body's position is solved from it every frame")
    also_floor: Literal["feet", "none"] = Field(
        default="none", description="a second contact kept on the floor by pitching the body about the first")
    bench: Literal["none", "under-torso", "behind-shoulders"] = "none"


class Keyframe(Strict):
    phase: Id
    t: float = Field(ge=0, le=1, description="normalized time within one repetition")
    pose: JointAngles = Field(default_factory=dict)


class Cue(Text):
    """A coaching cue, shown as a caption at the phase it describes."""

    phase: Id


class Variation(Named):
    """A version of the movement; the first one listed is the movement's default."""

    equipment: list[Id] = Field(default_factory=list)
    setup: English | None = Field(default=None, description="replaces the movement's setup (e.g. a wide stance)")
    prompt: English = Field(description="what this variation adds to the setup, e.g. the load and grip")
    pose: JointAngles = Field(default_factory=dict, description="joint angles that replace the movement's "
                                                                "at every keyframe (stance, grip)")
    phase_pose: dict[Id, JointAngles] = Field(
        default_factory=dict, description="angles that replace the movement's at the keyframes of one phase "
                                          "(arms kept level at the bottom of a squat, a wider sumo knee)")
    load_at: Literal["hands", "back"] = Field(default="hands", description="where a barbell rests")
    hands_on: Literal["floor", "bench"] = Field(default="floor", description="what the hands rest on when they "
                                                "hold the body (an incline push-up: a bench)")


class MotionPoint(Strict):
    """One point of an error's motion curve: joint deltas at a time of the repetition."""

    t: float = Field(ge=0, le=1, description="normalized time within one repetition")
    pose: JointAngles = Field(default_factory=dict)


class Signature(Strict):
    """What makes an error that error: a metric of fitcontent/pose/metrics.py and its threshold.

    The error must reach the threshold and the correct form must not, in every variation.
    """

    metric: Id
    phase: Id | None = Field(default=None, description="where it is measured; default: the error's first phase")
    side: Literal["l", "r"] | None = Field(default=None, description="one side only (the lunge's front leg)")
    at_least: float | None = None
    at_most: float | None = None
    variations: dict[Id, float] = Field(default_factory=dict, description="another threshold for a variation "
                                        "whose geometry differs (a diamond push-up's hands sit together)")

    @model_validator(mode="after")
    def _one_threshold(self) -> Signature:
        if (self.at_least is None) == (self.at_most is None):
            raise ValueError("give exactly one threshold: at_least or at_most")
        return self

    def threshold(self, variation: str) -> float:
        default = self.at_least if self.at_least is not None else self.at_most
        assert default is not None  # _one_threshold requires exactly one
        return self.variations.get(variation, default)

    def met(self, value: float, variation: str) -> bool:
        limit = self.threshold(variation)
        return value >= limit if self.at_least is not None else value <= limit


class FormError(Named):
    """A common form error: how it looks, how to fix it, where and from which cameras it shows."""

    looks_like: Text
    correction: Text
    prompt: English = Field(description="replaces the movement's correct-form sentence in the prompt")
    action: English | None = Field(
        default=None, description="replaces the movement's action when the error changes the motion (range, path)"
    )
    angles: list[Id] = Field(min_length=1, description="camera angles that show this error best")
    phases: list[Id] = Field(min_length=1, description="phases where the error shows")
    pose_modifier: JointAngles = Field(
        default_factory=dict, description="joint angle deltas, in full at the error's phases, eased in and out")
    phase_pose: dict[Id, JointAngles] = Field(
        default_factory=dict, description="deltas for one phase that differ from pose_modifier (e.g. half range: "
                                          "lower at the top, higher at the hang)")
    compensation: JointAngles = Field(
        default_factory=dict, description="deltas that follow from the fault rather than make it (arms kept "
                                          "under the bar as the back rounds): applied with it, never highlighted")
    motion: list[MotionPoint] = Field(
        default_factory=list, description="deltas over the repetition for faults of motion or timing (a swing, "
                                          "a bounce): eased between points, zero at t 0 and 1 unless given")
    signature: Signature | None = Field(default=None, description="the measured metric that makes it this error")


class Movement(Named):
    category: Category
    equipment: list[Id] = Field(default_factory=list, description="equipment every variation needs")
    muscles: Muscles
    tempo: Tempo
    reps: int = Field(default=2, ge=1, le=20, description="repetitions shown in one clip")
    prompt: MovementPrompt
    rig: Rig = Field(default_factory=Rig)
    pose: JointAngles = Field(default_factory=dict, description="joint angles every keyframe starts from")
    phases: list[Phase] = Field(min_length=2)
    key_phase: Id = Field(description="the phase that shows the movement best (stills, posters)")
    keyframes: list[Keyframe] = Field(min_length=2)
    cues: list[Cue] = Field(min_length=3)
    variations: list[Variation] = Field(min_length=2)
    errors: list[FormError] = Field(min_length=3)

    @property
    def default_variation(self) -> Variation:
        return self.variations[0]


FILE_MODELS: dict[str, type[Strict]] = {"angles": Angles, "settings": CatalogSettings, "vocabulary": Vocabulary}
"""Catalog files with a fixed name; every other ``*.yaml`` in a catalog is a movement."""
