"""``dist/manifest.json``: every clip and render a build made, as typed entries the exports read.

The engine merges each build's entries in (:func:`write_manifest`); ``export course`` and ``export
marketing`` read them back (:func:`read_manifest`). The entries are :mod:`fitcontent.artifacts` models;
``fitcontent schema manifest`` prints the file's JSON Schema.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from fitcontent.artifacts import Artifact, BuildFigures, ClipArtifact, Manifest, RenderArtifact
from fitcontent.errors import FitcontentError
from fitcontent.store import hashed, lock, write_text_if_changed

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
_ENTRY: TypeAdapter[ClipArtifact | RenderArtifact] = TypeAdapter(Artifact)


def read_manifest(dist: Path) -> list[ClipArtifact | RenderArtifact]:
    """The artifacts a build recorded in ``dist/manifest.json``; a missing one says how to make it, and
    malformed entries are warned about and left out."""
    path = Path(dist) / MANIFEST
    if not path.is_file():
        raise FitcontentError(f"{path} not found; run fitcontent build first (e.g. fitcontent build squat)")
    artifacts = _entries(path)
    if artifacts is None:
        raise FitcontentError(f"{path}: not a fitcontent manifest (no list of artifacts); rebuild into a fresh "
                              f"directory")
    return artifacts


def write_manifest(out: Path, entries: Sequence[ClipArtifact | RenderArtifact],
                   figures: BuildFigures | None = None) -> None:
    """Merge this build's entries into dist/manifest.json under dist/'s lock, so builds into one dist/ at the
    same time lose no entry, with this build's ``figures`` (None: the figures already there stay). Only
    entries whose file holds the bytes they list are kept: one whose file is gone, or was replaced since (by
    another build), is dropped."""
    path = out / MANIFEST
    with lock(out):
        before = _entries(path)
        if before is None:
            log.warning("%s has no list of artifacts; writing a new one", path)
        merged = {(e.id, e.kind): e for e in [*(before or []), *entries] if _holds(out / e.path, e.sha256)}
        manifest = Manifest(generator=f"fitcontent {version('fitcontent')}", last_build=figures or _figures(path),
                            artifacts=sorted(merged.values(), key=lambda e: e.path))
        write_text_if_changed(path, json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")


def _holds(path: Path, sha256: str) -> bool:
    try:
        return hashed(path)[1] == sha256
    except OSError:  # gone, or not a file
        return False


def _figures(path: Path) -> BuildFigures | None:
    """The last build's figures in an existing manifest (None when there are none, or they are malformed)."""
    try:
        return BuildFigures.model_validate(json.loads(path.read_text(encoding="utf-8"))["last_build"])
    except (OSError, ValueError, TypeError, KeyError, ValidationError):
        return None


def _entries(path: Path) -> list[ClipArtifact | RenderArtifact] | None:
    """The well-formed entries of an existing manifest ([] when there is none); None when it has no list."""
    if not path.is_file():
        return []
    try:
        raw: Any = json.loads(path.read_text(encoding="utf-8")).get("artifacts")
    except (ValueError, AttributeError):
        raw = None
    if not isinstance(raw, list):
        return None
    good = []
    for number, entry in enumerate(raw):
        try:
            good.append(_ENTRY.validate_python(entry))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(map(str, problem["loc"]))
            log.warning("%s: entry %d dropped (%s: %s)", path, number, where, problem["msg"].lower())
    return good
