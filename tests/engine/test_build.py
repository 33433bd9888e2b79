"""The build through the library API: a failing shot, manifest merging, a damaged manifest.

Settings always name a temporary store (``Settings(cache=...)``), never the user's ~/.cache.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.generation.base import Clip, Progress, ShotSpec
from fitcontent.settings import Settings

# clips only: renders are tested in tests/post
SMALL = {"width": 160, "height": 128, "frames": 9, "fps": 8, "layouts": ["none"]}
REASON = "renderer exploded"


class FailingBackend:
    """A test double of our Backend protocol: the preview backend, except that one shot raises half-way."""

    def __init__(self, inner, fail_id: str):
        self.inner, self.fail_id = inner, fail_id
        self.name, self.version = inner.name, inner.version
        self.attempts: list[str] = []

    def __getattr__(self, name: str):  # the rest of the protocol: the preview backend's
        return getattr(self.inner, name)

    def generate(self, spec: ShotSpec, path: Path, progress: Progress | None = None) -> Clip:
        self.attempts.append(spec.id)
        if spec.id == self.fail_id:
            path.write_bytes(b"half a clip")
            raise RuntimeError(REASON)
        return self.inner.generate(spec, path, progress)


@pytest.fixture
def failing(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """api.make_backend hands out FailingBackends (kept in ``.made``) that fail the shot ``.fail_id``."""
    state = SimpleNamespace(made=[], fail_id="")
    real = api.make_backend

    def make_backend(name: str, catalog) -> FailingBackend:
        state.made.append(FailingBackend(real(name, catalog), state.fail_id))
        return state.made[-1]

    monkeypatch.setattr(api, "make_backend", make_backend)
    return state


def settings_for(tmp_path: Path) -> Settings:
    return Settings(cache=tmp_path / "cache")


def manifest(dist: Path) -> list[dict]:
    return json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["artifacts"]


def temp_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob(".tmp-*"))


def test_one_failing_shot_does_not_stop_the_batch(tmp_path: Path, failing: SimpleNamespace,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    settings, dist = settings_for(tmp_path), tmp_path / "dist"
    request = api.make_request(exercises=["squat"], angles=["front", "side"], **SMALL)
    ids = [s.id for s in api.plan(request, settings).shots]
    assert len(ids) == 6
    failing.fail_id = ids[0]  # the first shot fails: every later one must still be made

    report = api.build(request, settings, out=dist)

    assert failing.made[0].attempts == ids
    assert report.failed == [(ids[0], REASON)]
    assert [e.id for e in report.built] == ids[1:]
    assert report.cached == 0
    assert re.fullmatch(r"Built 5 clips \(0 cached\), 1 failed in \d+\.\d s; \d+\.\d worker-seconds a clip, \d+ "
                        r"clips an hour", report.summary())
    assert report.made_clips == 5 and 0 < report.clip_seconds <= report.seconds * 1.01
    assert report.clips_per_hour == pytest.approx(5 * 3600 / report.seconds)
    assert f"{ids[0]} failed: {REASON}" in caplog.text
    assert sorted(e["id"] for e in manifest(dist)) == sorted(ids[1:])
    for entry in manifest(dist):
        assert hashlib.sha256((dist / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    failed_spec = api.plan(request, settings).shots[0]
    assert not (dist / "squat" / f"{failed_spec.variation}-{failed_spec.angle}-{failed_spec.form}.mp4").exists()
    assert temp_files(dist) == [] and temp_files(tmp_path / "cache") == []  # the half clip was thrown away
    status = {s.id: cached for s, cached in api.dry_run(request, settings)}
    assert status == {i: i != ids[0] for i in ids}

    failing.fail_id = "none"  # the fault is fixed: a rerun makes only the failed shot
    again = api.build(request, settings, out=dist)
    assert (again.cached, again.failed, len(again.built)) == (5, [], 6)
    assert failing.made[-1].attempts == [ids[0]]
    assert sorted(e["id"] for e in manifest(dist)) == sorted(ids)


def test_a_failed_shot_makes_the_cli_exit_1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: SimpleNamespace,
                                            restore_logging: None) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FITCONTENT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))  # must stay unused
    failing.fail_id = "squat.bodyweight.front.correct"
    args = ["build", "squat", "--angles", "front", "--size", "160x128", "--frames", "9", "--layouts", "none",
            "--out", "dist"]

    result = CliRunner().invoke(cli, args, catch_exceptions=False)

    assert result.exit_code == 1, result.output
    assert failing.made[0].attempts == ["squat.bodyweight.front.correct", "squat.bodyweight.front.knee-valgus"]
    assert f"failed: squat.bodyweight.front.correct: {REASON}\n" in result.stderr
    assert re.fullmatch(r"Built 1 clip \(0 cached\), 1 failed in \d+\.\d s; \d+\.\d worker-seconds a clip, \d+ "
                        r"clips an hour\n", result.stdout)
    assert [e["id"] for e in manifest(tmp_path / "dist")] == ["squat.bodyweight.front.knee-valgus"]
    assert not (tmp_path / "xdg-cache").exists()


def test_manifest_merges_builds_into_the_same_dist(tmp_path: Path) -> None:
    settings, dist = settings_for(tmp_path), tmp_path / "dist"
    squat = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], **SMALL)
    lunge = api.make_request(exercises=["lunge"], angles=["front"], errors=["none"], **SMALL)
    first = api.build(squat, settings, out=dist)
    second = api.build(lunge, settings, out=dist)
    assert (len(first.built), len(second.built), first.failed, second.failed) == (1, 1, [], [])

    entries = {e["id"]: e for e in manifest(dist)}
    assert set(entries) == {first.built[0].id, second.built[0].id}
    assert entries[first.built[0].id] == first.built[0].model_dump(mode="json")
    assert entries[second.built[0].id] == second.built[0].model_dump(mode="json")
    assert all((dist / e["path"]).is_file() for e in entries.values())

    # the same shot at another size replaces its entry instead of adding a second one
    bigger = api.build(squat.model_copy(update={"width": 176}), settings, out=dist)
    entries = {e["id"]: e for e in manifest(dist)}
    assert len(manifest(dist)) == 2
    assert entries[first.built[0].id]["width"] == 176
    assert entries[first.built[0].id]["sha256"] == bigger.built[0].sha256 != first.built[0].sha256

    # an entry whose clip is gone is dropped at the next build
    (dist / second.built[0].path).unlink()
    api.build(squat, settings, out=dist)
    assert [e["id"] for e in manifest(dist)] == [first.built[0].id]


@pytest.mark.parametrize(
    "damaged",
    [
        {"artifacts": ["junk"]},
        {"artifacts": [{"id": "squat.x.front.correct", "kind": "clip", "path": None}]},
        {"artifacts": None},
    ],
    ids=["entry-not-a-mapping", "path-null", "artifacts-null"],
)
def test_a_damaged_manifest_is_replaced_not_a_crash(tmp_path: Path, damaged: dict) -> None:
    settings, dist = settings_for(tmp_path), tmp_path / "dist"
    dist.mkdir()
    (dist / "manifest.json").write_text(json.dumps(damaged), encoding="utf-8")
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], **SMALL)
    report = api.build(request, settings, out=dist)
    assert report.failed == []
    assert manifest(dist) == [e.model_dump(mode="json") for e in report.built]


def test_the_manifest_keeps_the_last_builds_figures(tmp_path: Path) -> None:
    settings, dist = settings_for(tmp_path), tmp_path / "dist"
    request = api.make_request(exercises=["squat"], angles=["front", "side"], errors=["none"], **SMALL)
    made = api.build(request, settings, out=dist)
    figures = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["last_build"]
    assert (figures["executor"], figures["workers"], figures["clips_made"], figures["clips_cached"]) == \
        ("local", 1, 2, 0)
    assert figures["seconds"] == round(made.seconds, 3) and figures["seconds"] > 0
    assert figures["worker_seconds_per_clip"] == round(made.clip_seconds / 2, 3) > 0
    assert figures["clips_per_hour"] == round(2 * 3600 / made.seconds, 1)
    assert f"{made.clip_seconds / 2:.1f} worker-seconds a clip" in made.summary()

    api.build(request.model_copy(update={"angles": ["front"]}), settings, out=dist)  # all from the store
    assert json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["last_build"] == figures
