"""Prompt rendering: overrides, strictness, sandboxing, English-only and the token limit."""

from __future__ import annotations

from pathlib import Path

import pytest

import fitcontent
from fitcontent.errors import CatalogError, TemplateError
from fitcontent.prompts.tokens import T5_TOKEN_LIMIT, estimate_t5_tokens
from fitcontent.settings import Settings
from tests.conftest import REPO

PACKAGED_PROMPT = REPO / "templates" / "prompts" / "cogvideox" / "prompt.j2"


def _templates(tmp_path: Path, prompt: str, negative: str | None = None) -> Settings:
    folder = tmp_path / "templates" / "prompts" / "cogvideox"
    folder.mkdir(parents=True)
    (folder / "prompt.j2").write_text(prompt, encoding="utf-8")
    if negative is not None:
        (folder / "negative.j2").write_text(negative, encoding="utf-8")
    return Settings(templates=tmp_path / "templates")


def _plan(settings: Settings | None = None, **request) -> fitcontent.Plan:
    request = {"exercises": ["squat"], "angles": ["front"], **request}
    return fitcontent.plan(fitcontent.make_request(**request), settings or Settings())


def test_project_template_overrides_packaged_one_of_the_same_name(tmp_path: Path) -> None:
    settings = _templates(tmp_path, "A {{ movement.name.en | lower }} seen from the {{ angle.id }}.")
    shots = _plan(settings, errors="none").shots
    assert [s.prompt for s in shots] == ["A squat seen from the front."]
    # negative.j2 was not overridden: the packaged one still renders
    assert shots[0].negative_prompt.startswith("blurry, low quality")


@pytest.mark.parametrize(
    ("template", "line", "phrase"),
    [
        ("A squat.\n{{ movment.name.en }}", 2, "'movment' is undefined"),
        ("{{ movement.nmae }}", 1, "has no attribute 'nmae'"),
        ("A squat.\n\n{% if error %}{{ error.name.en }", 3, "unexpected '}'"),
        ("{{ movement.__class__.__mro__ }}", 1, "unsafe"),
    ],
)
def test_template_mistakes_fail_with_file_and_line(tmp_path: Path, template: str, line: int, phrase: str) -> None:
    settings = _templates(tmp_path, template)
    with pytest.raises(TemplateError) as caught:
        _plan(settings)
    message = str(caught.value)
    assert f"prompt.j2:{line}:" in message
    assert phrase in message


def test_error_attribute_on_a_correct_shot_fails_strictly(tmp_path: Path) -> None:
    settings = _templates(tmp_path, "A squat where {{ error.prompt }}.")
    with pytest.raises(TemplateError, match=r"squat\.bodyweight\.front\.correct: .*prompt\.j2:1"):
        _plan(settings)


def test_validate_reports_template_typos_before_any_build(tmp_path: Path) -> None:
    settings = _templates(tmp_path, "{{ movement.prompt.acton }}")
    with pytest.raises(CatalogError) as caught:
        fitcontent.validate(settings)
    assert "prompt.j2:1" in str(caught.value)
    assert str(caught.value).endswith("1 catalog error")


def test_chinese_in_a_prompt_is_refused(tmp_path: Path) -> None:
    settings = _templates(tmp_path, "{{ movement.name.zh }} from the front")
    with pytest.raises(TemplateError, match="non-English text '深'"):
        _plan(settings)


def test_prompt_over_the_token_limit_is_refused(tmp_path: Path) -> None:
    settings = _templates(tmp_path, "{% for i in range(30) %}{{ movement.prompt.action }} {% endfor %}")
    with pytest.raises(TemplateError, match=rf"over CogVideoX's limit of {T5_TOKEN_LIMIT}"):
        _plan(settings)


def test_unknown_prompt_family_names_the_missing_template() -> None:
    with pytest.raises(TemplateError, match=r"template prompts/nosuch/prompt\.j2 not found"):
        _plan(Settings(prompt_family="nosuch"))


def test_error_shot_replaces_the_good_form_sentence_with_the_error() -> None:
    catalog = fitcontent.load_catalog()
    squat = catalog.movements["squat"]
    valgus = next(e for e in squat.errors if e.id == "knee-valgus")
    shots = {s.form: s for s in _plan().shots}
    assert squat.prompt.form in shots["correct"].prompt
    assert squat.prompt.form not in shots["knee-valgus"].prompt
    assert valgus.prompt.strip() in shots["knee-valgus"].prompt
    # the correct shot steers away from every error; an error shot away from the others only
    assert "knees caving in" in shots["correct"].negative_prompt
    assert "knees caving in" not in shots["knee-valgus"].negative_prompt
    assert "rounded back" in shots["knee-valgus"].negative_prompt


def test_every_shipped_prompt_is_english_and_within_the_token_limit() -> None:
    plan = fitcontent.plan(fitcontent.make_request(exercises=["all"], angles="all", variations="all",
                                                   error_angles="requested"))
    assert len(plan.shots) > 300
    for shot in plan.shots:
        assert shot.prompt.isascii(), shot.id
        assert shot.prompt_tokens == estimate_t5_tokens(shot.prompt) <= T5_TOKEN_LIMIT, shot.id


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", 1),  # the end-of-sequence token
        ("Hello world", 5),  # 2 + 2 + eos: T5 itself needs 3
        ("squat", 3),
        ("kettlebell", 5),  # 10 letters, 3 per token
        ("T-shirt", 5),  # T, -, shirt(2), eos
        ("TRX", 4),  # acronyms cost a token per letter
        ("45 degrees", 6),  # digits one each, degrees(3)
    ],
)
def test_token_estimate_rule(text: str, tokens: int) -> None:
    assert estimate_t5_tokens(text) == tokens


def test_an_error_that_changes_the_motion_replaces_the_action() -> None:
    catalog = fitcontent.load_catalog()
    squat = catalog.movements["squat"]
    shots = {s.form: s for s in _plan(angles=["side"]).shots}
    assert "below parallel" in shots["correct"].prompt
    assert "below parallel" not in shots["insufficient-depth"].prompt
    assert squat.prompt.action in shots["rounded-back"].prompt  # errors without their own action keep it
    for movement in catalog.movements.values():
        assert any(error.action for error in movement.errors), f"{movement.id}: no range or path error?"
