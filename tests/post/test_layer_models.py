"""Layer fields kept for older layout files: accepted, reported where they stand, and without effect."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from fitcontent.post.spec import load_layout


def test_a_label_position_still_loads_and_is_reported_as_unused_at_its_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "layouts" / "comparison.yaml"
    path.parent.mkdir()
    path.write_text("layers:\n  - type: label\n    position: bottom\n  - type: border\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="fitcontent.post.spec"):
        old, _ = load_layout("comparison", tmp_path)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path}:3: layers[0].position: no longer used: labels go where they are clear of the athlete; remove it"]
    path.write_text("layers:\n  - type: label\n  - type: border\n", encoding="utf-8")
    caplog.clear()
    new, _ = load_layout("comparison", tmp_path)
    assert not caplog.records
    unused = {"layers": {0: {"position"}}}
    assert old.model_dump(exclude=unused) == new.model_dump(exclude=unused)
