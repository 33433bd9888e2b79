"""fitcontent: an exercise catalog in, fitness videos out.

The public API, for course platforms and scripts::

    import fitcontent
    plan = fitcontent.plan(fitcontent.make_request(exercises=["squat"], angles="all"))
    for shot in plan.shots:
        print(shot.id, shot.prompt)
"""

from __future__ import annotations

from fitcontent.api import Plan, Request, load_catalog, make_request, plan, validate
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
    "load_catalog",
    "load_settings",
    "make_request",
    "plan",
    "validate",
]
