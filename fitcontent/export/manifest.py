"""``dist/manifest.json``: every clip and render a build made, as entries the exports read.

The engine merges each build's entries in (:func:`write_manifest`); ``export course`` and ``export
marketing`` read them back (:func:`read_manifest`)."""

from __future__ import annotations

import json
import logging
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fitcontent.errors import FitcontentError
from fitcontent.store import write_text_if_changed

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
_KEYS = ("id", "kind", "path")


def read_manifest(dist: Path) -> list[dict[str, Any]]:
    """The artifacts a build recorded in ``dist/manifest.json``; a missing one says how to make it."""
    path = Path(dist) / MANIFEST
    if not path.is_file():
        raise FitcontentError(f"{path} not found; run fitcontent build first (e.g. fitcontent build squat)")
    try:
        artifacts = json.loads(path.read_text(encoding="utf-8"))["artifacts"]
    except (ValueError, KeyError, TypeError) as exc:
        raise FitcontentError(f"{path}: not a fitcontent manifest ({exc}); rebuild into a fresh directory") from None
    return [a for a in artifacts if isinstance(a, dict)]


def write_manifest(out: Path, entries: list[dict[str, Any]]) -> None:
    """Merge this build's entries into dist/manifest.json; entries whose files are gone are dropped."""
    path = out / MANIFEST
    fresh = {(e["id"], e["kind"]) for e in entries}
    kept = [e for e in _previous_entries(path) if (e["id"], e["kind"]) not in fresh and (out / e["path"]).is_file()]
    artifacts = sorted(kept + entries, key=lambda e: e["path"])
    document = {"generator": f"fitcontent {version('fitcontent')}", "artifacts": artifacts}
    write_text_if_changed(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _previous_entries(path: Path) -> list[dict[str, Any]]:
    """The entries of an existing manifest that are well formed; anything else is warned about and dropped."""
    if not path.is_file():
        return []
    try:
        artifacts = json.loads(path.read_text(encoding="utf-8")).get("artifacts")
    except (ValueError, AttributeError):
        artifacts = None
    if not isinstance(artifacts, list):
        log.warning("%s has no list of artifacts; writing a new one", path)
        return []
    good = [e for e in artifacts if isinstance(e, dict) and all(isinstance(e.get(k), str) for k in _KEYS)]
    if len(good) < len(artifacts):
        log.warning("%s: dropped %d malformed entries", path, len(artifacts) - len(good))
    return good
