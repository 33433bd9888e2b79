"""``fitcontent catalog validate`` on form signatures, and catalog edits reaching the clips they change.

A weakened error, or a threshold the correct form also meets, fails validate in one line that points
at the signature and says both numbers; the shipped catalog passes ``--strict`` and ``--report``
prints the signature table. Editing an error's motion changes its shot's motion digest; editing a
signature changes only the clips drawn with overlays.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

import fitcontent
from fitcontent.catalog.loader import load_catalog
from fitcontent.catalog.models import Variation
from fitcontent.pose.metrics import METRICS
from fitcontent.pose.motion import pose_track
from fitcontent.pose.signatures import measure
from fitcontent.store import cache_key
from tests.conftest import REPO
from tests.test_cli import run

CATALOG = fitcontent.load_catalog()
FRAMES, FPS = CATALOG.settings.defaults.frames, CATALOG.settings.defaults.fps
KNEE_VALGUS = next(i for i, e in enumerate(CATALOG.movements["squat"].errors) if e.id == "knee-valgus")
RATIO = METRICS["knee-ankle-ratio"].format


def _error_start(lines: list[str], error: str) -> int:
    return next(i for i, line in enumerate(lines) if re.match(rf"\s*- id: {error}\s*$", line))


def _copy(tmp_path: Path, movement: str) -> Path:
    """The catalog copied to ``tmp_path`` with ``movement`` its only movement, so that validate measures one
    movement, not eight (a few seconds, not twenty)."""
    catalog = tmp_path / "cat"
    shutil.copytree(REPO / "catalog", catalog)
    for path in catalog.glob("*.yaml"):
        if path.stem not in (movement, "angles", "settings", "vocabulary"):
            path.unlink()
    return catalog


def _edit(catalog: Path, movement: str, error: str, edit: Callable[[str], str]) -> list[str]:
    """``error``'s block in ``movement`` edited in place; the file's lines afterwards."""
    source = catalog / f"{movement}.yaml"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    start = _error_start(lines, error)
    end = next((i for i in range(start + 1, len(lines)) if re.match(r"\s*- id: ", lines[i])), len(lines))
    block = "".join(lines[start:end])
    edited = edit(block)
    assert edited != block, "the edit changed nothing"
    source.write_text("".join(lines[:start]) + edited + "".join(lines[end:]), encoding="utf-8")
    return source.read_text(encoding="utf-8").splitlines()


def _signature_line(lines: list[str]) -> int:
    start = _error_start(lines, "knee-valgus")
    return next(i for i in range(start, len(lines)) if "signature:" in lines[i]) + 1


def _measured(catalog: Path) -> list[tuple[Variation, float, float]]:
    """Squat knee-valgus's signature value in each variation of the edited copy, and the correct form's."""
    squat = load_catalog(catalog).movements["squat"]
    error = next(e for e in squat.errors if e.id == "knee-valgus")
    assert error.signature is not None
    phase = error.signature.phase or error.phases[0]
    out = []
    for variation in squat.variations:
        correct = pose_track(squat, variation, None, FRAMES, FPS)
        track = pose_track(squat, variation, error, FRAMES, FPS)
        out.append((variation, measure(error.signature, phase, track, correct).value,
                    measure(error.signature, phase, correct, correct).value))
    return out


def _flagged(result: subprocess.CompletedProcess[str], catalog: Path, lines: list[str]) -> list[str]:
    """validate's lines that point at squat knee-valgus's signature."""
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    prefix = f"{catalog / 'squat.yaml'}:{_signature_line(lines)}: errors[{KNEE_VALGUS}].signature:"
    return [line for line in result.stderr.splitlines() if line.startswith(prefix)]


# --- a weak or loose signature fails validate, with both numbers ------------------------------------

def test_a_weakened_error_fails_validate_in_one_line_at_its_signature(tmp_path: Path) -> None:
    catalog = _copy(tmp_path, "squat")
    lines = _edit(catalog, "squat", "knee-valgus", lambda block: re.sub(
        r"pose_modifier: \{[^}]*\}", "pose_modifier: {hip_rotation: -2}", block, count=1))
    measured = _measured(catalog)
    weak = [(v, value, correct) for v, value, correct in measured if value > 0.75]
    assert weak, "the weakened modifier still reaches the threshold: the test's edit did not weaken it"
    flagged = _flagged(run("catalog", "validate", "--catalog", str(catalog)), catalog, lines)
    for variation, value, correct in weak:
        mine = [line for line in flagged if f"knee-valgus ({variation.id})" in line]
        assert len(mine) == 1, (variation.id, flagged)
        numbers = f"knee-ankle-ratio is {RATIO(value)} (correct form {RATIO(correct)}), short of ≤ 0.75"
        assert numbers in mine[0] and mine[0].endswith("; strengthen pose_modifier or motion"), mine[0]
    assert len(flagged) == len(weak), flagged  # a variation that still reaches it is not flagged


def test_a_threshold_the_correct_form_meets_fails_validate_with_both_numbers(tmp_path: Path) -> None:
    catalog = _copy(tmp_path, "squat")
    lines = _edit(catalog, "squat", "knee-valgus", lambda block: block.replace("at_most: 0.75", "at_most: 1.5", 1))
    flagged = _flagged(run("catalog", "validate", "--catalog", str(catalog)), catalog, lines)
    for variation, value, correct in _measured(catalog):
        assert value <= 1.5 and correct <= 1.5 and RATIO(value) != RATIO(correct)
        mine = [line for line in flagged if f"knee-valgus ({variation.id})" in line]
        assert len(mine) == 1, (variation.id, flagged)
        numbers = f"knee-ankle-ratio is {RATIO(value)} (correct form {RATIO(correct)})"
        assert mine[0].endswith(f"{numbers}: the correct form also meets ≤ 1.50"), mine[0]


# --- the shipped catalog ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped_validate() -> subprocess.CompletedProcess[str]:
    """``catalog validate --strict --report`` on the shipped catalog, run once for both tests below."""
    return run("catalog", "validate", "--strict", "--report")


def test_validate_report_prints_the_signature_table(shipped_validate) -> None:
    lines = shipped_validate.stdout.splitlines()
    header = next((line for line in lines if "movement" in line), "")
    for word in ("movement", "variation", "error", "angle", "metric", "value", "threshold", "visible"):
        assert word in header.split() or word in re.split(r"[\s│┃|]+", header), (word, header)
    cells = [[c.strip() for c in re.split(r"[│┃|]", line)[1:-1]] for line in lines]
    squat = [c for c in cells if c[:4] == ["squat", "bodyweight", "knee-valgus", "front"]]
    assert len(squat) == 1, shipped_validate.stdout[:2000]
    row = squat[0]
    assert row[4] == "knee-ankle-ratio" and row[7].startswith("≤ 0.75") and row[8] == "yes", row
    assert "FAIL" not in row[7]


def test_validate_strict_passes_on_the_shipped_catalog(shipped_validate) -> None:
    assert shipped_validate.returncode == 0, shipped_validate.stderr
    assert "Traceback" not in shipped_validate.stderr
    assert shipped_validate.stdout.rstrip().endswith("movements OK")


# --- catalog edits reach the clips they change, and only those ----------------------------------------

def _specs(catalog: Path, tmp_path: Path, exercise: str, angle: str, overlays: bool = False) -> dict[str, dict]:
    """Each planned shot's store dump, by id, from the catalog at ``catalog``."""
    settings = fitcontent.load_settings({"catalog": catalog}, cwd=tmp_path, environ={})
    assert settings.catalog_dir == catalog
    request = fitcontent.make_request(exercises=[exercise], angles=[angle], overlays=overlays)
    return {s.id: s.model_dump(mode="json") for s in fitcontent.plan(request, settings).shots}


