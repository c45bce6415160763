"""Fixtures for real-browser tests: a `streamlit run app.py` server and headless Debian Chromium.

`app_url` starts one server per test session on a free port (the project's .streamlit/config.toml
applies) and polls /_stcore/health. `browser` launches /usr/bin/chromium through Playwright's Python
package (no browser download). `page` is a fresh context per test. In CI these tests must run: a
missing Chromium fails them instead of skipping.
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.e2e.helpers import serve_app

RERUNS = 1   # a browser test sampling live charts on 2 cores shared with the server and the training can miss a
             # beat; it runs once more (pytest-rerunfailures reports it as R), and must pass then


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if item.get_closest_marker("e2e") is not None and item.get_closest_marker("flaky") is None:
            item.add_marker(pytest.mark.flaky(reruns=RERUNS))


CHROMIUM = os.environ.get("PLAYGROUND_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, browser):
    """The app, in-process; with PLAYGROUND_E2E_BACKEND=ray, training on a Ray cluster the tests start (so
    every browser test can be run against the Ray backend: CI runs test_compute_e2e.py on Ray)."""
    log = (tmp_path_factory.mktemp("server") / "streamlit.log").open("w")
    env = {"PLAYGROUND_DATA_DIR": str(tmp_path_factory.mktemp("data"))}
    with ExitStack() as stack:
        if os.environ.get("PLAYGROUND_E2E_BACKEND") == "ray":
            from tests.ray_host import ray_host

            env.update(stack.enter_context(ray_host(2)))
        try:
            url = stack.enter_context(serve_app(env, log=log, wait=90))
        except RuntimeError:
            pytest.fail(f"streamlit did not start; see {log.name}")
        _warm_up(browser, url)
        yield url


def _warm_up(browser, url: str) -> None:
    """Open the root once, as a first visitor would: the first run leaves Streamlit's pages-folder
    mode (see playground/ui/__init__.py), so tests that deep-link start on app.py's navigation."""
    from tests.e2e.helpers import wait_idle

    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    wait_idle(page, timeout=90_000)
    context.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install chromium")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1500, "height": 1100})
    p = context.new_page()
    p.set_default_timeout(60_000)
    yield p
    context.close()
