"""read_yaml and YamlFile: line numbers of keys and list items, merge keys, and every way a file can be unreadable."""

from __future__ import annotations

from pathlib import Path

import pytest

from fitcontent.errors import CatalogError, Problem
from fitcontent.yamlfile import YamlFile, format_loc, read_yaml

NESTED = """\
# a comment line
top:
  nested:
    deep: 1
  items:
    - a
    -
      b: 2
    - {c: 3,
       d: 4}
flow: [x,
  y]
"""

MERGE = """\
base: &base
  en: Squat
  zh: 深蹲
name:
  <<: *base
  extra: 1
list:
  - &one {a: 1}
  - <<: [*one, {b: 2}]
alias: *base
"""


def write(tmp_path: Path, text: str, name: str = "file.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[tuple[int | None, str, str]]:
    with pytest.raises(CatalogError) as info:
        read_yaml(path)
    for problem in info.value.problems:
        assert problem.file == path
        assert not problem.warning
    return [(p.line, p.field, p.message) for p in info.value.problems]


# --- line numbers ----------------------------------------------------------------------------------


def test_lines_of_nested_keys_and_list_items(tmp_path: Path) -> None:
    source = read_yaml(write(tmp_path, NESTED))
    assert source.data == {
        "top": {"nested": {"deep": 1}, "items": ["a", {"b": 2}, {"c": 3, "d": 4}]},
        "flow": ["x", "y"],
    }
    assert source.lines == {
        (): 2,  # the document starts at its first key, after the comment
        ("top",): 2,
        ("top", "nested"): 3,
        ("top", "nested", "deep"): 4,
        ("top", "items"): 5,
        ("top", "items", 0): 6,
        ("top", "items", 1): 8,  # an item whose "-" stands alone starts at its content
        ("top", "items", 1, "b"): 8,
        ("top", "items", 2): 9,
        ("top", "items", 2, "c"): 9,
        ("top", "items", 2, "d"): 10,  # a flow mapping over two lines
        ("flow",): 11,
        ("flow", 0): 11,
        ("flow", 1): 12,
    }


def test_line_of_falls_back_to_the_closest_parent(tmp_path: Path) -> None:
    source = read_yaml(write(tmp_path, NESTED))
    assert source.line_of(("top", "nested", "deep")) == 4
    assert source.line_of(("top", "nested", "missing")) == 3
    assert source.line_of(("top", "items", 1, "missing", "deeper")) == 8
    assert source.line_of(("top", "items", 7)) == 5
    assert source.line_of(("missing",)) == 2
    assert source.line_of(()) == 2
    assert YamlFile(Path("x.yaml"), {}, {}).line_of(("a", 0)) == 1


def test_problem_carries_path_line_and_field(tmp_path: Path) -> None:
    path = write(tmp_path, NESTED)
    source = read_yaml(path)
    assert source.problem(("top", "items", 2, "d"), "bad") == Problem(path, 10, "top.items[2].d", "bad", False)
    assert source.problem(("flow", 1), "long", warning=True) == Problem(path, 12, "flow[1]", "long", True)
    assert source.problem((), "not a mapping") == Problem(path, 2, "", "not a mapping", False)


@pytest.mark.parametrize(
    ("loc", "text"),
    [
        ((), ""),
        (("id",), "id"),
        (("errors", 1, "angles", 0), "errors[1].angles[0]"),
        (("muscles", "secondary", 2), "muscles.secondary[2]"),
        ((0, "id"), "[0].id"),
        (("keyframes", 1, "pose", "knee"), "keyframes[1].pose.knee"),
    ],
)
def test_format_loc(loc: tuple, text: str) -> None:
    assert format_loc(loc) == text


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeffid: squat\nname:\n  en: Squat\n".encode())
    source = read_yaml(path)
    assert source.data == {"id": "squat", "name": {"en": "Squat"}}
    assert source.line_of(("name", "en")) == 3


# --- merge keys and aliases -------------------------------------------------------------------------


def test_merge_keys_and_aliases(tmp_path: Path) -> None:
    source = read_yaml(write(tmp_path, MERGE))
    assert source.data == {
        "base": {"en": "Squat", "zh": "深蹲"},
        "name": {"en": "Squat", "zh": "深蹲", "extra": 1},
        "list": [{"a": 1}, {"a": 1, "b": 2}],
        "alias": {"en": "Squat", "zh": "深蹲"},
    }
    assert "<<" not in source.data["name"]
    # Merged and aliased values point at the lines where the anchor defines them; own keys at their own line.
    assert source.line_of(("name",)) == 4
    assert source.line_of(("name", "en")) == 2
    assert source.line_of(("name", "zh")) == 3
    assert source.line_of(("name", "extra")) == 6
    assert source.line_of(("list", 1)) == 9
    assert source.line_of(("list", 1, "a")) == 8
    assert source.line_of(("list", 1, "b")) == 9
    assert source.line_of(("alias",)) == 10
    assert source.line_of(("alias", "zh")) == 3


def test_merge_value_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\nb:\n  <<: 3\n")
    assert problems_of(path) == [
        (3, "", "invalid YAML: << must merge a mapping or a list of them"),
    ]


def test_own_key_overrides_merged_key(tmp_path: Path) -> None:
    # Fixed in a64f748; before, "name.en: duplicate key 'en'" at line 4.
    source = read_yaml(write(tmp_path, "base: &base {en: Squat, zh: 深蹲}\nname:\n  <<: *base\n  en: Back squat\n"))
    assert source.data["name"] == {"en": "Back squat", "zh": "深蹲"}
    assert source.line_of(("name", "en")) == 4
    assert source.line_of(("name", "zh")) == 1


def test_own_keys_still_may_not_repeat_next_to_a_merge(tmp_path: Path) -> None:
    path = write(tmp_path, "base: &base {en: Squat}\nname:\n  <<: *base\n  zh: 深蹲\n  zh: 下蹲\n")
    assert problems_of(path) == [(5, "", "name.zh: duplicate key 'zh'")]


def test_earlier_merged_mapping_wins_single_letter_key(tmp_path: Path) -> None:
    source = read_yaml(write(tmp_path, "a: &a {k: first}\nb: &b {k: second}\nc:\n  <<: [*a, *b]\n"))
    assert source.data["c"] == {"k": "first"}


def test_earlier_merged_mapping_wins(tmp_path: Path) -> None:
    source = read_yaml(write(tmp_path, "a: &a {name: first}\nb: &b {name: second}\nc:\n  <<: [*a, *b]\n"))
    assert source.data["c"] == {"name": "first"}
    assert source.line_of(("c", "name")) == 1


# --- files that cannot be read ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("id: a\nname: x\nid: b\n", [(3, "", "id: duplicate key 'id'")], id="top-level"),
        pytest.param("a:\n  - b:\n      c: 1\n      c: 2\n", [(4, "", "a[0].b.c: duplicate key 'c'")], id="nested"),
        pytest.param("name: {en: A,\n  en: B}\n", [(2, "", "name.en: duplicate key 'en'")], id="flow-mapping"),
    ],
)
def test_duplicate_keys(tmp_path: Path, text: str, expected: list) -> None:
    assert problems_of(write(tmp_path, text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("id: squat\n name: x\n", (2, "invalid YAML: mapping values are not allowed here"), id="indent"),
        pytest.param(
            "cues:\n  - a: 1\n    b: 2\n   - a: 3\n",
            (4, "invalid YAML: expected <block end>, but found '<block sequence start>'"),
            id="list-indent",
        ),
        pytest.param(
            "id: squat\nmuscles: [core, glutes\nreps: 2\n",
            (3, "invalid YAML: expected ',' or ']', but got ':'"),
            id="unclosed-bracket",
        ),
        pytest.param('id: "squat\nreps: 2\n', (3, "invalid YAML: found unexpected end of stream"), id="unclosed-quote"),
        pytest.param(
            "id: squat\n\tname: x\n", (2, "invalid YAML: found character '\\t' that cannot start any token"), id="tab"
        ),
        pytest.param("a: *nope\n", (1, "invalid YAML: found undefined alias 'nope'"), id="undefined-alias"),
        pytest.param("a: 1\n---\nb: 2\n", (2, "invalid YAML: but found another document"), id="two-documents"),
    ],
)
def test_malformed_yaml(tmp_path: Path, text: str, expected: tuple[int, str]) -> None:
    line, message = expected
    assert problems_of(write(tmp_path, text)) == [(line, "", message)]


