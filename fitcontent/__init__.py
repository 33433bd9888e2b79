"""fitcontent: an exercise catalog in, fitness videos out.

The public API, for course platforms and scripts::

    import fitcontent
    plan = fitcontent.plan(fitcontent.make_request(exercises=["squat"], angles="all"))
    for shot in plan.shots:
        print(shot.id, shot.prompt)
    report = fitcontent.build(fitcontent.make_request(exercises=["squat"], formats="16:9,9:16"))
    fitcontent.export_course("dist", "course")
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from fitcontent.api import (
    Plan,
    Request,
    build,
    check_marketing,
    dry_run,
    export_course,
    export_marketing,
    load_catalog,
    make_request,
    plan,
    schemas,
    validate,
)
from fitcontent.artifacts import ClipArtifact, Manifest, RenderArtifact
from fitcontent.catalog.loader import Catalog
from fitcontent.engine.executor import BuildReport
from fitcontent.errors import CatalogError, FitcontentError, PromptError, RequestError, TemplateError
from fitcontent.generation.base import ShotSpec
from fitcontent.settings import Settings, load_settings

try:
    __version__ = _version("fitcontent")
except PackageNotFoundError:  # run from a source tree that was not installed (the GPU machine's checkout)
    __version__ = "0+source"

__all__ = [
    "BuildReport",
    "Catalog",
    "CatalogError",
    "ClipArtifact",
    "FitcontentError",
    "Manifest",
    "Plan",
    "PromptError",
    "RenderArtifact",
    "Request",
    "RequestError",
    "Settings",
    "ShotSpec",
    "TemplateError",
    "build",
    "check_marketing",
    "dry_run",
    "export_course",
    "export_marketing",
    "load_catalog",
    "load_settings",
    "make_request",
    "plan",
    "schemas",
    "validate",
]
