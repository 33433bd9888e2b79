"""Careless input on the command line and through the Python API: one line naming what is wrong, exit 1, no
traceback, and nothing already built lost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import fitcontent
from fitcontent.settings import Settings

REPO = Path(__file__).resolve().parents[2]
SMALL = ["squat", "--angles", "front", "--errors", "none", "--size", "160x96", "--frames", "9"]


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a built dist/, a plain file, and broken templates and brand kits."""
    root = tmp_path_factory.mktemp("careless")
    (root / "afile").write_text("not a folder", encoding="utf-8")
    request = fitcontent.make_request(exercises=["squat"], angles=["front"], errors=["none"], layouts=["lesson"],
                                      width=160, height=96, frames=9)
    assert not fitcontent.build(request, Settings(cache=root / "cache"), out=root / "dist", draft=True).failed
    (root / "strings" / "captions").mkdir(parents=True)
    (root / "strings" / "captions" / "strings.yaml").write_text("correct: [unclosed\n", encoding="utf-8")
    (root / "divide" / "prompts" / "cogvideox").mkdir(parents=True)
    (root / "divide" / "prompts" / "cogvideox" / "prompt.j2").write_text("{{ 1 // 0 }}\n", encoding="utf-8")
    layout = (REPO / "templates" / "layouts" / "demo.yaml").read_text(encoding="utf-8")
    for name, broken in (("typo", '"{{ exercize }}"'), ("unclosed", '"{{ exercise "')):
        (root / name / "layouts").mkdir(parents=True)
        (root / name / "layouts" / "demo.yaml").write_text(layout.replace('"{{ exercise }}"', broken), encoding="utf-8")
    (root / "logo.png").write_bytes(b"not a png")
    (root / "font.ttf").write_bytes(b"not a font")
    (root / "bad-logo.yaml").write_text("name: X\nlogo: logo.png\n", encoding="utf-8")
    (root / "bad-font.yaml").write_text("name: X\nfont: font.ttf\n", encoding="utf-8")
    return root


CASES = {
    "out through a file": (["build", *SMALL, "--out", "afile/sub"],
                           "--out afile/sub: cannot be made (Not a directory)"),
    "out is a file": (["build", *SMALL, "--out", "afile"], "--out afile: is a file, not a directory"),
    "still into a folder": (["still", "squat", "-o", "dist"], "-o dist: is a directory; give a file name"),
    "still of an odd size": (["still", "squat", "--size", "13x7", "-o", "s.png"],
                             "--size: each side from 64 to 4096 in multiples of 16 (got 13x7; nearest 64x64)"),
    "export into a file": (["export", "course", "dist", "--out", "afile"], "--out afile: is a file"),
    "marketing through a file": (["export", "marketing", "dist", "--out", "afile/x"], "--out afile/x: cannot be made"),
    "malformed strings.yaml": (["build", *SMALL, "--templates", "strings", "--out", "d1"],
                               "strings/captions/strings.yaml:2: invalid YAML"),
    "a template divides by zero": (["plan", "squat", "--templates", "divide"],
                                   "divide/prompts/cogvideox/prompt.j2:1: ZeroDivisionError"),
    "a logo that is no image": (["build", *SMALL, "--brand", "bad-logo.yaml", "--out", "d2"],
                                "bad-logo.yaml:2: logo: logo.png is not an image"),
    "a font that is no font": (["build", *SMALL, "--brand", "bad-font.yaml", "--out", "d3"],
                               "bad-font.yaml:2: font: font.ttf is not a .ttf, .otf or .ttc font"),
    "a missing templates folder": (["build", *SMALL, "--templates", "nowhere", "--out", "d4"],
                                   "templates directory nowhere not found"),
    "a layout text names a word that does not exist": (
        ["build", *SMALL, "--templates", "typo", "--layouts", "demo", "--out", "d6"],
        "typo/layouts/demo.yaml:10: layers[2].title: exercize is not defined; available: angle, brand, correction"),
    "a layout text that is not Jinja": (
        ["build", *SMALL, "--templates", "unclosed", "--layouts", "demo", "--out", "d7"],
        "unclosed/layouts/demo.yaml:10: layers[2].title: unexpected end of template"),
    "no angles at all": (["build", "squat", "--angles", "", "--out", "d5"], "angles: give at least one, or all"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_careless_command_lines_get_one_line(case: str, place: Path) -> None:
    args, said = CASES[case]
    before = {p: p.stat().st_mtime_ns for p in (place / "dist").rglob("*") if p.is_file()}
    done = subprocess.run([sys.executable, "-m", "fitcontent", *args], capture_output=True, text=True, cwd=place,
                          timeout=120, env={"FITCONTENT_CACHE": str(place / "cache"), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    problems = [line for line in done.stderr.splitlines()
                if line.strip() and not line.endswith("catalog error") and "No video model configured" not in line]
    assert len(problems) == 1 and said in problems[0], done.stderr
    assert {p: p.stat().st_mtime_ns for p in (place / "dist").rglob("*") if p.is_file()} == before
    assert not list(place.glob("d[0-9]/squat/*.mp4"))  # refused before any clip was made


@pytest.mark.parametrize(("call", "said"), [
    (lambda r: fitcontent.build(r, settings="str"), "settings: expected Settings, got str 'str'"),
    (lambda r: fitcontent.build(r, out=123), "out: expected str or Path, got int 123"),
    (lambda r: fitcontent.plan("squat"), "request: expected Request, got str 'squat'"),
    (lambda r: fitcontent.export_course(123, "course"), "dist: expected str or Path, got int 123"),
])
def test_the_python_api_names_an_argument_of_the_wrong_kind(call, said: str) -> None:
    with pytest.raises(fitcontent.RequestError, match=f"^{said}$".replace("(", r"\(").replace(")", r"\)")):
        call(fitcontent.make_request(exercises=["squat"]))


def test_the_names_a_layout_text_may_use_are_the_ones_planning_gives() -> None:
    """The load-time check of layout texts and the planner's words must not drift apart."""
    from fitcontent.post.names import Names, load_strings
    from fitcontent.post.spec import TEXT_NAMES, Brand
    from tests.post.conftest import clip_entry

    catalog = fitcontent.load_catalog()
    words = Names(catalog, Brand(), load_strings(None)).words(catalog.movement("squat"), clip_entry("front"), "en")
    assert set(TEXT_NAMES) == set(words) | {"error", "correction"}  # the two a section adds


def test_a_manifest_entry_missing_a_field_is_dropped_with_a_warning(place: Path, tmp_path: Path,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """Hand-edited manifests: an entry without ``exercise`` used to be a KeyError in the exports."""
    import json
    import shutil

    dist = tmp_path / "dist"
    shutil.copytree(place / "dist", dist)
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    lesson = next(e for e in manifest["artifacts"] if e["kind"] == "lesson")
    del lesson["exercise"]
    (dist / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(fitcontent.FitcontentError, match="has no lesson renders"):
        fitcontent.export_course(dist, tmp_path / "course")
    assert "manifest.json: entry" in caplog.text and "exercise: field required" in caplog.text


@pytest.mark.parametrize("out", ["/proc/fitcontent-out", "/sys/fitcontent-out"])
def test_an_out_that_cannot_be_made_even_by_root_is_one_line(out: str, place: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "fitcontent", "export", "course", "dist", "--out", out],
                          capture_output=True, text=True, cwd=place, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert done.stderr.startswith(f"error: --out {out}: cannot be made (") and done.stderr.count("\n") == 1
