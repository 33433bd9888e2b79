"""The names `import fitcontent` promises stay what they are after use."""

from __future__ import annotations

from pathlib import Path

from fitcontent.settings import Settings


def test_build_stays_the_function_after_the_engine_and_store_are_imported(tmp_path: Path) -> None:
    """The runner is ``fitcontent.engine`` and the store ``fitcontent.store``: no module shadows the
    public ``fitcontent.build`` (it did when the runner was the package ``fitcontent.build``)."""
    import fitcontent.engine.run
    import fitcontent.store

    assert callable(fitcontent.build) and callable(fitcontent.store.Store) and fitcontent.engine.run.build
    request = fitcontent.make_request(exercises=["squat"], angles=["front"], errors=["none"], layouts=["none"],
                                      width=160, height=96, frames=9)
    fitcontent.dry_run(request, Settings(cache=tmp_path / "cache"))  # imports the engine and the store
    assert callable(fitcontent.build)
    report = fitcontent.build(request, Settings(cache=tmp_path / "cache"), out=tmp_path / "dist")
    assert callable(fitcontent.build) and not report.failed


def test_the_package_has_a_version_typed_exports_and_the_schemas() -> None:
    import importlib.metadata

    import fitcontent

    assert fitcontent.__version__ == importlib.metadata.version("fitcontent")
    assert set(fitcontent.__all__) <= set(dir(fitcontent))
    assert fitcontent.build.__annotations__["return"] in ("BuildReport", fitcontent.BuildReport)
    assert set(fitcontent.schemas()) >= {"manifest", "course"}


def test_a_build_leaves_the_host_process_environment_and_loggers_alone(tmp_path: Path) -> None:
    """A host application (a course platform, the web service) keeps its environment and log levels."""
    import json
    import logging
    import os
    import subprocess
    import sys

    script = f"""
import json, logging, os
names = ["imageio_ffmpeg", "diffusers", "transformers", "huggingface_hub", "PIL", "filelock"]
logging.getLogger("imageio_ffmpeg").setLevel(logging.DEBUG)
env, levels = dict(os.environ), {{n: logging.getLogger(n).level for n in names}}
import fitcontent
from fitcontent.settings import Settings
request = fitcontent.make_request(exercises=["squat"], angles=["front"], errors=["knee-valgus"], formats="16:9",
                                  layouts=["comparison"], width=160, height=96, frames=9)
report = fitcontent.build(request, Settings(cache={str(tmp_path / "cache")!r}), out={str(tmp_path / "dist")!r},
                          draft=True)
print(json.dumps({{"failed": report.failed, "env": dict(os.environ) == env,
                  "levels": {{n: logging.getLogger(n).level for n in names}} == levels}}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout.splitlines()[-1]) == {"failed": [], "env": True, "levels": True}, done.stderr
    assert logging.getLogger("imageio_ffmpeg").level == logging.NOTSET and "HF_HUB_OFFLINE" not in os.environ