@pytest.mark.parametrize(
    "text", ["", "\n\n", "# only a comment\n# and another\n"], ids=["empty", "blank-lines", "comments"]
)
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert problems_of(write(tmp_path, text)) == [(None, "", "file is empty")]


def test_document_marker_alone_is_an_empty_file(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "# header\n---\n")) == [(None, "", "file is empty")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("~: 1\n", "keys must be text, got None"),
        ("a: 1\n1.5: x\n", "keys must be text, got 1.5"),
        ("a: 1\n? [x, y]\n: 1\n", "keys must be text, got ['x', 'y']"),
    ],
)
def test_keys_must_be_text(tmp_path: Path, text: str, expected: str) -> None:
    line = 1 if text.startswith("~") else 2
    assert problems_of(write(tmp_path, text)) == [(line, "", expected)]


def test_top_level_scalar_is_read(tmp_path: Path) -> None:
    # read_yaml accepts any document; the loader is the one that asks for a mapping.
    source = read_yaml(write(tmp_path, "\n\njust text\n"))
    assert (source.data, source.lines) == ("just text", {(): 3})


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: squat\nname: Café\n".encode("latin-1"))
    assert problems_of(path) == [(2, "", "not UTF-8 text (invalid continuation byte at byte 19)")]  # its line


