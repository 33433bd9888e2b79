"""Add an exercise to your own copy of the catalog and plan it, all from Python.

Run: python examples/custom_catalog.py
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import fitcontent
from fitcontent.paths import packaged


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        catalog = Path(folder) / "catalog"
        shutil.copytree(packaged("catalog"), catalog)
        squat = (catalog / "squat.yaml").read_text(encoding="utf-8")
        # a new movement file: here derived from the squat, normally written by hand
        box_squat = squat.replace("id: squat", "id: box-squat", 1)
        box_squat = box_squat.replace("{en: Squat, zh: 深蹲}", "{en: Box squat, zh: 箱式深蹲}")
        (catalog / "box-squat.yaml").write_text(box_squat, encoding="utf-8")
        settings = fitcontent.Settings(catalog=catalog)
        fitcontent.validate(settings, strict=True)
        plan = fitcontent.plan(fitcontent.make_request(exercises=["box-squat"], errors=["none"]), settings)
        for shot in plan.shots:
            print(shot.id, "|", shot.prompt[:100], "...")


if __name__ == "__main__":
    main()
