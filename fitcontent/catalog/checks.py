"""Checks that span fields or files: duplicate ids, dangling references, keyframe order, caption length."""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING

from fitcontent.catalog.joints import ANGLE_LIMITS, METRIC_NAMES, POSE_KEYS
from fitcontent.errors import Problem, did_you_mean
from fitcontent.yamlfile import Loc, YamlFile

if TYPE_CHECKING:
    from fitcontent.catalog.loader import Catalog
    from fitcontent.catalog.models import Movement

CAPTION_CHARS = 60
"""Longest cue (English characters) that fits one caption line on a 9:16 video; longer is a warning."""


def check_catalog(catalog: Catalog, unloaded: Collection[str] = ()) -> list[Problem]:
    """Every cross-reference and consistency problem of the catalog's valid files. ``unloaded``: which of
    angles, settings and vocabulary did not load; references into them are not checked (their own problems
    are reported already), everything else is."""
    found: list[Problem] = []
    vocab = catalog.vocabulary
    if "vocabulary" not in unloaded:
        _unique(found, catalog.sources["vocabulary.yaml"], ("muscles",), vocab.muscles)
        _unique(found, catalog.sources["vocabulary.yaml"], ("equipment",), vocab.equipment)
    if "angles" not in unloaded:
        _unique(found, catalog.sources["angles.yaml"], ("angles",), catalog.angle_list)
    if "settings" not in unloaded:
        _check_settings(found, catalog, None if "angles" in unloaded else list(catalog.angles))
    for movement in catalog.movements.values():
        _check_movement(found, catalog, movement, unloaded)
    return found


def _check_settings(found: list[Problem], catalog: Catalog, angles: list[str] | None) -> None:
    settings, source = catalog.settings, catalog.sources["settings.yaml"]
    for group in ("environments", "lighting", "styles", "subjects"):
        _unique(found, source, (group,), getattr(settings, group))
    defaults = settings.defaults
    for name, group in (("environment", "environments"), ("lighting", "lighting"), ("style", "styles"),
                        ("subject", "subjects")):
        choices = [c.id for c in getattr(settings, group)]
        _ref(found, source, ("defaults", name), getattr(defaults, name), choices, name)
    for i, angle in enumerate(defaults.angles):
        _ref(found, source, ("defaults", "angles", i), angle, angles, "angle")


