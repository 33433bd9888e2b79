"""The names `import fitcontent` promises stay what they are after use."""

from __future__ import annotations

from pathlib import Path

from fitcontent.settings import Settings


def test_build_stays_the_function_after_the_engine_and_store_are_imported(tmp_path: Path) -> None:
    """The runner is ``fitcontent.engine`` and the store ``fitcontent.store``: no module shadows the
    public ``fitcontent.build`` (it did when the runner was the package ``fitcontent.build``)."""
    import fitcontent.engine.run
    import fitcontent.store

    assert callable(fitcontent.build) and callable(fitcontent.store.Store) and fitcontent.engine.run.build
    request = fitcontent.make_request(exercises=["squat"], angles=["front"], errors=["none"], layouts=["none"],
                                      width=160, height=96, frames=9)
    fitcontent.dry_run(request, Settings(cache=tmp_path / "cache"))  # imports the engine and the store
    assert callable(fitcontent.build)
    report = fitcontent.build(request, Settings(cache=tmp_path / "cache"), out=tmp_path / "dist")
    assert callable(fitcontent.build) and not report.failed
