"""Golden prompts: every prompt the shipped catalog renders, compared with tests/golden/prompts/.

After an intended change to templates or catalog text, refresh with
``.venv/bin/python -m pytest tests/prompts/test_golden.py --update-golden`` and review the diff.
"""

from __future__ import annotations

import difflib

import pytest

import fitcontent
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "golden" / "prompts"
MOVEMENTS = sorted(fitcontent.load_catalog().movements)


def _render(movement: str) -> str:
    plan = fitcontent.plan(fitcontent.make_request(exercises=[movement], angles="all", variations="all"))
    return "".join(f"# {s.id}\nprompt: {s.prompt}\nnegative: {s.negative_prompt}\n\n" for s in plan.shots)


@pytest.mark.parametrize("movement", MOVEMENTS)
def test_prompts_match_golden(movement: str, update_golden: bool) -> None:
    path = GOLDEN / f"{movement}.txt"
    rendered = _render(movement)
    if update_golden:
        path.write_text(rendered, encoding="utf-8")
        pytest.skip(f"rewrote {path.name}")
    assert path.exists(), f"no golden file {path}; run pytest {__file__} --update-golden"
    expected = path.read_text(encoding="utf-8")
    diff = "\n".join(difflib.unified_diff(expected.splitlines(), rendered.splitlines(), "golden", "now", lineterm=""))
    assert rendered == expected, f"prompts changed (refresh with --update-golden if intended):\n{diff[:4000]}"


def test_every_shipped_movement_has_a_golden_file() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == MOVEMENTS
