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
    validate,
)
from fitcontent.catalog.loader import Catalog
from fitcontent.errors import CatalogError, FitcontentError, PromptError, RequestError, TemplateError
from fitcontent.generation.base import ShotSpec
from fitcontent.settings import Settings, load_settings

__all__ = [
    "Catalog",
    "CatalogError",
    "FitcontentError",
    "Plan",
    "PromptError",
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
    "validate",
]