def _check_movement(found: list[Problem], catalog: Catalog, movement: Movement, unloaded: Collection[str]) -> None:
    source = catalog.sources[movement.id]
    if source.path.stem != movement.id:
        found.append(source.problem(("id",), f"id {movement.id!r} differs from the file name "
                                             f"{source.path.name!r}; name the file {movement.id}.yaml", True))
    vocabulary = "vocabulary" not in unloaded
    muscles = [m.id for m in catalog.vocabulary.muscles] if vocabulary else None
    equipment = [e.id for e in catalog.vocabulary.equipment] if vocabulary else None
    angles = None if "angles" in unloaded else list(catalog.angles)
    phases = [p.id for p in movement.phases]
    for group in ("phases", "variations", "errors"):
        _unique(found, source, (group,), getattr(movement, group))
    for role in ("primary", "secondary"):
        for i, muscle in enumerate(getattr(movement.muscles, role)):
            _ref(found, source, ("muscles", role, i), muscle, muscles, "muscle")
    for i, item in enumerate(movement.equipment):
        _ref(found, source, ("equipment", i), item, equipment, "equipment")
    for v, variation in enumerate(movement.variations):
        for i, item in enumerate(variation.equipment):
            _ref(found, source, ("variations", v, "equipment", i), item, equipment, "equipment")
    _ref(found, source, ("key_phase",), movement.key_phase, phases, "phase")
    for i, cue in enumerate(movement.cues):
        _ref(found, source, ("cues", i, "phase"), cue.phase, phases, "phase")
        if len(cue.en) > CAPTION_CHARS:
            found.append(source.problem(("cues", i, "en"), f"{len(cue.en)} characters; cues over "
                                        f"{CAPTION_CHARS} wrap to several caption lines", True))
    for e, error in enumerate(movement.errors):
        if not error.pose_modifier and not error.phase_pose and not error.motion:
            found.append(source.problem(("errors", e, "pose_modifier"), "no pose_modifier, phase_pose or motion: "
                                        "the preview and pose-controlled video would show correct form", True))
        if error.signature:
            _ref(found, source, ("errors", e, "signature", "metric"), error.signature.metric, METRIC_NAMES, "metric")
            for name in error.signature.variations:
                _ref(found, source, ("errors", e, "signature", "variations", name), name,
                     [v.id for v in movement.variations], "variation")
            if error.signature.phase:
                _ref(found, source, ("errors", e, "signature", "phase"), error.signature.phase, phases, "phase")
        _increasing(found, source, ("errors", e, "motion"), [point.t for point in error.motion])
        for i, angle in enumerate(error.angles):
            _ref(found, source, ("errors", e, "angles", i), angle, angles, "angle")
        for i, phase in enumerate(error.phases):
            _ref(found, source, ("errors", e, "phases", i), phase, phases, "phase")
    _check_keyframes(found, source, movement, phases)
    poses: list[tuple[Loc, dict[str, float]]] = [(("pose",), movement.pose)]
    poses += [(("keyframes", i, "pose"), k.pose) for i, k in enumerate(movement.keyframes)]
    poses += [(("variations", i, "pose"), v.pose) for i, v in enumerate(movement.variations)]
    for i, variation in enumerate(movement.variations):
        for phase, pose in variation.phase_pose.items():
            _ref(found, source, ("variations", i, "phase_pose", phase), phase, phases, "phase")
            poses.append((("variations", i, "phase_pose", phase), pose))
    for i, error in enumerate(movement.errors):
        poses += [(("errors", i, "motion", k, "pose"), point.pose) for k, point in enumerate(error.motion)]
    poses += [(("errors", i, "pose_modifier"), e.pose_modifier) for i, e in enumerate(movement.errors)]
    poses += [(("errors", i, "compensation"), e.compensation) for i, e in enumerate(movement.errors)]
    for i, error in enumerate(movement.errors):
        for phase, pose in error.phase_pose.items():
            _ref(found, source, ("errors", i, "phase_pose", phase), phase, phases, "phase")
            poses.append((("errors", i, "phase_pose", phase), pose))
    for loc, pose in poses:
        for name, value in pose.items():
            _ref(found, source, (*loc, name), name, POSE_KEYS, "joint angle")
            limit = ANGLE_LIMITS.get(name.removesuffix("_l").removesuffix("_r"))
            if not math.isfinite(value):
                found.append(source.problem((*loc, name), f"{value} is not a number of degrees"))
            elif limit is not None and abs(value) > limit:
                found.append(source.problem((*loc, name), f"{value:g} degrees is beyond what the joint can reach "
                                                          f"(-{limit} to {limit}); a typo?"))


def _check_keyframes(found: list[Problem], source: YamlFile, movement: Movement, phases: list[str]) -> None:
    times = [k.t for k in movement.keyframes]
    for i, keyframe in enumerate(movement.keyframes):
        _ref(found, source, ("keyframes", i, "phase"), keyframe.phase, phases, "phase")
    _increasing(found, source, ("keyframes",), times)
    if times[0] != 0 or times[-1] != 1:
        found.append(source.problem(("keyframes",), f"must start at t: 0 and end at t: 1 "
                                                    f"(got {times[0]:g} .. {times[-1]:g})"))
    used = {k.phase for k in movement.keyframes}
    for i, phase in enumerate(movement.phases):
        if phase.id not in used:
            found.append(source.problem(("phases", i, "id"), f"phase {phase.id!r} has no keyframe"))


def _increasing(found: list[Problem], source: YamlFile, loc: Loc, times: list[float]) -> None:
    for i in range(1, len(times)):
        if times[i] <= times[i - 1]:
            found.append(source.problem((*loc, i, "t"), f"times must increase (got {times[i]:g} after "
                                                        f"{times[i - 1]:g})"))


def _unique(found: list[Problem], source: YamlFile, loc: Loc, items: Sequence) -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.id in seen:
            found.append(source.problem((*loc, i, "id"), f"duplicate id {item.id!r} "
                                        f"(first at line {source.line_of((*loc, seen[item.id]))})"))
        seen.setdefault(item.id, i)


def _ref(found: list[Problem], source: YamlFile, loc: Loc, value: str, known: Iterable[str] | None,
         kind: str) -> None:
    """A problem when ``value`` is not among ``known``; None: what is known could not be loaded, so no check."""
    if known is None:
        return
    known = list(known)
    if value not in known:
        found.append(source.problem(loc, f"{value!r} is not a defined {kind}{did_you_mean(value, known, 'defined')}"))
