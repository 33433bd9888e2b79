"""`fitcontent models list|check|make-tiny`, `doctor`, and the dtype rule, through the command line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from fitcontent import api
from fitcontent.cli import cli
from fitcontent.errors import RequestError
from fitcontent.generation.cogvideox import CogVideoXBackend

pytest.importorskip("diffusers")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("m") / "pose"
    result = CliRunner().invoke(cli, ["models", "make-tiny", str(directory), "--family", "cogvideox-fun-v1.1-5b-pose"])
    assert result.exit_code == 0, result.output
    return directory


def test_make_tiny_then_check_names_the_family(tiny: Path) -> None:
    result = CliRunner().invoke(cli, ["models", "check", str(tiny)])
    assert result.exit_code == 0, result.output
    assert f"{tiny}: cogvideox-fun-v1.1-5b-pose (CogVideoXFunControlPipeline)" in result.output


def test_check_names_what_an_incomplete_download_lacks(tiny: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(tiny, broken)
    shutil.rmtree(broken / "transformer")
    for weights in (broken / "vae").glob("*.safetensors"):
        weights.unlink()
    result = CliRunner().invoke(cli, ["models", "check", str(broken)])
    assert result.exit_code == 1
    assert "missing transformer; no weights in vae (an interrupted download? run it again)" in result.output


def test_list_shows_every_family_and_the_local_one(tiny: Path, hf_cache: Path, monkeypatch) -> None:
    monkeypatch.setenv("FITCONTENT_MODEL_DIR", str(tiny))
    result = CliRunner().invoke(cli, ["models", "list"])
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.output.splitlines()[1:] if line.strip()}
    assert set(rows) == {"cogvideox-2b", "cogvideox-5b", "cogvideox-5b-i2v", "cogvideox1.5-5b",
                         "cogvideox1.5-5b-i2v", "cogvideox-fun-v1.1-5b-pose"}
    assert str(tiny) in rows["cogvideox-fun-v1.1-5b-pose"]
    assert str(tiny) not in rows["cogvideox-5b"]


def test_doctor_reports_the_machine_and_the_auto_profile(tiny: Path, monkeypatch) -> None:
    monkeypatch.setenv("FITCONTENT_MODEL_DIR", str(tiny))
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 0, result.output
    for check in ("python:", "torch:", "gpu:", "diffusers:", "ffmpeg:", "font:", "models:"):
        assert check in result.output
    assert "NotoSansCJK" in result.output
    assert "profile auto (cogvideox-fun-v1.1-5b-pose):" in result.output


def test_float16_is_refused_for_a_bfloat16_family(tiny: Path) -> None:
    with pytest.raises(RequestError, match="is a bfloat16 model: float16 gives NaN \\(black\\) frames"):
        CogVideoXBackend(api.load_catalog(), tiny, dtype="float16")
