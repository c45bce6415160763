"""Helpers for real-browser tests: open a page of the running app and wait until it is idle.

Readiness follows Streamlit's own e2e suite: the app container is attached, the websocket is
CONNECTED and the script state is notRunning.
"""

from __future__ import annotations

import time
from collections.abc import Callable

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
