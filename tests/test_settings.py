"""Settings layers: packaged defaults < fitcontent.yml < FITCONTENT_* < flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from fitcontent.errors import CatalogError
from fitcontent.paths import packaged
from fitcontent.settings import load_settings


def test_defaults_use_the_packaged_catalog(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path, environ={})
    assert settings.catalog is None
    assert settings.catalog_dir == packaged("catalog")
    assert (settings.catalog_dir / "squat.yaml").is_file()


def test_each_layer_overrides_the_one_below(tmp_path: Path) -> None:
    (tmp_path / "fitcontent.yml").write_text("catalog: mycatalog\ntemplates: mytemplates\n", encoding="utf-8")
    from_file = load_settings(cwd=tmp_path, environ={})
    assert from_file.catalog == tmp_path / "mycatalog"  # relative to the file, not the process
    assert from_file.templates == tmp_path / "mytemplates"
    from_env = load_settings(cwd=tmp_path, environ={"FITCONTENT_CATALOG": "/env/catalog"})
    assert from_env.catalog == Path("/env/catalog")
    assert from_env.templates == tmp_path / "mytemplates"
    from_flag = load_settings({"catalog": Path("/flag"), "templates": None}, cwd=tmp_path,
                              environ={"FITCONTENT_CATALOG": "/env/catalog"})
    assert from_flag.catalog == Path("/flag")
    assert from_flag.templates == tmp_path / "mytemplates"  # a flag not given overrides nothing


def test_config_file_errors_point_at_the_line(tmp_path: Path) -> None:
    (tmp_path / "fitcontent.yml").write_text("catalog: here\ncatalgo: there\n", encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_settings(cwd=tmp_path, environ={})
    assert str(caught.value.problems[0]).endswith(
        "fitcontent.yml:2: catalgo: unknown field 'catalgo'; did you mean 'catalog'? "
        "(allowed: brand, cache, catalog, prompt_family, templates)")


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    config = tmp_path / "elsewhere.yml"
    config.write_text("prompt_family: custom\n", encoding="utf-8")
    settings = load_settings(cwd=tmp_path, environ={"FITCONTENT_CONFIG": str(config)})
    assert settings.prompt_family == "custom"
