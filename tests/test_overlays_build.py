"""Coaching overlays through a build: the --overlays flag, the API, the store, and layouts that ask for them.

Every build uses a temporary store, one small shot where it can, and no renders unless a layout is tested.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from fitcontent import api
from fitcontent.artifacts import ClipArtifact
from fitcontent.cli import cli
from fitcontent.generation.base import ShotSpec
from fitcontent.paths import packaged
from fitcontent.pose.overlays import COLOURS
from fitcontent.post.formats import FORMATS
from fitcontent.post.names import load_strings
from fitcontent.post.plan import Planner, load_layouts
from fitcontent.post.spec import load_brand
from fitcontent.settings import Settings
from fitcontent.store import cache_key
from tests.post.conftest import clip_entry, read_frame

ONE_SHOT = ("squat", "--angles", "front", "--errors", "none", "--size", "160x128", "--frames", "9", "--fps", "8",
            "--layouts", "none")
OVERLAY_ID = "squat.bodyweight.front.correct.overlays"


def manifest(dist: Path) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in json.loads((dist / "manifest.json").read_text(encoding="utf-8"))["artifacts"]}


def test_build_with_overlays_makes_another_clip_that_shows_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                restore_logging) -> None:
    monkeypatch.setenv("FITCONTENT_CACHE", str(tmp_path / "cache"))
    dist = tmp_path / "dist"
    for extra in ((), ("--overlays",)):
        result = CliRunner().invoke(cli, ["build", *ONE_SHOT, "--out", str(dist), *extra])
        assert result.exit_code == 0, result.output
    entries = manifest(dist)
    plain, drawn = entries["squat.bodyweight.front.correct"], entries[OVERLAY_ID]
    assert (plain["path"], drawn["path"]) == ("squat/bodyweight-front-correct.mp4",
                                              "squat/bodyweight-front-correct.overlays.mp4")
    assert drawn["pose"] == "squat/bodyweight-front-correct.overlays.pose.json"
    assert drawn["overlays"] is True and "overlays" not in plain
    assert plain["cache_key"] != drawn["cache_key"] and plain["sha256"] != drawn["sha256"]
    middle = 4
    before, after = read_frame(dist / plain["path"], middle), read_frame(dist / drawn["path"], middle)
    assert np.abs(before.astype(int) - after.astype(int)).max() > 100
    amber = (np.abs(after.astype(int) - COLOURS[0]).max(axis=-1) <= 40).sum()
    assert amber > 20 and (np.abs(before.astype(int) - COLOURS[0]).max(axis=-1) <= 40).sum() == 0


def test_clips_without_overlays_keep_their_ids_and_store_keys() -> None:
    [spec] = api.plan(api.make_request(exercises=["squat"], angles=["front"], errors=["none"])).shots
    assert spec.id == "squat.bodyweight.front.correct" and not spec.overlays
    # the spec as it was before overlays existed: every other field, read off the model, not its dump; a
    # plain dump that carried ``overlays`` or ``overlay_digest`` (even False or "") would hash differently
    before = {name: getattr(spec, name) for name in ShotSpec.model_fields if name not in ("overlays", "overlay_digest")}
    dump = spec.model_dump(mode="json")
    assert dump == before
    assert cache_key(dump, "preview", "4") == cache_key(before, "preview", "4")  # how engine/run.py keys a clip
    [drawn] = api.plan(api.make_request(exercises=["squat"], angles=["front"], errors=["none"], overlays=True)).shots
    assert drawn.with_overlays(False) == spec and drawn.overlay_digest  # what the overlays draw is in its key
    assert drawn.model_dump(mode="json") == {**dump, "id": OVERLAY_ID, "overlays": True,
                                             "overlay_digest": drawn.overlay_digest}


def test_plan_flag(restore_logging) -> None:
    result = CliRunner().invoke(cli, ["plan", "squat", "--angles", "front", "--errors", "none", "--overlays",
                                      "--format", "json"])
    assert result.exit_code == 0, result.output
    [shot] = json.loads(result.output)["shots"]
    assert shot["id"] == OVERLAY_ID and shot["overlays"] is True


class PlainBackend:
    """A backend that cannot draw overlays (as cogvideox): the preview's frames, no ``draws_overlays``."""

    def __init__(self, inner):
        self.inner, self.name, self.version, self.catalog = inner, inner.name, inner.version, inner.catalog

    draws_overlays = False

    def __getattr__(self, name: str):  # the rest of the protocol: the preview backend's
        return getattr(self.inner, name)

    def generate(self, spec: ShotSpec, path: Path, progress=None):
        return self.inner.generate(spec, path, progress)


