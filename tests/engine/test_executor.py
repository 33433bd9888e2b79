"""The executor's contract: work items are data another process can run, outcomes come back as data in the
items' order, and a failure is an outcome, not an exception."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from fitcontent import api
from fitcontent.artifacts import ClipArtifact, RenderArtifact
from fitcontent.engine.executor import LocalExecutor, Outcome, ShotProgress, Workshop
from fitcontent.engine.work import ClipWork, RenderWork
from fitcontent.settings import Settings
from fitcontent.store import Store, file_sha256

REQUEST = {"exercises": ["squat"], "angles": ["front"], "errors": ["knee-valgus"], "width": 160, "height": 96,
           "frames": 9, "layouts": ["comparison", "demo"], "formats": ["16:9"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("executor")
    settings = Settings(cache=root / "cache")
    request = api.make_request(**REQUEST)
    report = api.build(request, settings, out=root / "dist", draft=True)
    assert not report.failed
    planner = api._planner(request, settings, api.load_catalog(settings), root / "dist", True)
    renders = planner.plan(report.clips, ["comparison", "demo"])
    return SimpleNamespace(root=root, settings=settings, report=report, renders=renders,
                           specs=api._prepare(request, settings, "preview", draft=True)[2])  # as built


def test_work_items_survive_json_and_pickle_with_the_same_key(built: SimpleNamespace) -> None:
    items = [ClipWork(spec=spec, backend="preview", backend_version="6") for spec in built.specs]
    items += [RenderWork(render=render) for render in built.renders]
    assert len(items) == 4
    for item in items:
        again = type(item).model_validate_json(item.model_dump_json())
        assert again == item and again.key() == item.key()
        assert pickle.loads(pickle.dumps(item)).key() == item.key()
    keys = {e.id: e.cache_key for e in built.report.built}
    assert {item.id: item.key() for item in items} == keys  # what the build stored them under


def test_a_render_sent_to_another_process_is_made_there_to_the_same_bytes(built: SimpleNamespace,
                                                                          tmp_path: Path) -> None:
    """What a multi-process or cluster executor does: the item as JSON, a workshop of the worker's own."""
    render = next(r for r in built.renders if r.spec.kind == "comparison")
    (tmp_path / "item.json").write_text(RenderWork(render=render).model_dump_json(), encoding="utf-8")
    script = f"""
from pathlib import Path
from fitcontent.engine.executor import ShotProgress, Workshop, run_item
from fitcontent.engine.work import RenderWork
from fitcontent.store import Store
item = RenderWork.model_validate_json(Path({str(tmp_path / "item.json")!r}).read_text(encoding="utf-8"))
shop = Workshop(Store(Path({str(tmp_path / "cache")!r})), Path({str(tmp_path / "out")!r}), use_cache=False)
print(run_item(item, shop, ShotProgress()).model_dump_json())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    outcome = Outcome.model_validate_json(done.stdout.splitlines()[-1])
    original = next(e for e in built.report.built if e.id == render.id)
    assert isinstance(outcome.artifact, RenderArtifact) and outcome.error is None and not outcome.cached
    assert outcome.artifact == original  # the same entry, sha256 included: the same bytes
    assert file_sha256(tmp_path / "out" / original.path)[1] == original.sha256


class _Counting(ShotProgress):
    def __init__(self) -> None:
        self.done_in_order: list[tuple[str, str]] = []

    def done(self, item, outcome: str) -> None:
        self.done_in_order.append((item.id, outcome))


def test_outcomes_come_back_in_item_order_with_failures_as_data(built: SimpleNamespace, tmp_path: Path) -> None:
    renders = [RenderWork(render=r) for r in built.renders]
    broken = renders[0].render.model_copy(update={"spec": renders[0].render.spec.model_copy(update={"scenes": []})})
    items = [renders[0], RenderWork(render=broken), renders[1]]
    progress = _Counting()
    shop = Workshop(Store(built.settings.cache_dir), tmp_path / "out")
    outcomes = LocalExecutor().run(items, shop, progress, "renders", workers=2)
    assert [o.id for o in outcomes] == [i.id for i in items]
    assert [(o.cached, o.error is None) for o in outcomes] == [(True, True), (False, False), (True, True)]
    assert progress.done_in_order == [(items[0].id, "cached"), (items[1].id, "failed"), (items[2].id, "cached")]


class _Unloadable:
    """The preview backend, except that its model cannot be loaded."""

    def __init__(self, inner) -> None:
        self.inner, self.loads = inner, 0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def load(self) -> None:
        self.loads += 1
        raise OSError("model weights are unreadable")


def test_a_backend_that_cannot_load_fails_every_clip_after_one_attempt(built: SimpleNamespace, tmp_path: Path) -> None:
    backend = _Unloadable(api.make_backend("preview", api.load_catalog(built.settings)))
    shop = Workshop(Store(tmp_path / "cache"), tmp_path / "out", backend=backend)
    items = [ClipWork(spec=spec, backend="preview", backend_version="6") for spec in built.specs]
    outcomes = LocalExecutor().run(items, shop, ShotProgress())
    assert [o.error for o in outcomes] == ["model weights are unreadable"] * 2 and backend.loads == 1
    assert not list((tmp_path / "cache" / "objects").rglob("*.mp4"))


def test_outcomes_are_json(built: SimpleNamespace) -> None:
    clip = built.report.clips[0]
    outcome = Outcome(id=clip.id, artifact=clip, cached=True)
    again = Outcome.model_validate(json.loads(outcome.model_dump_json()))
    assert isinstance(again.artifact, ClipArtifact) and again == outcome
