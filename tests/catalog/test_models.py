"""The catalog schema on its own: text languages, ids, tempo, strictness about keys, JSON schema."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from fitcontent.catalog.models import (
    FILE_MODELS,
    Angle,
    Chinese,
    Defaults,
    English,
    Id,
    Keyframe,
    Movement,
    Strict,
    Tempo,
    Text,
)

MINIMAL = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "minimal"
MODELS: dict[str, type[BaseModel]] = {**FILE_MODELS, "squat": Movement}
FREE_FORM = {"pose", "pose_modifier"}
"""Fields whose keys are joint ids chosen by the pose engine, not schema fields."""


def fixture_data(name: str) -> Any:
    return yaml.safe_load((MINIMAL / f"{name}.yaml").read_text(encoding="utf-8"))


def errors_of(model: Any, data: Any) -> list[tuple[tuple, str, str]]:
    """(loc, type, msg) of every validation error; ``model`` is a model class or a TypeAdapter."""
    validate = model.validate_python if isinstance(model, TypeAdapter) else model.model_validate
    with pytest.raises(ValidationError) as info:
        validate(data)
    return [(e["loc"], e["type"], e["msg"]) for e in info.value.errors()]


# --- Text, English, Chinese ------------------------------------------------------------------------


def test_text_accepts_english_and_chinese() -> None:
    text = Text(en="  Knees out ", zh=" 膝盖向外推 ")
    assert (text.en, text.zh) == ("Knees out", "膝盖向外推")


def test_text_rejects_zh_without_chinese() -> None:
    assert errors_of(Text, {"en": "Squat", "zh": "Squat"}) == [
        (("zh",), "value_error", "Value error, must contain Chinese text"),
    ]


@pytest.mark.parametrize(("en", "found"), [("Squat 深蹲", "深"), ("Knees out，please", "，"), ("スクワット", "ス")])
def test_text_rejects_en_with_cjk(en: str, found: str) -> None:
    assert errors_of(Text, {"en": en, "zh": "深蹲"}) == [
        (("en",), "value_error", f"Value error, must be English (the video model reads English only); found {found!r}"),
    ]


def test_text_rejects_both_at_once() -> None:
    assert [loc for loc, _, _ in errors_of(Text, {"en": "深蹲", "zh": "squat"})] == [("en",), ("zh",)]


@pytest.mark.parametrize("adapter", [English, Chinese], ids=["English", "Chinese"])
@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_text_must_not_be_blank(adapter: Any, value: str) -> None:
    assert [kind for _, kind, _ in errors_of(TypeAdapter(adapter), value)] == ["string_too_short"]


def test_english_allows_non_cjk_symbols() -> None:
    assert TypeAdapter(English).validate_python("Front 45° — café") == "Front 45° — café"


def test_text_needs_both_languages() -> None:
    assert errors_of(Text, {"en": "Squat"}) == [(("zh",), "missing", "Field required")]


# --- Id --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["squat", "pull-up", "front-45", "a", "90-90-stretch", "x" * 40])
def test_id_accepts_kebab_case(value: str) -> None:
    assert TypeAdapter(Id).validate_python(value) == value


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("Squat", "string_pattern_mismatch"),
        ("back_squat", "string_pattern_mismatch"),
        ("back squat", "string_pattern_mismatch"),
        ("-squat", "string_pattern_mismatch"),
        ("squat-", "string_pattern_mismatch"),
        ("pull--up", "string_pattern_mismatch"),
        ("", "string_pattern_mismatch"),
        ("深蹲", "string_pattern_mismatch"),
        ("x" * 41, "string_too_long"),
        (45, "string_type"),
    ],
)
def test_id_rejects(value: Any, kind: str) -> None:
    assert [k for _, k, _ in errors_of(TypeAdapter(Id), value)] == [kind]


# --- Tempo ------------------------------------------------------------------------------------------


def test_tempo_seconds_and_str() -> None:
    tempo = Tempo(eccentric=2, bottom_pause=1, concentric=1, top_pause=0)
    assert tempo.seconds == 4
    assert str(tempo) == "2-1-1-0"


def test_tempo_with_fractions() -> None:
    tempo = Tempo(eccentric=1.5, bottom_pause=0, concentric=0.5, top_pause=2.25)
    assert tempo.seconds == 4.25
    assert str(tempo) == "1.5-0-0.5-2.25"


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("eccentric", -1, "greater_than_equal"),
        ("top_pause", 10.5, "less_than_equal"),
        ("concentric", "fast", "float_parsing"),
    ],
)
def test_tempo_bounds(field: str, value: Any, kind: str) -> None:
    data = {"eccentric": 2, "bottom_pause": 1, "concentric": 1, "top_pause": 0, field: value}
    assert [(loc, k) for loc, k, _ in errors_of(Tempo, data)] == [((field,), kind)]


# --- numeric ranges -----------------------------------------------------------------------------------


def test_angle_pitch_range() -> None:
    data = fixture_data("angles")["angles"][0]
    assert Angle.model_validate({**data, "pitch_deg": 60}).pitch_deg == 60
    assert Angle.model_validate({**data, "pitch_deg": -60}).pitch_deg == -60
    assert [(loc, k) for loc, k, _ in errors_of(Angle, {**data, "pitch_deg": 60.5})] == [
        (("pitch_deg",), "less_than_equal"),
    ]
    assert Angle.model_validate(data).distance_m == 4.0  # the default


def test_defaults_size_is_a_multiple_of_16() -> None:
    data = fixture_data("settings")["defaults"]
    assert Defaults.model_validate(data).width == 720
    assert [(loc, k) for loc, k, _ in errors_of(Defaults, {**data, "width": 700})] == [(("width",), "multiple_of")]


@pytest.mark.parametrize(("t", "ok"), [(0, True), (1, True), (-0.1, False), (1.01, False)])
def test_keyframe_time_is_normalized(t: float, ok: bool) -> None:
    if ok:
        assert Keyframe(phase="top", t=t).t == t
    else:
        assert [loc for loc, _, _ in errors_of(Keyframe, {"phase": "top", "t": t})] == [("t",)]


@pytest.mark.parametrize(
    ("field", "minimum"),
    [
        ("phases", 2),
        ("keyframes", 2),
        ("cues", 3),
        ("variations", 2),
        ("errors", 3),
    ],
)
def test_movement_minimum_counts(field: str, minimum: int) -> None:
    data = fixture_data("squat")
    assert len(data[field]) >= minimum
    data[field] = data[field][: minimum - 1]
    assert [(loc, k) for loc, k, _ in errors_of(Movement, data)] == [((field,), "too_short")]


def test_movement_defaults() -> None:
    data = fixture_data("squat")
    del data["reps"]
    movement = Movement.model_validate(data)
    assert movement.reps == 2
    assert movement.equipment == []
    assert movement.default_variation is movement.variations[0]
    assert movement.variations[0].equipment == []
    assert movement.variations[0].setup is None


def test_movement_category_is_closed() -> None:
    data = {**fixture_data("squat"), "category": "cardio"}
    assert [(loc, k) for loc, k, _ in errors_of(Movement, data)] == [(("category",), "literal_error")]


# --- strictness: unknown keys at every level, immutability ----------------------------------------


def _mappings(data: Any, loc: tuple = ()) -> Iterator[tuple]:
    """The location of every schema mapping in ``data`` (free-form joint-angle maps excluded)."""
    if isinstance(data, dict):
        if not (loc and loc[-1] in FREE_FORM):
            yield loc
        for key, value in data.items():
            yield from _mappings(value, (*loc, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _mappings(item, (*loc, i))


def _with_extra(data: Any, loc: tuple, key: str) -> Any:
    data = copy.deepcopy(data)
    target = data
    for part in loc:
        target = target[part]
    target[key] = 1
    return data


EXTRA_CASES = [
    pytest.param(name, loc, id=f"{name}:{'.'.join(map(str, loc)) or '<top>'}")
    for name in MODELS
    for loc in _mappings(fixture_data(name))
]


def test_extra_key_cases_reach_every_level() -> None:
    locs = {(name, loc) for name, loc in (p.values for p in EXTRA_CASES)}
    for expected in [
        ("angles", ()),
        ("angles", ("angles", 2)),
        ("angles", ("angles", 2, "name")),
        ("settings", ("defaults",)),
        ("settings", ("subjects", 0, "name")),
        ("vocabulary", ("equipment", 1, "name")),
        ("squat", ()),
        ("squat", ("muscles",)),
        ("squat", ("tempo",)),
        ("squat", ("prompt",)),
        ("squat", ("phases", 1, "name")),
        ("squat", ("keyframes", 1)),
        ("squat", ("cues", 2)),
        ("squat", ("variations", 1, "name")),
        ("squat", ("errors", 2, "looks_like")),
        ("squat", ("errors", 2, "correction")),
    ]:
        assert expected in locs
    assert ("squat", ("keyframes", 1, "pose")) not in locs


@pytest.mark.parametrize(("name", "loc"), EXTRA_CASES)
def test_extra_key_is_rejected(name: str, loc: tuple) -> None:
    model = MODELS[name]
    model.model_validate(fixture_data(name))  # valid without the extra key
    assert errors_of(model, _with_extra(fixture_data(name), loc, "surprise")) == [
        ((*loc, "surprise"), "extra_forbidden", "Extra inputs are not permitted"),
    ]


def test_joint_angle_maps_take_any_snake_case_name_the_catalog_checks_judge_the_rest() -> None:
    data = _with_extra(fixture_data("squat"), ("keyframes", 1, "pose"), "ankle")
    assert Movement.model_validate(data).keyframes[1].pose == {"knee_flexion": 95, "hip_flexion": 90, "ankle": 1}


def _strict_models() -> set[type[Strict]]:
    found: set[type[Strict]] = set()
    todo = [Strict]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__ == "fitcontent.catalog.models" and sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def test_every_model_forbids_extra_keys_and_is_frozen() -> None:
    models = _strict_models()
    assert {m.__name__ for m in models} >= {
        "Text",
        "Named",
        "Vocabulary",
        "Angle",
        "Angles",
        "SceneChoice",
        "Defaults",
        "CatalogSettings",
        "Muscles",
        "Tempo",
        "MovementPrompt",
        "Phase",
        "Keyframe",
        "Cue",
        "Variation",
        "FormError",
        "Movement",
    }
    for model in models:
        assert model.model_config.get("extra") == "forbid", model
        assert model.model_config.get("frozen") is True, model


def test_models_are_immutable() -> None:
    text = Text(en="Squat", zh="深蹲")
    with pytest.raises(ValidationError):
        text.en = "Lunge"
    assert text.en == "Squat"


# --- JSON schema ------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", [*FILE_MODELS.values(), Movement], ids=lambda m: m.__name__)
def test_json_schema(model: type[BaseModel]) -> None:
    schema = json.loads(json.dumps(model.model_json_schema()))
    assert schema["type"] == "object"
    assert schema["title"] == model.__name__
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == set(model.model_fields)
    assert set(schema.get("required", [])) == {name for name, f in model.model_fields.items() if f.is_required()}
    for name, definition in schema.get("$defs", {}).items():
        if definition.get("type") == "object":
            assert definition["additionalProperties"] is False, name


def test_movement_json_schema_details() -> None:
    schema = Movement.model_json_schema()
    props, defs = schema["properties"], schema["$defs"]
    assert props["id"]["pattern"] == r"^[a-z0-9]+(-[a-z0-9]+)*$"
    assert props["id"]["maxLength"] == 40
    assert props["cues"]["minItems"] == 3
    assert props["errors"]["minItems"] == 3
    assert props["reps"] == {
        "default": 2,
        "description": "repetitions shown in one clip",
        "maximum": 20,
        "minimum": 1,
        "title": "Reps",
        "type": "integer",
    }
    assert set(props["category"]["enum"]) == {
        "squat",
        "hinge",
        "lunge",
        "horizontal-push",
        "vertical-push",
        "horizontal-pull",
        "vertical-pull",
        "bridge",
    }
    assert {"Text", "Cue", "Variation", "FormError", "Keyframe", "Tempo", "Muscles", "MovementPrompt"} <= set(defs)
    assert defs["Text"]["required"] == ["en", "zh"]
