"""The one Jinja setup: overrides, autoescape per use, and every failure a TemplateError at the failing line."""

from __future__ import annotations

from pathlib import Path

import pytest

from fitcontent.errors import TemplateError
from fitcontent.paths import packaged
from fitcontent.templating import Templates, render_string

CONTEXT = {"movement": {"name": "Squat <deep>", "reps": 3}}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project templates directory; messages show it as ``templates/...``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "templates").mkdir()
    return tmp_path / "templates"


def _write(project: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def _error(project: Path, files: dict[str, str | bytes], name: str = "page.j2") -> str:
    _write(project, files)
    with pytest.raises(TemplateError) as caught:
        Templates(project, autoescape=False).render(name, CONTEXT)
    return str(caught.value)


def test_a_project_file_overrides_the_packaged_one_of_the_same_name(project: Path) -> None:
    assert (packaged("templates") / "course" / "player.html.j2").is_file()
    _write(project, {"course/player.html.j2": "mine {{ movement.reps }}"})
    templates = Templates(project, autoescape=False)
    assert templates.render("course/player.html.j2", CONTEXT) == "mine 3"
    assert templates.search_path == [project, packaged("templates")]
    assert Templates(None, autoescape=False).search_path == [packaged("templates")]


def test_autoescape_is_for_html_only(project: Path) -> None:
    _write(project, {"page.j2": "{{ movement.name }}"})
    assert Templates(project, autoescape=True).render("page.j2", CONTEXT) == "Squat &lt;deep&gt;"
    assert Templates(project, autoescape=False).render("page.j2", CONTEXT) == "Squat <deep>"


def test_filters_are_available_to_templates(project: Path) -> None:
    _write(project, {"page.j2": "{{ movement.name | shout }}"})
    templates = Templates(project, autoescape=False, filters={"shout": str.upper})
    assert templates.render("page.j2", CONTEXT) == "SQUAT <DEEP>"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"page.j2": "A squat.\n{{ movment.name }}"}, "templates/page.j2:2: 'movment' is undefined"),
        ({"page.j2": "{{ movement.nmae }}"}, "templates/page.j2:1: 'dict object' has no attribute 'nmae'"),
        ({"page.j2": "ok\n\n{% if movement %}{{ movement.name }"}, "templates/page.j2:3: unexpected '}'"),
        ({"page.j2": "{{ movement.__class__.__mro__ }}"}, "templates/page.j2:1: access to attribute '__class__' of "
                                                          "'dict' object is unsafe."),
        ({"page.j2": "first\n{{ 1 // 0 }}"},
         "templates/page.j2:2: ZeroDivisionError: integer division or modulo by zero"),
        ({"page.j2": "{{ movement.reps + 'x' }}"},
         "templates/page.j2:1: TypeError: unsupported operand type(s) for +: 'int' and 'str'"),
    ],
)
def test_template_mistakes_are_template_errors_at_file_and_line(project: Path, files: dict[str, str],
                                                                 message: str) -> None:
    assert _error(project, files) == message


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ("one\ntwo\n{{ 1 // 0 }}", "templates/parts/inner.j2:3: ZeroDivisionError: integer division or modulo by zero"),
        ("{{ movement.reps + 'x' }}", "templates/parts/inner.j2:1: TypeError: unsupported operand type(s) for +: "
                                      "'int' and 'str'"),
        ("one\n{{ nothing }}", "templates/parts/inner.j2:2: 'nothing' is undefined"),
        ("one\n{% for %}", "templates/parts/inner.j2:2: Expected an expression, got 'end of statement block'"),
        ("{{ ''.__class__ }}", "templates/parts/inner.j2:1: access to attribute '__class__' of 'str' object "
                               "is unsafe."),
    ],
)
def test_a_mistake_in_an_included_file_points_at_that_file_not_the_includer(project: Path, part: str,
                                                                            message: str) -> None:
    files = {"page.j2": "header\n{% include 'parts/inner.j2' %}\n", "parts/inner.j2": part}
    assert _error(project, files) == message


def test_a_file_that_is_not_utf8_is_named_with_its_line(project: Path) -> None:
    latin1 = "squat\nplié {{ movement.name }}\n".encode("latin-1")
    assert _error(project, {"page.j2": latin1}) == \
        "templates/page.j2:2: not UTF-8 text (byte 0xe9); save the file as UTF-8"
    message = _error(project, {"page.j2": "a\n{% include 'parts/inner.j2' %}", "parts/inner.j2": latin1})
    assert message.startswith("templates/parts/inner.j2:2: not UTF-8 text")


def test_a_missing_template_lists_the_searched_directories(project: Path) -> None:
    assert _error(project, {}, name="prompts/nosuch/prompt.j2") == \
        f"template prompts/nosuch/prompt.j2 not found (searched templates, {packaged('templates')})"


def test_a_missing_include_is_reported_at_the_including_line(project: Path) -> None:
    message = _error(project, {"page.j2": "a\n\n{% include 'parts/gone.j2' %}"})
    assert message == f"templates/page.j2:3: template parts/gone.j2 not found (searched templates, " \
                      f"{packaged('templates')})"


def test_string_templates_render_without_autoescape() -> None:
    assert render_string("{{ exercise }} & {{ angle }}", {"exercise": "Squat", "angle": "<front>"},
                         kind="layout text") == "Squat & <front>"


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("{{ exercse }}", "'exercse' is undefined"),
        ("{{ exercise", "unexpected end of template, expected 'end of print statement'."),
        ("{{ exercise.__class__ }}", "access to attribute '__class__' of 'str' object is unsafe."),
        ("{{ 1 // 0 }}", "ZeroDivisionError: integer division or modulo by zero"),
    ],
)
def test_string_template_errors_name_the_text_and_the_available_names(template: str, reason: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render_string(template, {"exercise": "Squat", "angle": "Front"}, kind="layout text")
    assert str(caught.value) == f"layout text {template!r}: {reason}; available: angle, exercise"
