"""Each person's runs are their own, in a real browser: two Chromium contexts (two people) on one server.

The first trains the 2-D lab and saves a run; the second cannot see it on Runs or Explain, nor reach it
with a crafted link (a run id in the URL, the first's share link with a wrong token); the first's share
link opens the run read-only for the second (no Rename, no Delete). A reload keeps the first's runs (the
id lives in the browser's cookie). A hostile upload name is shown as text (no image fetched).
"""

from __future__ import annotations

import re

import pytest

from tests.e2e.helpers import click_button, open_lab, open_page, poll, wait_idle

pytestmark = pytest.mark.e2e

NAME = "alice-run-![x](http://127.0.0.1:9/pixel.png)"


def _context(browser):
    ctx = browser.new_context(viewport={"width": 1500, "height": 1100})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    return ctx, page


def _runs_text(page, app_url: str, query: str = "") -> str:
    open_page(page, app_url, "runs", query)
    return page.locator("[data-testid='stMain']").inner_text()


def test_a_second_browser_cannot_see_or_change_the_first_ones_runs(browser, app_url):
    alice_ctx, alice = _context(browser)
    bob_ctx, bob = _context(browser)
    fetched: list[str] = []
    for p in (alice, bob):
        p.on("request", lambda r: fetched.append(r.url) if "127.0.0.1:9" in r.url else None)
    try:
        open_lab(alice, app_url, "playground")
        click_button(alice, "Step")
        wait_idle(alice)
        click_button(alice, "Save run")
        wait_idle(alice)
        text = _runs_text(alice, app_url)
        assert "No runs yet" not in text
        alice.get_by_label("Name").first.fill(NAME)
        click_button(alice, "Rename")
        wait_idle(alice)
        assert poll(lambda: "alice-run" in alice.content(), timeout=30)
        run_id = re.search(r"\d{8}-\d{6}-[0-9a-f]{6}", alice.content()).group(0)   # the run picker shows it
        alice.get_by_role("button", name="Share read-only").click()
        link = poll_text(alice, "shared=")
        token = link.split("shared=", 1)[1].split()[0]

        bob_text = _runs_text(bob, app_url)
        assert "No runs yet" in bob_text and "alice-run" not in bob_text and run_id not in bob_text
        open_page(bob, app_url, "explain")
        assert "alice-run" not in bob.locator("[data-testid='stMain']").inner_text()
        for query, answer in ((f"run={run_id}", "No runs yet"), (f"shared={token[:-2]}xx", "does not name a run"),
                              (f"shared={run_id}", "does not name a run")):
            _runs_text(bob, app_url, query)
            bob.get_by_text(answer).first.wait_for()                 # the page has answered, then:
            crafted = bob.locator("[data-testid='stMain']").inner_text()
            assert "alice-run" not in crafted and "Rename" not in crafted
        shared = _runs_text(bob, app_url, f"shared={token}")
        assert "alice-run" in shared
        bob.get_by_role("button", name="Reopen in 2-D Playground").wait_for()   # drawn after the curves
        assert not bob.get_by_role("button", name="Rename").count()
        assert not bob.get_by_role("button", name="Delete").count()

        alice.reload()
        wait_idle(alice)
        _runs_text(alice, app_url)
        assert poll(lambda: run_id in alice.content(), timeout=30)   # the cookie keeps them hers
        assert not fetched, fetched                                  # the name's image link was never fetched
    finally:
        alice_ctx.close()
        bob_ctx.close()


def poll_text(page, needle: str) -> str:
    """The text of the first code block that holds `needle` (the share link), waiting for it."""
    found: list[str] = []

    def look() -> bool:
        for block in page.locator("code").all():
            t = block.inner_text()
            if needle in t:
                found.append(t)
                return True
        return False

    assert poll(look, timeout=20)
    return found[0]
