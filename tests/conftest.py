"""Shared test options and fixtures."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite tests/golden/ from the current templates and catalog instead of comparing.")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return request.config.getoption("--update-golden")


@pytest.fixture(autouse=True, scope="session")
def _isolated_settings() -> Iterator[None]:
    """No FITCONTENT_* variable of the developer's shell leaks into a test, nor one that makes rich colour
    or size the piped tables that tests parse (FORCE_COLOR, TTY_*, COLUMNS, LINES), nor a proxy for the
    tests' loopback requests. For the whole session, so that session- and module-wide fixtures see it too."""
    import os

    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(("FITCONTENT_", "TTY_")) or name in ("FORCE_COLOR", "COLUMNS", "LINES"):
                patch.delenv(name)
        for name in ("NO_PROXY", "no_proxy"):
            patch.setenv(name, ",".join(filter(None, [os.environ.get(name), "127.0.0.1", "localhost"])))
        yield


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The CLI reconfigures the root logger onto CliRunner's streams; put it back afterwards."""
    import logging

    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny CogVideoX-5B pipeline folder (random weights), for tests over several processes and servers."""
    pytest.importorskip("diffusers")
    from fitcontent.api import prompt_corpus
    from fitcontent.generation.models import FAMILIES
    from fitcontent.generation.tiny import make_tiny

    return make_tiny(FAMILIES["cogvideox-5b"], tmp_path_factory.mktemp("tiny") / "cogvideox-5b", prompt_corpus())


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required"]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright (never a downloaded browser); skipped where it is absent."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM}; apt-get install chromium")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
