"""Where the packaged catalog and templates live: inside the wheel, or at the root of a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def packaged(name: str) -> Path:
    """The packaged ``catalog`` or ``templates`` directory.

    A wheel carries them as ``fitcontent/_data/<name>`` (see pyproject.toml); an editable install
    or a checkout reads the repository's top-level directories, so edits show up at once.
    """
    bundled = _PACKAGE / "_data" / name
    return bundled if bundled.is_dir() else _PACKAGE.parent / name
