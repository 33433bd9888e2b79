"""The names `import fitcontent` promises stay what they are after use."""

from __future__ import annotations

from pathlib import Path

import fitcontent
from fitcontent.settings import Settings


def test_build_stays_the_function_after_the_build_package_is_imported(tmp_path: Path) -> None:
    request = fitcontent.make_request(exercises=["squat"], angles=["front"], errors=["none"], layouts=["none"],
                                      width=160, height=96, frames=9)
    fitcontent.dry_run(request, Settings(cache=tmp_path / "cache"))  # imports fitcontent.build.*
    assert callable(fitcontent.build)
    report = fitcontent.build(request, Settings(cache=tmp_path / "cache"), out=tmp_path / "dist")
    assert callable(fitcontent.build) and not report.failed
