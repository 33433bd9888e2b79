"""Stills for the catalog browser: correct form, and each error from the angle and phase that show it best."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from fitcontent.catalog.loader import Catalog
from fitcontent.errors import RequestError
from fitcontent.pose.stills import still
from fitcontent.store import atomic_write_bytes

SIZE = (360, 240)


def error_still(catalog: Catalog, folder: Path, movement_id: str, form: str) -> Path:
    """A PNG of ``form`` (``correct`` or an error id) of the movement's first variation, made once per
    catalog content."""
    movement = catalog.movement(movement_id)
    if form == "correct":
        error, angle, at = None, None, None
    else:
        found = next((e for e in movement.errors if e.id == form), None)
        if found is None:
            raise RequestError(f"{movement_id} has no error {form!r}")
        error, angle, at = found.id, found.angles[0], found.phases[0]
    digest = hashlib.sha256(movement.model_dump_json().encode() + form.encode()).hexdigest()[:24]
    path = folder / f"{movement_id}-{digest}.png"
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        still(catalog, movement_id, None, error, angle, at, SIZE).save(buffer, format="PNG", optimize=True)
        atomic_write_bytes(path, buffer.getvalue())
    return path
