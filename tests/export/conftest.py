"""Fixtures the export tests share."""

from __future__ import annotations

from pathlib import Path

import pytest

from fitcontent.export import marketing


@pytest.fixture
def conform_calls(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The cuts :func:`marketing.conform` encodes during the test, in order (it still encodes them)."""
    calls: list[Path] = []
    real = marketing.conform

    def counted(source: Path, dest: Path, *args) -> None:
        calls.append(dest)
        real(source, dest, *args)

    monkeypatch.setattr(marketing, "conform", counted)
    return calls
