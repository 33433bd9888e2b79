"""The wheel carries the default catalog and templates, so an installed fitcontent works outside the repo."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, timeout=300)
    return next(out.glob("fitcontent-*.whl"))


def test_wheel_contains_every_catalog_and_template_file(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("catalog", "templates"):
        for path in (REPO / folder).rglob("*"):
            if path.is_file():
                assert f"fitcontent/_data/{path.relative_to(REPO)}" in names
    assert any(name.endswith("entry_points.txt") for name in names)
    assert "fitcontent/py.typed" in names  # type checkers of an importing project read our annotations
    for path in (REPO / "fitcontent" / "service" / "static").iterdir():  # the studio's web UI
        assert f"fitcontent/service/static/{path.name}" in names


def test_installed_package_plans_from_its_own_data_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = ("import fitcontent, fitcontent.paths as p; "
            "print(p.packaged('catalog')); "
            "print(len(fitcontent.plan(fitcontent.make_request(exercises=['squat'], angles='all')).shots))")
    result = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
                            capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert result.returncode == 0, result.stderr
    catalog_dir, shots = result.stdout.split()
    assert catalog_dir == str(site / "fitcontent" / "_data" / "catalog")
    assert int(shots) >= 5
