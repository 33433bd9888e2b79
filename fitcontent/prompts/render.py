"""Render prompt templates in a sandbox with StrictUndefined; errors point at the template line."""

from __future__ import annotations

import re
from pathlib import Path
from types import TracebackType

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from fitcontent.catalog.models import CJK
from fitcontent.errors import PromptError, TemplateError, display_path
from fitcontent.paths import packaged
from fitcontent.prompts.context import PromptContext
from fitcontent.prompts.tokens import T5_TOKEN_LIMIT, estimate_t5_tokens

PROMPT_TEMPLATE = "prompts/{family}/prompt.j2"
NEGATIVE_TEMPLATE = "prompts/{family}/negative.j2"


class PromptRenderer:
    """Turns a :class:`PromptContext` into (prompt, negative prompt) for one model family.

    A project's template directory is searched before the packaged one, so a file of the same
    name overrides the packaged template.
    """

    def __init__(self, project_templates: Path | None = None, family: str = "cogvideox"):
        self.search_path = [p for p in (project_templates, packaged("templates")) if p is not None]
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(self.search_path),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["with_article"] = with_article
        self.names = (PROMPT_TEMPLATE.format(family=family), NEGATIVE_TEMPLATE.format(family=family))

    def render(self, context: PromptContext) -> tuple[str, str]:
        """Render both templates; a broken template raises :class:`TemplateError`, an unusable prompt
        :class:`PromptError`."""
        prompt, negative = (self._render(name, context) for name in self.names)
        if not prompt:
            raise PromptError(f"{self.names[0]}: renders an empty prompt")
        tokens = estimate_t5_tokens(prompt)
        if tokens > T5_TOKEN_LIMIT:
            raise PromptError(f"prompt is about {tokens} T5 tokens, over CogVideoX's limit of {T5_TOKEN_LIMIT}; "
                                f"shorten the catalog sentences or {self.names[0]}")
        for name, text in zip(self.names, (prompt, negative), strict=True):
            found = CJK.search(text)
            if found:
                raise PromptError(f"{name}: renders non-English text {found.group()!r}; the video model "
                                    f"reads English only (use .en of catalog texts)")
        return prompt, negative

    def _render(self, name: str, context: PromptContext) -> str:
        try:
            template = self.env.get_template(name)
            text = template.render(**{field: getattr(context, field) for field in type(context).model_fields})
        except jinja2.TemplateNotFound:
            searched = ", ".join(display_path(p) for p in self.search_path)
            raise TemplateError(f"template {name} not found (searched {searched})") from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(f"{_where(exc.filename, exc.lineno)}: {exc.message}") from None
        except (jinja2.UndefinedError, jinja2.exceptions.SecurityError) as exc:
            filename, line = _template_frame(exc.__traceback__)
            raise TemplateError(f"{_where(filename, line)}: {exc}") from None
        return re.sub(r"\s+", " ", text).strip()


def with_article(phrase: str) -> str:
    """``incline push-up`` -> ``an incline push-up`` (templates: ``{{ name | with_article }}``)."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"


def _where(filename: str | None, line: int | None) -> str:
    where = display_path(Path(filename)) if filename else "template"
    return f"{where}:{line}" if line else where


def _template_frame(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The innermost template file and line in a traceback (Jinja rewrites frames to template lines)."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            found = (filename, tb.tb_lineno)
        tb = tb.tb_next
    return found
