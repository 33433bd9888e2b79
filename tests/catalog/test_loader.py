"""load_catalog: every broken file gives the exact ``file:line: field: message``; valid catalogs load.

Each case copies ``tests/fixtures/minimal`` to a temporary directory, drops in the files of
``tests/fixtures/broken/<case>/`` (replacing the minimal catalog's file of the same name, or added
next to them) and removes the files the case names.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from fitcontent.catalog.loader import Catalog, load_catalog
from fitcontent.catalog.models import CJK
from fitcontent.errors import CatalogError, Problem

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
MINIMAL = FIXTURES / "minimal"
BROKEN = FIXTURES / "broken"
SHIPPED = REPO / "catalog"

ANGLES = "(defined: back, front, side)"


def make_catalog(tmp_path: Path, *overlays: Path, remove: tuple[str, ...] = ()) -> Path:
    """A copy of the minimal catalog with the files of ``overlays`` dropped in and ``remove`` deleted."""
    root = tmp_path / "catalog"
    shutil.copytree(MINIMAL, root)
    for overlay in overlays:
        for path in sorted(overlay.iterdir()):
            shutil.copyfile(path, root / path.name)
    for name in remove:
        (root / name).unlink()
    return root


def edit(root: Path, name: str, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``root/name``."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not unique in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def load_problems(root: Path) -> list[Problem]:
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    return info.value.problems


@dataclass(frozen=True)
class Expect:
    """One expected problem: file name, line (None: the whole file), field path, phrases of the message."""

    file: str
    line: int | None
    field: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    name: str
    problems: tuple[Expect, ...]
    overlay: bool = True  # tests/fixtures/broken/<name>/ exists
    remove: tuple[str, ...] = ()


def squat(line: int | None, field: str, *phrases: str) -> Expect:
    return Expect("squat.yaml", line, field, phrases)


CASES = [
    # --- the file is not YAML, or not a mapping ---
    Case("malformed-indent", (squat(11, "", "invalid YAML: mapping values are not allowed here"),)),
    # PyYAML notices the unclosed bracket of line 5 on line 6, where the next key starts.
    Case("malformed-bracket", (squat(6, "", "invalid YAML: expected ',' or ']', but got ':'"),)),
    Case("empty", (squat(None, "", "file is empty"),)),
    Case("top-level-list", (squat(2, "", "expected a mapping of fields at the top level, got a list"),)),
    # The path of a duplicate key is in the message; Problem.field stays empty.
    Case("duplicate-key", (squat(12, "", "prompt.setup: duplicate key 'setup'"),)),
    # --- one file against its schema ---
    Case(
        "unknown-key",
        (
            squat(1, "cues", "missing required field"),
            squat(23, "cuess", "unknown field 'cuess'; did you mean 'cues'", "(allowed: category, cues, equipment,"),
        ),
    ),
    Case("unknown-nested-key", (squat(46, "errors[1].looks_like.fr", "unknown field 'fr' (allowed: en, zh)"),)),
    Case("wrong-type", (squat(8, "reps", "valid integer", "(got 'two')"),)),
    Case("out-of-range", (Expect("angles.yaml", 11, "angles[1].pitch_deg", ("less than or equal to 60", "(got 90)")),)),
    Case("missing-required", (squat(52, "errors[2].correction", "missing required field"),)),
    Case(
        "english-prompt-has-chinese",
        (
            squat(
                11,
                "prompt.action",
                "must be English (the video model reads English only); found '深'",
                "(got 'squats down (深蹲) and stands back up')",
            ),
        ),
    ),
    Case("zh-without-chinese", (squat(24, "cues[0].zh", "must contain Chinese text (got 'Brace')"),)),
    Case("id-not-kebab-case", (squat(31, "variations[1].id", "should match pattern", "(got 'goblet_squat')"),)),
    # --- references and consistency, across files ---
    Case("undefined-error-angle", (squat(49, "errors[1].angles[0]", f"'overhead' is not a defined angle {ANGLES}"),)),
    Case(
        "misspelt-joint-angle",
        (squat(21, "keyframes[1].pose.knee_flexon", "'knee_flexon' is not a defined joint angle; "
               "did you mean 'knee_flexion'"),),
    ),
    Case(
        "undefined-cue-phase",
        (
            squat(
                25, "cues[1].phase", "'botom' is not a defined phase; did you mean 'bottom'", "(defined: bottom, top)"
            ),
        ),
    ),
    Case(
        "unknown-muscle",
        (
            squat(
                8,
                "muscles.secondary[1]",
                "'abs' is not a defined muscle (defined: core, glutes, hamstrings, quadriceps)",
            ),
        ),
    ),
    Case(
        "undefined-default-angle",
        (Expect("settings.yaml", 19, "defaults.angles[1]", (f"'top' is not a defined angle {ANGLES}",)),),
    ),
    Case("duplicate-variation-id", (squat(31, "variations[1].id", "duplicate id 'bodyweight' (first at line 28)"),)),
    # squat-copy.yaml sorts before squat.yaml, so the second one read is squat.yaml.
    Case("duplicate-movement-id", (squat(1, "id", "duplicate movement id 'squat' (also in ", "squat-copy.yaml)"),)),
    Case("keyframes-not-increasing", (squat(22, "keyframes[2].t", "times must increase (got 0.5 after 0.6)"),)),
    Case("keyframes-not-spanning", (squat(19, "keyframes", "must start at t: 0 and end at t: 1 (got 0 .. 0.9)"),)),
    Case(
        "missing-angles",
        (Expect("angles.yaml", None, "", ("missing (every catalog needs this file)",)),),
        overlay=False,
        remove=("angles.yaml",),
    ),
]


def _case_root(tmp_path: Path, case: Case) -> Path:
    overlays = (BROKEN / case.name,) if case.overlay else ()
    return make_catalog(tmp_path, *overlays, remove=case.remove)


def test_minimal_fixture_is_valid() -> None:
    catalog = load_catalog(MINIMAL)
    assert isinstance(catalog, Catalog)
    assert catalog.warnings == []
    assert list(catalog.movements) == ["squat"]
    assert list(catalog.angles) == ["front", "side", "back"]
    squat_ = catalog.movement("squat")
    assert (len(squat_.phases), len(squat_.keyframes), len(squat_.cues)) == (2, 3, 3)
    assert (len(squat_.variations), len(squat_.errors)) == (2, 3)
    assert squat_.default_variation.id == "bodyweight"
    assert squat_.keyframes[1].pose == {"knee_flexion": 95, "hip_flexion": 90}
    assert str(squat_.tempo) == "2-1-1-0"
    assert catalog.settings.defaults.angles == ["front", "side"]
    assert [m.id for m in catalog.vocabulary.muscles] == ["quadriceps", "glutes", "hamstrings", "core"]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_broken_catalog_reports_exact_problem(tmp_path: Path, case: Case) -> None:
    """The errors, exactly (warnings of the same load, listed beside them, are tested elsewhere)."""
    problems = [p for p in load_problems(_case_root(tmp_path, case)) if not p.warning]
    got = [(Path(p.file).name, p.line, p.field) for p in problems]
    assert got == [(e.file, e.line, e.field) for e in case.problems]
    for problem, expect in zip(problems, case.problems, strict=True):
        assert not problem.warning
        for phrase in expect.phrases:
            assert phrase in problem.message, (phrase, problem.message)
        line = f":{expect.line}" if expect.line else ""
        field = f" {expect.field}:" if expect.field else ""
        assert str(problem).endswith(f"{expect.file}{line}:{field} {problem.message}")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_error_message_counts_errors(tmp_path: Path, case: Case) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(_case_root(tmp_path, case))
    lines = str(info.value).splitlines()
    count = len(case.problems)
    assert lines[-1] == f"{count} catalog {'error' if count == 1 else 'errors'}"
    assert lines[:-1] == [str(p) for p in info.value.problems]


def test_every_broken_fixture_has_a_case() -> None:
    dirs = {path.name for path in BROKEN.iterdir() if path.is_dir()}
    named = {case.name for case in CASES if case.overlay} | {"file-name-differs", "long-cue"}
    assert dirs == named


def test_file_not_utf8(tmp_path: Path) -> None:
    root = make_catalog(tmp_path)
    text = (root / "squat.yaml").read_text(encoding="utf-8")
    data = text.encode("utf-8").replace("深蹲".encode(), "深蹲".encode("gbk"))
    (root / "squat.yaml").write_bytes(data)
    offset = data.index("深蹲".encode("gbk"))
    assert offset == 32
    problems = load_problems(root)
    assert [(Path(p.file).name, p.line, p.field, p.message) for p in problems] == [
        ("squat.yaml", 2, "", "not UTF-8 text (invalid continuation byte at byte 32)"),
    ]


def test_file_name_differs_from_id_is_a_warning(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, BROKEN / "file-name-differs", remove=("squat.yaml",))
    catalog = load_catalog(root)
    assert list(catalog.movements) == ["squat"]
    assert [(Path(p.file).name, p.line, p.field, p.message, p.warning) for p in catalog.warnings] == [
        (
            "back-squat.yaml",
            1,
            "id",
            "id 'squat' differs from the file name 'back-squat.yaml'; name the file squat.yaml",
            True,
        ),
    ]


def test_long_cue_is_a_warning(tmp_path: Path) -> None:
    catalog = load_catalog(make_catalog(tmp_path, BROKEN / "long-cue"))
    assert [(Path(p.file).name, p.line, p.field, p.message, p.warning) for p in catalog.warnings] == [
        ("squat.yaml", 26, "cues[2].en", "67 characters; cues over 60 wrap to several caption lines", True),
    ]


def test_all_file_problems_in_all_files_are_reported_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_catalog(tmp_path, BROKEN / "out-of-range", BROKEN / "wrong-type")
    shutil.copyfile(BROKEN / "unknown-nested-key" / "squat.yaml", root / "lunge.yaml")
    shutil.copyfile(BROKEN / "empty" / "squat.yaml", root / "vocabulary.yaml")
    edit(root, "settings.yaml", "width: 720", "width: 721")
    edit(root, "settings.yaml", "fps: 8", "fps: 0")
    monkeypatch.chdir(tmp_path)  # problems print paths relative to the working directory
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    problems = info.value.problems
    assert [(Path(p.file).name, p.line, p.field) for p in problems] == [
        ("angles.yaml", 11, "angles[1].pitch_deg"),
        ("lunge.yaml", 46, "errors[1].looks_like.fr"),
        ("settings.yaml", 24, "defaults.width"),
        ("settings.yaml", 26, "defaults.fps"),
        ("squat.yaml", 8, "reps"),
        ("vocabulary.yaml", None, ""),
    ]
    lines = str(info.value).splitlines()
    assert lines[-1] == "6 catalog errors"
    assert lines[0].startswith("catalog/angles.yaml:11: angles[1].pitch_deg: Input should be less than or equal to 60")
    assert lines[2].startswith("catalog/settings.yaml:24: defaults.width: Input should be a multiple of 16")
    assert lines[3].startswith("catalog/settings.yaml:26: defaults.fps: Input should be greater than or equal to 1")
    assert lines[5] == "catalog/vocabulary.yaml: file is empty"


def test_all_reference_problems_are_reported_at_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_catalog(tmp_path, BROKEN / "undefined-default-angle", BROKEN / "long-cue")
    edit(root, "squat.yaml", "angles: [side]", "angles: [overhead]")
    edit(root, "squat.yaml", "{phase: bottom, en: Knees", "{phase: botom, en: Knees")
    edit(root, "vocabulary.yaml", "{id: core,", "{id: glutes,")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CatalogError) as info:
        load_catalog(root)
    assert [str(p) for p in info.value.problems] == [
        "catalog/vocabulary.yaml:6: muscles[3].id: duplicate id 'glutes' (first at line 4)",
        f"catalog/settings.yaml:19: defaults.angles[1]: 'top' is not a defined angle {ANGLES}",
        "catalog/squat.yaml:6: muscles.secondary[0]: 'core' is not a defined muscle"
        " (defined: glutes, hamstrings, quadriceps)",
        "catalog/squat.yaml:25: cues[1].phase: 'botom' is not a defined phase; did you mean 'bottom' or 'top'?"
        " (defined: bottom, top)",
        "catalog/squat.yaml:26: cues[2].en: 67 characters; cues over 60 wrap to several caption lines",
        f"catalog/squat.yaml:49: errors[1].angles[0]: 'overhead' is not a defined angle {ANGLES}",
    ]
    assert [p.warning for p in info.value.problems] == [False, False, False, False, True, False]
    # The warning is listed but not counted.
    assert str(info.value).splitlines()[-1] == "5 catalog errors"


def test_one_error_is_singular(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as info:
        load_catalog(make_catalog(tmp_path, BROKEN / "wrong-type"))
    assert str(info.value).splitlines()[-1] == "1 catalog error"


def test_missing_directory(tmp_path: Path) -> None:
    problems = load_problems(tmp_path / "nowhere")
    assert [(p.file, p.line, p.message) for p in problems] == [
        (tmp_path / "nowhere", None, "catalog directory not found")
    ]


def test_no_movement_files(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, remove=("squat.yaml",))
    assert [(p.file, p.line, p.message) for p in load_problems(root)] == [
        (root, None, "no movement files (*.yaml) found")
    ]


def test_every_missing_fixed_file_is_reported(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, remove=("angles.yaml", "settings.yaml", "vocabulary.yaml"))
    assert [(Path(p.file).name, p.line, p.message) for p in load_problems(root)] == [
        (name, None, "missing (every catalog needs this file)")
        for name in ("angles.yaml", "settings.yaml", "vocabulary.yaml")
    ]


# --- YAML merge keys and aliases in a whole catalog ----------------------------------------------


def test_merge_keys_and_aliases_load(tmp_path: Path) -> None:
    catalog = load_catalog(make_catalog(tmp_path, FIXTURES / "merge-keys"))
    assert catalog.warnings == []
    errors = catalog.movement("squat").errors
    assert [(e.id, e.angles, e.phases) for e in errors] == [
        ("knee-valgus", ["side", "back"], ["bottom"]),
        ("rounded-back", ["side", "back"], ["bottom"]),
        ("heels-lifting", ["side", "back"], ["bottom"]),
    ]
    assert errors[2].correction == errors[0].correction
    assert errors[2].correction.en == "Push your knees out"
    # Merged keys point at the anchored mapping, where a catalog author would fix them.
    source = catalog.sources["squat"]
    assert source.line_of(("errors", 1, "angles")) == 41
    assert source.line_of(("errors", 2, "phases", 0)) == 41
    assert source.line_of(("errors", 2, "correction")) == 51


def test_error_inside_merged_mapping_points_at_the_anchor(tmp_path: Path) -> None:
    root = make_catalog(tmp_path, FIXTURES / "merge-keys")
    edit(root, "squat.yaml", "angles: [side, back], phases", "angles: [side, top], phases")
    problems = load_problems(root)
    assert [(p.line, p.field, p.message) for p in problems] == [
        (41, f"errors[{i}].angles[1]", f"'top' is not a defined angle {ANGLES}") for i in range(3)
    ]


def test_merge_key_override(tmp_path: Path) -> None:
    # Fixed in a64f748; before, the mapping's own keys were reported as "duplicate key" (line 33).
    catalog = load_catalog(make_catalog(tmp_path, FIXTURES / "merge-override"))
    bodyweight, goblet = catalog.movement("squat").variations
    assert (goblet.id, goblet.name.en, goblet.equipment) == ("goblet", "Goblet squat", ["kettlebell"])
    assert goblet.prompt == "holding a kettlebell at the chest"
    assert (bodyweight.id, bodyweight.prompt) == ("bodyweight", "with arms held forward")
    source = catalog.sources["squat"]
    assert [source.line_of(("variations", 1, key)) for key in ("id", "name", "prompt")] == [33, 34, 36]


# --- regressions: each of these escaped as a traceback or pointed at the wrong file before a64f748 ----------


def test_control_character_is_a_catalog_error(tmp_path: Path) -> None:
    root = make_catalog(tmp_path)
    edit(root, "squat.yaml", "prompt: the lower back rounds", "prompt: the lower\x07back rounds")
    assert [(Path(p.file).name, p.line, p.field, p.message) for p in load_problems(root)] == [
        ("squat.yaml", 48, "", "invalid YAML: control character 0x07 is not allowed"),
    ]


def test_recursive_alias_is_a_catalog_error(tmp_path: Path) -> None:
    root = make_catalog(tmp_path)
    edit(root, "squat.yaml", "  primary: [quadriceps, glutes]", "  primary: &loop [quadriceps, *loop]")
    assert [(Path(p.file).name, p.line, p.field, p.message) for p in load_problems(root)] == [
        ("squat.yaml", 5, "", "invalid YAML: an alias refers to the node that contains it"),
    ]


def test_movement_id_equal_to_a_file_kind(tmp_path: Path) -> None:
    # Catalog.sources once keyed the fixed files by kind ("vocabulary") next to movement ids, so a
    # movement with id 'vocabulary' was reported against vocabulary.yaml and its lines.
    root = make_catalog(tmp_path)
    (root / "squat.yaml").rename(root / "a-drill.yaml")
    edit(root, "a-drill.yaml", "id: squat\n", "id: vocabulary\n")
    edit(root, "a-drill.yaml", "{phase: bottom, en: Knees", "{phase: middle, en: Knees")
    problems = load_problems(root)
    assert [(Path(p.file).name, p.line, p.field, p.warning) for p in problems] == [
        ("a-drill.yaml", 1, "id", True),
        ("a-drill.yaml", 25, "cues[1].phase", False),
    ]
    assert (
        problems[0].message
        == "id 'vocabulary' differs from the file name 'a-drill.yaml'; name the file vocabulary.yaml"
    )
    assert problems[1].message == "'middle' is not a defined phase (defined: bottom, top)"


# --- the shipped catalog ---------------------------------------------------------------------------

SHIPPED_MOVEMENTS = ["squat", "deadlift", "bench-press", "pull-up", "push-up", "lunge", "overhead-press", "hip-thrust"]


@pytest.fixture(scope="module")
def shipped() -> Catalog:
    try:
        return load_catalog(SHIPPED)
    except CatalogError as exc:
        pytest.fail(f"the shipped catalog has problems:\n{exc}")


def test_shipped_catalog_loads_clean(shipped: Catalog) -> None:
    assert shipped.warnings == []
    assert set(SHIPPED_MOVEMENTS) <= set(shipped.movements)


@pytest.mark.parametrize("movement_id", SHIPPED_MOVEMENTS)
def test_shipped_movement_is_complete(shipped: Catalog, movement_id: str) -> None:
    assert movement_id in shipped.movements, f"{movement_id}.yaml is missing from catalog/"
    movement = shipped.movements[movement_id]
    assert shipped.sources[movement_id].path.name == f"{movement_id}.yaml"
    assert len(movement.cues) >= 3
    assert len(movement.variations) >= 2
    assert len(movement.errors) >= 3
    assert movement.name.en.strip()
    assert not CJK.search(movement.name.en)
    assert CJK.search(movement.name.zh)


# --- more exact lines ------------------------------------------------------------------------------


def test_equal_keyframe_times_do_not_increase(tmp_path: Path) -> None:
    root = make_catalog(tmp_path)
    edit(root, "squat.yaml", "{phase: bottom, t: 0.5, pose:", "{phase: bottom, t: 0, pose:")
    assert [(p.line, p.field, p.message) for p in load_problems(root)] == [
        (21, "keyframes[1].t", "times must increase (got 0 after 0)"),
    ]


def test_phase_without_keyframe(tmp_path: Path) -> None:
    root = make_catalog(tmp_path)
    edit(root, "squat.yaml", "{phase: bottom, t: 0.5, pose:", "{phase: top, t: 0.5, pose:")
    assert [(p.line, p.field, p.message) for p in load_problems(root)] == [
        (16, "phases[1].id", "phase 'bottom' has no keyframe"),
    ]


def test_invalid_joint_id_names_the_key(tmp_path: Path) -> None:
    root = make_catalog(tmp_path)
    edit(root, "squat.yaml", "pose: {knee_flexion: 95, hip_flexion: 90}", "pose: {knee_flexion: 95, Left_Hip: 90}")
    problems = load_problems(root)
    assert [(p.line, p.field) for p in problems] == [(21, "keyframes[1].pose.Left_Hip")]
    assert problems[0].message.startswith("key 'Left_Hip': String should match pattern")
    assert problems[0].message.endswith("(got 'Left_Hip')")


def test_missing_top_level_field_points_at_the_first_line(tmp_path: Path) -> None:
    root = make_catalog(tmp_path)
    edit(root, "squat.yaml", "key_phase: bottom\n", "")
    assert [(p.line, p.field, p.message) for p in load_problems(root)] == [(1, "key_phase", "missing required field")]
