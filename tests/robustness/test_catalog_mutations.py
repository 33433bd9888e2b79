"""Seeded random damage to a catalog copy: loading and planning either work or fail with FitcontentError lines
that each name a file, never another exception."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from fitcontent import api
from fitcontent.errors import CatalogError, FitcontentError
from fitcontent.settings import Settings

REPO = Path(__file__).resolve().parents[2]
MUTATIONS = 60
VALUES = ["nan", ".inf", "-1e300", "abc", "", "[]", "{}", "~", "'", "&a", "*a", "!!python/object:os.system",
          "1220", "-5", "true", "\u0000", "深蹲", "x" * 300]


def _mutate(text: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True)
    i = rng.randrange(len(lines))
    kind = rng.randrange(6)
    if kind == 0:
        del lines[i]
    elif kind == 1:
        lines.insert(i, lines[i])
    elif kind == 2 and ":" in lines[i]:
        key, _, _ = lines[i].partition(":")
        lines[i] = f"{key}: {rng.choice(VALUES)}\n"
    elif kind == 3:
        return text[:rng.randrange(len(text))]
    elif kind == 4:
        lines[i] = lines[i][2:] if lines[i].startswith("  ") else "  " + lines[i]
    else:
        words = lines[i].split(" ")
        j = rng.randrange(len(words))
        words[j] = rng.choice(VALUES)
        lines[i] = " ".join(words)
    return "".join(lines)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("catalog") / "catalog"
    shutil.copytree(REPO / "catalog", root)
    return root


@pytest.mark.parametrize("seed", range(MUTATIONS))
def test_a_damaged_catalog_loads_or_says_where(seed: int, pristine: Path, tmp_path: Path) -> None:
    rng = random.Random(seed)
    catalog = tmp_path / "catalog"
    shutil.copytree(pristine, catalog)
    victim = rng.choice(sorted(catalog.glob("*.yaml")))
    victim.write_text(_mutate(victim.read_text(encoding="utf-8"), rng), encoding="utf-8")
    settings = Settings(catalog=catalog, cache=tmp_path / "cache")
    try:
        api.plan(api.make_request(exercises=["all"], angles="all"), settings)
    except CatalogError as exc:
        assert exc.problems and all(p.file is not None for p in exc.problems), str(exc)
        assert all(".yaml" in line for line in str(exc).splitlines()[:-1]), str(exc)
    except FitcontentError as exc:  # a request the damaged catalog cannot serve (an angle it lost)
        assert "\n" not in str(exc), str(exc)
