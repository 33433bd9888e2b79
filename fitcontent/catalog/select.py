"""Expand a request into shots: exercise x variation x angle x form (correct, or one named error)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from fitcontent.catalog.loader import Catalog
from fitcontent.catalog.models import Angle, FormError, Movement, Variation
from fitcontent.errors import RequestError, unknown_message

Selector = str | Sequence[str] | None
"""``"all"``, ``"none"``, one id or a list of ids (``["all"]`` works too), or None for the catalog's default."""
ErrorAngles = Literal["best", "requested"]


@dataclass(frozen=True)
class Shot:
    """One clip to make, before prompts are rendered."""

    movement: Movement
    variation: Variation
    angle: Angle
    error: FormError | None

    @property
    def form(self) -> str:
        return self.error.id if self.error else "correct"

    @property
    def id(self) -> str:
        return f"{self.movement.id}.{self.variation.id}.{self.angle.id}.{self.form}"

    @property
    def motion_digest(self) -> str:
        """A hash of the catalog data the shot's motion depends on, so editing a pose invalidates the cache."""
        movement_fields = {"rig", "pose", "keyframes", "reps", "equipment"}
        error_fields = {"pose_modifier", "phase_pose", "compensation", "phases", "motion"}
        variation_fields = {"pose", "phase_pose", "load_at", "hands_on", "equipment"}
        data = {
            "movement": self.movement.model_dump(mode="json", include=movement_fields),
            "variation": self.variation.model_dump(mode="json", include=variation_fields),
            "error": self.error.model_dump(mode="json", include=error_fields) if self.error else None,
            "angle": self.angle.model_dump(mode="json", exclude={"name", "prompt"}),
        }
        return _digest(data)


def overlay_digest(movement: Movement) -> str:
    """A hash of what coaching overlays draw on top of a movement's motion: its errors' signatures and
    the angles they list (a correct shot shows the metrics of the errors its camera shows)."""
    return _digest([e.model_dump(mode="json", include={"signature", "angles"}) for e in movement.errors])


def _digest(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def select_shots(
    catalog: Catalog,
    exercises: Sequence[str],
    angles: Selector = None,
    variations: Selector = None,
    errors: Selector = "all",
    error_angles: ErrorAngles = "best",
) -> list[Shot]:
    """The shots of ``exercises`` in catalog order.

    Defaults: the catalog's default angles, each movement's first variation, every error.
    ``error_angles="best"`` shoots each error only from the requested angles that its catalog entry
    says show it (a heel lift filmed from the front teaches nothing); ``"requested"`` shoots every
    error from every requested angle.
    """
    if not exercises:
        raise RequestError("no exercise given (known: " + ", ".join(sorted(catalog.movements)) + ")")
    movement_ids = list(catalog.movements) if list(exercises) == ["all"] else list(dict.fromkeys(exercises))
    movements = [catalog.movement(movement_id) for movement_id in movement_ids]
    chosen_angles = _pick("angle", angles, catalog.angle_list, catalog.settings.defaults.angles)
    shots = []
    for movement in movements:
        chosen_variations = _pick("variation", variations, movement.variations, [movement.default_variation.id],
                                  owner=movement.id)
        chosen_errors = _pick("error", errors, movement.errors, [], owner=movement.id)
        for variation in chosen_variations:
            for angle in chosen_angles:
                shots.append(Shot(movement, variation, angle, None))
                shots.extend(
                    Shot(movement, variation, angle, error)
                    for error in chosen_errors
                    if error_angles == "requested" or angle.id in error.angles
                )
    return shots


def _pick(kind: str, selector: Selector, items: Sequence, default_ids: Sequence[str], owner: str = "") -> list:
    """Items named by ``selector``, in the catalog's order; unknown ids raise with suggestions."""
    by_id = {item.id: item for item in items}
    if selector is not None:
        selector = [selector] if isinstance(selector, str) else list(selector)
        if selector in (["all"], ["none"]):
            selector = selector[0]
    if selector == "all":
        return list(items)
    if selector == "none":
        if kind in ("angle", "variation"):
            raise RequestError(f"--{kind}s none would select no shots; name at least one {kind}")
        return []
    ids = default_ids if selector is None else selector
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise RequestError(unknown_message(f"{owner} {kind}".strip(), missing[0], by_id))
    return [item for item in items if item.id in ids]