def _changed(before: dict[str, dict], after: dict[str, dict]) -> dict[str, set[str]]:
    """Per shot, the fields whose value differs."""
    assert before.keys() == after.keys()
    return {i: {k for k in before[i].keys() | after[i].keys() if before[i].get(k) != after[i].get(k)}
            for i in before if before[i] != after[i]}


def test_editing_an_errors_motion_changes_that_shots_motion_digest_only(tmp_path: Path) -> None:
    catalog = _copy(tmp_path, "pull-up")
    before = _specs(catalog, tmp_path, "pull-up", "side")
    assert set(before) == {"pull-up.standard.side.correct", "pull-up.standard.side.half-range",
                           "pull-up.standard.side.kipping"}
    _edit(catalog, "pull-up", "kipping", lambda block: block.replace("body_swing: 20,", "body_swing: 24,", 1))
    after = _specs(catalog, tmp_path, "pull-up", "side")
    assert _changed(before, after) == {"pull-up.standard.side.kipping": {"motion"}}


def test_editing_a_signature_changes_the_overlay_clips_keys_but_not_the_plain_clips(tmp_path: Path) -> None:
    catalog = _copy(tmp_path, "squat")
    plain = _specs(catalog, tmp_path, "squat", "front")
    drawn = _specs(catalog, tmp_path, "squat", "front", overlays=True)
    # both draw knee-valgus's knee/ankle ratio: the error shot its own, the correct shot its camera's errors'
    assert set(drawn) == {"squat.bodyweight.front.correct.overlays", "squat.bodyweight.front.knee-valgus.overlays"}
    _edit(catalog, "squat", "knee-valgus", lambda block: block.replace("at_most: 0.75", "at_most: 0.7", 1))
    assert _changed(plain, _specs(catalog, tmp_path, "squat", "front")) == {}
    drawn_after = _specs(catalog, tmp_path, "squat", "front", overlays=True)
    assert _changed(drawn, drawn_after) == {i: {"overlay_digest"} for i in drawn}
    for i in drawn:
        assert cache_key(drawn[i], "preview", "1") != cache_key(drawn_after[i], "preview", "1")
