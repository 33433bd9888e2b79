"""The one Jinja setup: sandboxed, StrictUndefined, and every failure a :class:`TemplateError` at the template.

Template files come from a project's directory, else the packaged ``templates``; their errors start with
``file:line`` of the file that failed (an included file, not its includer). Templates given as text (a
layout's text fields) have no file, so their errors name the text and the names it may use.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from fitcontent.errors import TemplateError, display_path
from fitcontent.paths import packaged

MAX_OUTPUT_CHARS = 1_000_000
"""The most a template may render: a prompt is about a thousand characters, a course page a few thousand;
past this a template runs away (a loop too many), and rendering stops there instead of filling memory."""


class Templates:
    """Template files, a project's directory searched before the packaged one; autoescape for HTML only."""

    def __init__(self, project: Path | None, *, autoescape: bool,
                 filters: Mapping[str, Callable[..., Any]] | None = None):
        if project is not None and not Path(project).is_dir():  # else its overrides would silently not apply
            raise TemplateError(f"templates directory {project} not found (--templates, FITCONTENT_TEMPLATES or "
                                f"templates: in fitcontent.yml)")
        self.search_path = [p for p in (project, packaged("templates")) if p is not None]
        self.env = _sandbox(autoescape, _Utf8Loader(self.search_path))
        self.env.filters.update(filters or {})

    def render(self, name: str, context: Mapping[str, Any]) -> str:
        """Template ``name`` rendered over ``context``; any failure raises :class:`TemplateError`."""
        try:
            return _bounded(self.env.get_template(name).generate(context), name)
        except TemplateError:
            raise  # named already: a file that is not UTF-8, or too much output
        except Exception as exc:
            raise _file_error(exc, name, self.search_path) from None


def render_string(template: str, context: Mapping[str, Any], kind: str) -> str:
    """``template``, given as text, rendered over ``context`` without autoescape; errors name it as ``kind``."""
    try:
        return _bounded(_TEXT.from_string(template).generate(context), f"{kind} {template!r}")
    except TemplateError:
        raise
    except Exception as exc:
        raise TemplateError(f"{kind} {template!r}: {_reason(exc)}; available: {', '.join(sorted(context))}") from None


def string_problem(template: str, names: Collection[str]) -> str | None:
    """Why ``template``, given as text, cannot render over ``names`` (a syntax error, a name it may not use),
    found without rendering it; None when it can."""
    try:
        used = meta.find_undeclared_variables(_TEXT.parse(template))
    except jinja2.TemplateSyntaxError as exc:
        return exc.message
    unknown = sorted(used - set(names))
    return f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not defined; available: " \
           f"{', '.join(sorted(names))}" if unknown else None


def _bounded(chunks: Iterator[str], what: str) -> str:
    """The rendered text, or a :class:`TemplateError` once it passes :data:`MAX_OUTPUT_CHARS`."""
    parts, size = [], 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_OUTPUT_CHARS:
            raise TemplateError(f"{what}: renders more than {MAX_OUTPUT_CHARS:,} characters (a loop that runs "
                                f"away?); a template makes a prompt or a page")
        parts.append(chunk)
    return "".join(parts)


def _sandbox(autoescape: bool, loader: jinja2.BaseLoader | None = None) -> SandboxedEnvironment:
    return SandboxedEnvironment(loader=loader, undefined=jinja2.StrictUndefined, autoescape=autoescape,
                                trim_blocks=True, lstrip_blocks=True)


_TEXT = _sandbox(autoescape=False)


class _Utf8Loader(jinja2.FileSystemLoader):
    """Reads template files as UTF-8; one that is not raises :class:`TemplateError` naming it and the line."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:  # the whole file was decoded at once, so exc.start is its offset
            path = next(Path(root, template) for root in self.searchpath if Path(root, template).is_file())
            line = exc.object.count(b"\n", 0, exc.start) + 1
            raise TemplateError(f"{display_path(path)}:{line}: not UTF-8 text (byte {exc.object[exc.start]:#04x}); "
                                f"save the file as UTF-8") from None


def _file_error(exc: Exception, name: str, searched: list[Path]) -> TemplateError:
    """``file:line: what went wrong`` for a failure in template ``name`` or a file it includes."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return TemplateError(f"{_where(exc.filename, exc.lineno, name)}: {exc.message}")
    filename, line = _template_line(exc.__traceback__)
    if isinstance(exc, jinja2.TemplateNotFound):
        includer = f"{_where(filename, line, name)}: " if filename else ""
        dirs = ", ".join(display_path(p) for p in searched)
        return TemplateError(f"{includer}template {exc.name} not found (searched {dirs})")
    return TemplateError(f"{_where(filename, line, name)}: {_reason(exc)}")


def _where(filename: str | None, line: int | None, name: str) -> str:
    where = display_path(Path(filename)) if filename else name
    return f"{where}:{line}" if line else where


def _template_line(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback.

    Jinja rewrites the frames of template code to point at template lines, and marks them with
    ``__jinja_exception__`` in their globals.
    """
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        if "__jinja_exception__" in tb.tb_frame.f_globals:
            found = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _reason(exc: Exception) -> str:
    """Jinja's own message, or a Python error raised by template code with its type (``ZeroDivisionError: ...``)."""
    return str(exc) if isinstance(exc, jinja2.TemplateError) else f"{type(exc).__name__}: {exc}"
