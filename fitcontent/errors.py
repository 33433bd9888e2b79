"""One exception family, so the CLI can turn any expected failure into one line and exit code 1."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class FitcontentError(Exception):
    """An error the user can act on; its message is the whole story, no traceback needed."""


@dataclass(frozen=True)
class Problem:
    """One finding about an input file, formatted ``file:line: field.path: message``."""

    file: Path | None
    line: int | None
    field: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        parts = [self.field, self.message] if self.field else [self.message]
        if self.file:
            parts.insert(0, display_path(self.file) + (f":{self.line}" if self.line else ""))
        return ": ".join(parts)


def display_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it, else as given. Links are not followed:
    a problem names the file the user sees (and a link loop cannot be resolved at all)."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except ValueError:
        return str(path)


class CatalogError(FitcontentError):
    """The catalog (or a settings file) has problems; carries every one of them."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = sum(not p.warning for p in problems)
        noun = "error" if errors == 1 else "errors"
        super().__init__("\n".join(map(str, problems)) + f"\n{errors} catalog {noun}")


class RequestError(FitcontentError):
    """A request names something the catalog lacks, or asks for an impossible size or length."""


class TemplateError(FitcontentError):
    """A prompt template is broken: missing, a syntax error, an undefined name, an unsafe access."""


class PromptError(TemplateError):
    """A template renders a prompt the video model cannot take (too long, not English, empty)."""


def unknown_message(kind: str, value: str, known: Iterable[str], known_word: str = "known") -> str:
    """``unknown angle 'frnt'; did you mean 'front'? (known: back, front, side)``."""
    return f"unknown {kind} {value!r}{did_you_mean(value, known, known_word)}"


def did_you_mean(value: str, known: Iterable[str], known_word: str = "known") -> str:
    """``; did you mean 'front'? (known: back, front, side)``: the closest ids, then all of them."""
    known = sorted(set(known))
    close = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return f"{hint} ({known_word}: {', '.join(known)})"