def test_a_backend_that_cannot_draw_overlays_makes_plain_clips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    real = api.make_backend
    monkeypatch.setattr(api, "make_backend", lambda name, catalog, **options: PlainBackend(real(name, catalog)))
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["none"], width=160, height=128,
                               frames=9, layouts=["none"], overlays=True)
    with caplog.at_level(logging.WARNING):
        report = api.build(request, Settings(cache=tmp_path / "cache"), out=tmp_path / "dist")
    assert [e.id for e in report.built] == ["squat.bodyweight.front.correct"]
    assert "does not draw coaching overlays" in caplog.text


def layout_templates(root: Path, kind: str) -> Path:
    """A templates directory whose ``kind`` layout is the packaged one with ``overlays: true``."""
    source = packaged("templates") / "layouts" / f"{kind}.yaml"
    (root / "layouts").mkdir(parents=True)
    (root / "layouts" / f"{kind}.yaml").write_text(source.read_text(encoding="utf-8") + "overlays: true\n",
                                                   encoding="utf-8")
    return root


def planner(catalog, templates: Path | None, dist: Path) -> Planner:
    return Planner(catalog, load_layouts(templates), load_brand(None, templates)[0], load_strings(templates),
                   [FORMATS["16:9"]], "en", dist, True)


def with_overlays(entry: ClipArtifact) -> ClipArtifact:
    return entry.model_copy(update={"id": entry.id + ".overlays", "path": entry.path.replace(".mp4", ".overlays.mp4"),
                                    "overlays": True})


def test_a_layout_that_asks_for_overlays_uses_those_clips(tmp_path: Path) -> None:
    catalog = api.load_catalog(Settings())
    plain = [clip_entry("front"), clip_entry("front", "knee-valgus")]
    renders = planner(catalog, layout_templates(tmp_path / "templates", "comparison"), tmp_path).plan(
        plain + [with_overlays(c) for c in plain], ["demo", "comparison"])
    inputs = {r.spec.kind: r.info.inputs for r in renders}
    assert inputs == {"demo": ["squat.bodyweight.front.correct"],
                      "comparison": ["squat.bodyweight.front.correct.overlays",
                                     "squat.bodyweight.front.knee-valgus.overlays"]}
    assert [r.id for r in renders] == ["squat.bodyweight.front.demo.16x9",
                                       "squat.bodyweight.front.knee-valgus.comparison.16x9"]  # the layout's own


def test_a_build_with_overlays_renders_them_under_their_own_names(tmp_path: Path) -> None:
    catalog = api.load_catalog(Settings())
    drawn = [with_overlays(clip_entry("front")), with_overlays(clip_entry("front", "knee-valgus"))]
    renders = planner(catalog, None, tmp_path).plan(drawn, ["demo", "comparison"])
    assert [r.id for r in renders] == ["squat.bodyweight.front.demo.overlays.16x9",
                                       "squat.bodyweight.front.knee-valgus.comparison.overlays.16x9"]
    assert all(r.info.overlays and all(i.endswith(".overlays") for i in r.info.inputs) for r in renders)


def test_a_build_makes_the_overlay_clips_a_layout_asks_for(tmp_path: Path) -> None:
    settings = Settings(cache=tmp_path / "cache", templates=layout_templates(tmp_path / "templates", "comparison"))
    request = api.make_request(exercises=["squat"], angles=["front"], errors=["knee-valgus"], width=160,
                               height=128, frames=9, layouts=["comparison"])
    assert len(api.dry_run(request, settings)) == 4  # the two clips, and each with overlays
    report = api.build(request, settings, out=tmp_path / "dist", draft=True)
    assert not report.failed
    [render] = [e for e in report.built if e.kind == "comparison"]
    assert render.inputs == ["squat.bodyweight.front.correct.overlays",
                              "squat.bodyweight.front.knee-valgus.overlays"]
    assert (tmp_path / "dist" / render.path).is_file()