def test_utf16_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "utf16.yaml"
    path.write_bytes("id: squat\n".encode("utf-16"))  # with a byte order mark, as Windows editors write it
    assert problems_of(path) == [(1, "", "not UTF-8 text (invalid start byte at byte 0)")]


def test_missing_file(tmp_path: Path) -> None:
    assert problems_of(tmp_path / "nothing.yaml") == [(None, "", "cannot read: No such file or directory")]


def test_directory_is_not_a_yaml_file(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    assert problems_of(tmp_path / "dir.yaml") == [
        (None, "", "not a regular file (a pipe, device or folder); give a plain YAML file")]


@pytest.mark.parametrize(
    ("char", "code"), [("\x00", "0x00"), ("\x07", "0x07"), ("\x0c", "0x0c")], ids=["nul", "bel", "form-feed"]
)
def test_control_character(tmp_path: Path, char: str, code: str) -> None:
    # Fixed in a64f748; before, PyYAML's ReaderError escaped read_yaml as a traceback.
    path = write(tmp_path, f"id: squat\nname: a{char}b\n")
    assert problems_of(path) == [(2, "", f"invalid YAML: control character {code} is not allowed")]


@pytest.mark.parametrize(
    ("text", "line"),
    [("a: &x [*x]\n", 1), ("top:\n  a: &x {b: [1, *x]}\n", 2)],
    ids=["sequence", "mapping"],
)
def test_recursive_alias(tmp_path: Path, text: str, line: int) -> None:
    # Fixed in a64f748; before, _construct recursed until RecursionError.
    assert problems_of(write(tmp_path, text)) == [
        (line, "", "invalid YAML: an alias refers to the node that contains it")
    ]


def test_alias_used_twice_is_not_a_cycle(tmp_path: Path) -> None:
    source = read_yaml(write(tmp_path, "a: &x {b: [1]}\nc: [*x, *x]\nd: *x\n"))
    assert source.data == {"a": {"b": [1]}, "c": [{"b": [1]}, {"b": [1]}], "d": {"b": [1]}}
    assert source.line_of(("c", 1, "b", 0)) == 1
