"""Helpers for real-browser tests: open a page of the running app and wait until it is idle.

Readiness follows Streamlit's own e2e suite: the app container is attached, the websocket is
CONNECTED and the script state is notRunning.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.procs import stop_process

ROOT = Path(__file__).resolve().parents[2]

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def wait_idle(page, timeout: float = 60_000) -> None:
    page.wait_for_selector("[data-testid='stAppViewContainer']", state="attached", timeout=timeout)
    page.wait_for_timeout(250)
    page.locator("[data-testid='stApp'][data-test-connection-state='CONNECTED']").wait_for(
        state="attached", timeout=timeout)
    page.locator(IDLE).wait_for(state="attached", timeout=timeout)


def lab_path(lab: str) -> str:
    """The URL path of a lab's page: the landing (first ready) lab is served at the root."""
    from playground.labs import LABS

    ready = [e for e in LABS.entries() if e.meta["ready"]]
    entry = LABS.entry(lab)
    return "" if ready and ready[0].key == lab else entry.meta["url_path"]


def open_page(page, app_url: str, path: str = "", query: str = "") -> None:
    """Go to app_url/path?query and wait until the script has run."""
    page.goto(f"{app_url}/{path}{'?' + query if query else ''}")
    wait_idle(page)


def open_lab(page, app_url: str, lab: str, query: str = "") -> None:
    open_page(page, app_url, lab_path(lab), query)


def click_button(page, label: str) -> None:
    """Click a Streamlit button by its exact label (Plotly's modebar has 'Reset axes' buttons too)."""
    page.get_by_role("button", name=label, exact=True).first.click()


def pause(page) -> None:
    """Press Pause and wait until the full rerun it causes has drawn the page: the button then reads Play
    again. (Right after a click, `wait_idle` can still see the previous run's idle state.)"""
    click_button(page, "Pause")
    page.get_by_role("button", name="Play", exact=True).wait_for()
    wait_idle(page)


def metric_value(page, label: str) -> str:
    """The value shown by st.metric(label, ...)."""
    box = page.locator("[data-testid='stMetric']", has_text=label).first
    return box.locator("[data-testid='stMetricValue']").inner_text()


def poll(fn: Callable[[], bool], timeout: float = 30.0, every: float = 0.25) -> bool:
    """Call fn until it returns True or the timeout (seconds) passes; return the last result."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if fn():
            return True
        time.sleep(every)
    return fn()


def page_errors(page) -> list[str]:
    """Texts of exception boxes and error alerts on the page."""
    boxes = page.locator("[data-testid='stException'], [data-testid='stAlertContentError']")
    return [boxes.nth(i).inner_text() for i in range(boxes.count())]


def free_port() -> int:
    """A free port, or PLAYGROUND_E2E_PORT when set (a shared machine may give each user a range)."""
    if os.environ.get("PLAYGROUND_E2E_PORT"):
        return int(os.environ["PLAYGROUND_E2E_PORT"])
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_app(env: dict[str, str] | None = None, log=subprocess.DEVNULL, wait: float = 120,
              root: Path = ROOT, procs: list | None = None) -> Iterator[str]:
    """Run `streamlit run app.py` (of the project at `root`) on a free port; yield its URL once
    /_stcore/health answers; stop it after (SIGTERM, as a service manager does). `procs` gets the Popen."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})})
    url = f"http://127.0.0.1:{port}"
    if procs is not None:
        procs.append(proc)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.5)
        yield url
    finally:
        stop_process(proc)
