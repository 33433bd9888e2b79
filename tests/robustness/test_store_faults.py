"""Damage to the store heals on the next build: whatever stands where an entry belongs is replaced, and a
dist/ clip that is a hard link to a damaged object is made again."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from fitcontent import api
from fitcontent.settings import Settings

REQUEST = {"exercises": ["squat"], "angles": ["front"], "errors": ["none"], "layouts": ["none"], "width": 160,
           "height": 96, "frames": 9}


def _object(cache: Path) -> Path:
    [found] = (cache / "objects").glob("*/*.mp4")
    return found


def _folder_for_object(cache: Path) -> None:
    path = _object(cache)
    path.unlink()
    path.mkdir()


def _folder_for_sidecar(cache: Path) -> None:
    sidecar = _object(cache).with_suffix(".json")
    sidecar.unlink()
    sidecar.mkdir()


def _file_for_shard(cache: Path) -> None:
    shard = _object(cache).parent
    shutil.rmtree(shard)
    shard.write_bytes(b"not a folder")


def _folder_for_lock_and_a_flipped_byte(cache: Path) -> None:
    """The object (the same file as the dist/ clip: a hard link) damaged in place, and no usable lock."""
    with open(_object(cache), "r+b") as f:
        f.seek(2000)
        byte = f.read(1)
        f.seek(2000)
        f.write(bytes([byte[0] ^ 0xFF]))
    (cache / ".lock").unlink(missing_ok=True)
    (cache / ".lock").mkdir()


@pytest.mark.parametrize("damage", [_folder_for_object, _folder_for_sidecar, _file_for_shard,
                                    _folder_for_lock_and_a_flipped_byte], ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_store_heals_on_the_next_build(damage, tmp_path: Path) -> None:
    settings, dist = Settings(cache=tmp_path / "cache"), tmp_path / "dist"
    request = api.make_request(**REQUEST)
    first = api.build(request, settings, out=dist)
    [clip] = first.built
    damage(tmp_path / "cache")
    healed = api.build(request, settings, out=dist)
    assert (healed.failed, healed.cached, len(healed.built)) == ([], 0, 1)
    data = (dist / clip.path).read_bytes()
    assert hashlib.sha256(data).hexdigest() == clip.sha256  # made again: the same bytes as before the damage
    listed = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["artifacts"]
    assert [e["sha256"] for e in listed] == [clip.sha256]
    again = api.build(request, settings, out=dist)
    assert (again.failed, again.cached) == ([], 1)
