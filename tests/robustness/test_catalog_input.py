"""Careless catalog input: every problem of every file at once, each at its line; no number a joint cannot reach."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINE = 24  # squat.yaml: the bottom keyframe, "knee_flexion: 122"


@pytest.mark.parametrize(("typed", "said"), [
    (".nan", "nan is not a number of degrees"),
    (".inf", "inf is not a number of degrees"),
    ("-.inf", "-inf is not a number of degrees"),
    ("1e300", "1e+300 degrees is beyond what the joint can reach (-165 to 165); a typo?"),
    ("1220", "1220 degrees is beyond what the joint can reach (-165 to 165); a typo?"),
])
def test_a_bad_joint_angle_is_one_line_at_its_file_and_line(typed: str, said: str, tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    shutil.copytree(REPO / "catalog", catalog)
    squat = catalog / "squat.yaml"
    lines = squat.read_text(encoding="utf-8").splitlines(keepends=True)
    assert "knee_flexion: 122," in lines[LINE - 1]
    lines[LINE - 1] = lines[LINE - 1].replace("knee_flexion: 122,", f"knee_flexion: {typed},")
    squat.write_text("".join(lines), encoding="utf-8")
    for command in (["catalog", "validate", "--strict"], ["build", "squat", "--out", str(tmp_path / "dist")]):
        done = subprocess.run([sys.executable, "-m", "fitcontent", *command, "--catalog", str(catalog)],
                              capture_output=True, text=True, cwd=tmp_path, timeout=120,
                              env={"FITCONTENT_CACHE": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin"})
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr
        problems = [line for line in done.stderr.splitlines() if "squat.yaml" in line]
        assert len(problems) == 1 and f"squat.yaml:{LINE}:" in problems[0] and said in problems[0], done.stderr
    assert not (tmp_path / "dist" / "squat").exists()  # nothing was made from it


def test_problems_of_every_file_come_at_once(tmp_path: Path) -> None:
    """A file that does not validate no longer hides the other files' cross-reference problems."""
    from fitcontent.catalog.loader import load_catalog
    from fitcontent.errors import CatalogError

    catalog = tmp_path / "catalog"
    shutil.copytree(REPO / "catalog", catalog)
    lunge = catalog / "lunge.yaml"
    lunge.write_text(lunge.read_text(encoding="utf-8").replace("eccentric: 2,", "eccentric: two,"), encoding="utf-8")
    squat = catalog / "squat.yaml"
    squat.write_text(squat.read_text(encoding="utf-8").replace("knee_flexion: 122,", "knee_flexion: 1220,"),
                     encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog)
    errors = [(Path(p.file).name, p.line) for p in info.value.problems if not p.warning]
    assert errors == [("lunge.yaml", 7), ("squat.yaml", LINE)]


def test_a_broken_vocabulary_does_not_hide_the_movements_problems(tmp_path: Path) -> None:
    """References into a file that did not load are not checked (no false "not a defined muscle"), and
    everything else still is."""
    from fitcontent.catalog.loader import load_catalog
    from fitcontent.errors import CatalogError

    catalog = tmp_path / "catalog"
    shutil.copytree(REPO / "catalog", catalog)
    vocabulary = catalog / "vocabulary.yaml"
    vocabulary.write_text(vocabulary.read_text(encoding="utf-8").replace("{id: quadriceps, name:", "{id: 7, name:"),
                          encoding="utf-8")
    squat = catalog / "squat.yaml"
    squat.write_text(squat.read_text(encoding="utf-8").replace("- {phase: bottom, en: Keep your chest up",
                                                               "- {phase: botom, en: Keep your chest up"),
                     encoding="utf-8")
    with pytest.raises(CatalogError) as info:
        load_catalog(catalog)
    errors = [(Path(p.file).name, p.line, p.field) for p in info.value.problems if not p.warning]
    assert errors == [("vocabulary.yaml", 3, "muscles[0].id"), ("squat.yaml", 33, "cues[3].phase")]
