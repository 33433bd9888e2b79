"""Layered settings: packaged defaults < fitcontent.yml < FITCONTENT_* environment < command-line flags."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from fitcontent.errors import CatalogError, Problem
from fitcontent.paths import packaged

CONFIG_FILE = "fitcontent.yml"
ENV_PREFIX = "FITCONTENT_"


class Settings(BaseModel):
    """Project settings; every field can come from fitcontent.yml, the environment or a flag."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    catalog: Path | None = None
    """A complete catalog directory; None uses the packaged catalog."""
    templates: Path | None = None
    """Project templates, searched before the packaged ones (same name overrides)."""
    prompt_family: str = "cogvideox"
    """Which ``templates/prompts/<family>/`` set renders the prompts."""
    cache: Path | None = None
    """The clip store; None uses $XDG_CACHE_HOME/fitcontent (~/.cache/fitcontent)."""
    brand: Path | None = None
    """brand.yaml (colours, logo, font, end card); None uses templates/brand.yaml, project first."""

    @property
    def catalog_dir(self) -> Path:
        return self.catalog or packaged("catalog")

    @property
    def cache_dir(self) -> Path:
        if self.cache:
            return self.cache
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "fitcontent"


def load_settings(
    flags: Mapping[str, Any] | None = None,
    cwd: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Merge the layers; a flag or variable overrides only when given (None means not given)."""
    cwd = Path.cwd() if cwd is None else cwd
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    config = Path(environ.get(f"{ENV_PREFIX}CONFIG", cwd / CONFIG_FILE))
    if config.is_file():
        merged.update(_read_config(config))
    for name in Settings.model_fields:
        value = environ.get(ENV_PREFIX + name.upper())
        if value:
            merged[name] = value
    merged.update({k: v for k, v in (flags or {}).items() if v is not None})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        problems = [Problem(None, None, ".".join(map(str, e["loc"])), e["msg"].removeprefix("Value error, "))
                    for e in exc.errors()]
        raise CatalogError(problems) from None


def _read_config(path: Path) -> dict[str, Any]:
    """fitcontent.yml, validated on its own so errors point at its lines; paths are relative to it."""
    from fitcontent.yamlfile import validate_file

    _, settings = validate_file(path, Settings)
    given = settings.model_dump(exclude_unset=True)
    for name in ("catalog", "templates", "cache", "brand"):
        if given.get(name) is not None:
            given[name] = (path.parent / given[name]).resolve()
    return given
