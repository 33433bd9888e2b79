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

from pydantic import BaseModel, TypeAdapter, ValidationError

from fitcontent.artifacts import Approval, Artifact, BuildFigures, ClipArtifact, Manifest, RenderArtifact
from fitcontent.errors import FitcontentError
from fitcontent.store import hashed, lock, output_dir, write_text_if_changed

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
_ENTRY: TypeAdapter[ClipArtifact | RenderArtifact] = TypeAdapter(Artifact)


def read_manifest(dist: Path) -> list[ClipArtifact | RenderArtifact]:
    """The artifacts a build recorded in ``dist/manifest.json``; a missing one says how to make it, and
    malformed entries are warned about and left out."""
    path = Path(dist) / MANIFEST
    if not path.is_file():
        raise FitcontentError(f"{path} not found; run fitcontent build first (e.g. fitcontent build squat)")
    artifacts = _entries(_read(path), path)
    if artifacts is None:
        raise FitcontentError(f"{path}: not a fitcontent manifest (no list of artifacts); rebuild into a fresh "
                              f"directory")
    return artifacts


def write_manifest(out: Path, entries: Sequence[ClipArtifact | RenderArtifact],
                   figures: BuildFigures | None = None, approval: Approval | None = None) -> None:
    """Merge this build's entries into dist/manifest.json under dist/'s lock, so builds into one dist/ at the
    same time lose no entry, with this build's ``figures`` and the ``approval`` it was made under (None: what
    the file holds stays). Only entries whose file holds the bytes they list are kept: one whose file is
    gone, or was replaced since (by another build), is dropped."""
    path = out / MANIFEST
    with lock(out):
        raw = _read(path)
        before = _entries(raw, path)
        if before is None:
            log.warning("%s has no list of artifacts; writing a new one", path)
        merged = {(e.id, e.kind): e for e in [*(before or []), *entries] if _holds(out / e.path, e.sha256)}
        kept = _kept(raw)
        manifest = Manifest(generator=f"fitcontent {version('fitcontent')}", last_build=figures or kept.last_build,
                            approval=approval or kept.approval,
                            artifacts=sorted(merged.values(), key=lambda e: e.path))
        write_text_if_changed(path, json.dumps(manifest.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n")


def record_approval(out: Path, approval: Approval) -> None:
    """Note in dist/manifest.json the approval that the clips built next into ``out`` are made under."""
    output_dir(out)
    write_manifest(out, [], approval=approval)


class _Kept(BaseModel):
    """What a manifest says about the builds, beside its entries."""

    last_build: BuildFigures | None = None
    approval: Approval | None = None


def _holds(path: Path, sha256: str) -> bool:
    try:
        return hashed(path)[1] == sha256
    except OSError:  # gone, or not a file
        return False


def _read(path: Path) -> dict[str, Any] | None:
    """An existing manifest's JSON (None when there is none; {} when it is not a JSON object)."""
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        return {}
    return raw if isinstance(raw, dict) else {}


def _kept(raw: dict[str, Any] | None) -> _Kept:
    """The figures and approval of a manifest's JSON (none when absent or malformed)."""
    try:
        return _Kept.model_validate(raw or {})
    except ValidationError:
        return _Kept()


def _entries(raw: dict[str, Any] | None, path: Path) -> list[ClipArtifact | RenderArtifact] | None:
    """The well-formed entries of a manifest's JSON ([] when there is no file); None when it has no list."""
    if raw is None:
        return []
    listed = raw.get("artifacts")
    if not isinstance(listed, list):
        return None
    good = []
    for number, entry in enumerate(listed):
        try:
            good.append(_ENTRY.validate_python(entry))
        except ValidationError as exc:
            problem = exc.errors()[0]
            where = ".".join(map(str, problem["loc"]))
            log.warning("%s: entry %d dropped (%s: %s)", path, number, where, problem["msg"].lower())
    return good
