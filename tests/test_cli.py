"""CLI wiring: each verb calls the library and prints; errors are one line and exit code 1."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from fitcontent.cli import cli
from tests.conftest import REPO


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    exe = Path(sys.executable).with_name("fitcontent")
    env = {k: v for k, v in os.environ.items() if not k.startswith("FITCONTENT_")}
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=60)


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_plan_json_is_one_document_with_every_shot() -> None:
    result = run("plan", "squat", "--angles", "all", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    correct = [s for s in document["shots"] if s["form"] == "correct"]
    assert len(correct) == 5
    assert {"id", "prompt", "negative_prompt", "width", "height", "frames", "fps", "seed"} <= set(correct[0])


def test_plan_table_lists_shots_and_a_summary() -> None:
    result = invoke("plan", "squat", "--errors", "none", "--size", "1360x768", "--fps", "16", "--seconds", "5")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split()[:4] == ["exercise", "variation", "angle", "form"]
    assert lines[1].split()[:7] == ["squat", "bodyweight", "front", "correct", "1360x768", "81", "16"]
    assert lines[-1] == "2 shots: 2 correct, 0 with errors"


def test_startup_imports_no_heavy_library() -> None:
    code = ("import sys; from fitcontent.cli import cli; cli(['plan', 'squat', '-q'], standalone_mode=False); "
            "heavy = [m for m in ('torch', 'diffusers', 'transformers', 'moviepy', 'numpy') if m in sys.modules]; "
            "sys.exit(f'imported {heavy}' if heavy else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_unknown_exercise_is_one_line_exit_1_and_a_traceback_only_with_debug() -> None:
    result = run("plan", "sqat")
    assert result.returncode == 1
    assert result.stderr == ("error: unknown exercise 'sqat'; did you mean 'squat'? (known: bench-press, deadlift, "
                             "hip-thrust, lunge, overhead-press, pull-up, push-up, squat)\n")
    debug = run("plan", "sqat", "--debug")
    assert debug.returncode == 1
    assert "Traceback" in debug.stderr and "RequestError" in debug.stderr


def test_bad_size_flag() -> None:
    result = run("plan", "squat", "--size", "big")
    assert result.returncode == 1
    assert result.stderr == "error: --size must look like 720x480 (got 'big')\n"


def test_validate_passes_on_the_shipped_catalog() -> None:
    result = run("catalog", "validate", "--strict")
    assert result.returncode == 0, result.stderr
    assert result.stdout.endswith(": 8 movements OK\n")


def test_validate_lists_every_problem_with_file_and_line(tmp_path: Path) -> None:
    catalog = tmp_path / "cat"
    shutil.copytree(REPO / "catalog", catalog)
    squat = catalog / "squat.yaml"
    text = squat.read_text(encoding="utf-8").replace("angles: [front, front-45]", "angles: [front, overhead]", 1)
    squat.write_text(text.replace("reps: 2", "reps: two"), encoding="utf-8")
    result = run("catalog", "validate", "--catalog", str(catalog))
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    reps_line = text.splitlines().index("reps: 2") + 1
    angle_line = next(i for i, line in enumerate(text.splitlines(), 1) if "overhead" in line)
    assert f"{squat}:{reps_line}: reps: Input should be a valid integer, unable to parse string as an integer " \
           f"(got 'two')" in lines
    assert lines[-1] == "1 catalog error"  # reference checks run once every file is valid
    squat.write_text(text, encoding="utf-8")
    result = run("catalog", "validate", "--catalog", str(catalog))
    assert result.stderr.splitlines()[0].startswith(f"{squat}:{angle_line}: errors[0].angles[1]: 'overhead' is not "
                                                    f"a defined angle")
    assert "Traceback" not in result.stderr


def test_catalog_list_show_and_schema() -> None:
    listing = invoke("catalog", "list")
    assert listing.exit_code == 0
    assert any(line.split()[:3] == ["squat", "Squat", "深蹲"] for line in listing.output.splitlines())
    shown = invoke("catalog", "show", "squat")
    assert "knee-valgus: Knees caving in / 膝盖内扣" in shown.output
    assert json.loads(invoke("catalog", "show", "squat", "--format", "json").output)["id"] == "squat"
    schema = json.loads(invoke("schema").output)
    assert set(schema) == {"movement", "angles", "settings", "vocabulary", "manifest", "course"}
    assert schema["movement"]["additionalProperties"] is False
    assert "errors" in json.loads(invoke("schema", "--kind", "movement").output)["properties"]


def test_catalog_init_copies_a_catalog_that_plan_can_use(tmp_path: Path) -> None:
    target = tmp_path / "mine"
    assert invoke("catalog", "init", str(target)).exit_code == 0
    (target / "squat.yaml").write_text(
        (target / "squat.yaml").read_text(encoding="utf-8").replace("name: {en: Squat,", "name: {en: Air squat,"),
        encoding="utf-8")
    result = invoke("plan", "squat", "--catalog", str(target), "--format", "json", "--errors", "none")
    assert json.loads(result.output)["catalog"] == str(target)
    again = run("catalog", "init", str(target))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_templates_flag_overrides_a_template(tmp_path: Path) -> None:
    folder = tmp_path / "prompts" / "cogvideox"
    folder.mkdir(parents=True)
    (folder / "prompt.j2").write_text("Custom {{ movement.id }}", encoding="utf-8")
    result = invoke("plan", "squat", "--templates", str(tmp_path), "--format", "json", "--errors", "none")
    assert {s["prompt"] for s in json.loads(result.output)["shots"]} == {"Custom squat"}


@pytest.mark.parametrize("args", [["--help"], ["plan", "--help"], ["catalog", "validate", "--help"]])
def test_help(args: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0
    assert "Usage:" in result.output


def _catalog_with_a_warning(tmp_path: Path) -> Path:
    catalog = tmp_path / "cat"
    shutil.copytree(REPO / "catalog", catalog)
    squat = catalog / "squat.yaml"
    squat.write_text(squat.read_text(encoding="utf-8").replace(
        "en: Keep your chest up,", "en: Keep your chest up and proud all the way down and all the way up,"),
        encoding="utf-8")
    return catalog


def test_warnings_are_logged_silenced_by_quiet_and_fatal_with_strict(tmp_path: Path) -> None:
    catalog = str(_catalog_with_a_warning(tmp_path))
    lines = (Path(catalog) / "squat.yaml").read_text(encoding="utf-8").splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "proud all the way" in text)
    plain = run("catalog", "validate", "--catalog", catalog)
    assert plain.returncode == 0
    assert "WARNING: " in plain.stderr and f"squat.yaml:{line}: cues[3].en: 64 characters" in plain.stderr
    assert run("plan", "squat", "--catalog", catalog).stderr.count("cues[3].en") == 1
    assert run("catalog", "validate", "--catalog", catalog, "-q").stderr == ""
    strict = run("catalog", "validate", "--catalog", catalog, "--strict")
    assert strict.returncode == 1
    assert f"squat.yaml:{line}: cues[3].en: 64 characters" in strict.stderr.splitlines()[0]
    assert strict.stderr.splitlines()[-1] == "1 catalog error"


def test_a_broken_template_is_reported_once_at_the_template_line(tmp_path: Path) -> None:
    folder = tmp_path / "prompts" / "cogvideox"
    folder.mkdir(parents=True)
    (folder / "prompt.j2").write_text("A squat.\n{{ movement.prompt.acton }}\n", encoding="utf-8")
    result = run("catalog", "validate", "--templates", str(tmp_path))
    assert result.returncode == 1
    first, last = result.stderr.splitlines()
    assert first.startswith(f"{folder / 'prompt.j2'}:2: ")
    assert "has no attribute 'acton'" in first
    assert last == "1 catalog error"
