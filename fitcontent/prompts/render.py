"""Render prompt templates in a sandbox with StrictUndefined; errors point at the template line."""

from __future__ import annotations

import re
from pathlib import Path

from fitcontent.catalog.models import CJK
from fitcontent.errors import PromptError
from fitcontent.prompts.context import PromptContext
from fitcontent.prompts.tokens import T5_TOKEN_LIMIT, estimate_t5_tokens
from fitcontent.templating import Templates

PROMPT_TEMPLATE = "prompts/{family}/prompt.j2"
NEGATIVE_TEMPLATE = "prompts/{family}/negative.j2"


class PromptRenderer:
    """Turns a :class:`PromptContext` into (prompt, negative prompt) for one model family.

    A project's template directory is searched before the packaged one, so a file of the same
    name overrides the packaged template.
    """

    def __init__(self, project_templates: Path | None = None, family: str = "cogvideox"):
        self.templates = Templates(project_templates, autoescape=False, filters={"with_article": with_article})
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
        text = self.templates.render(name, {field: getattr(context, field) for field in type(context).model_fields})
        return re.sub(r"\s+", " ", text).strip()


def with_article(phrase: str) -> str:
    """``incline push-up`` -> ``an incline push-up`` (templates: ``{{ name | with_article }}``)."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"

