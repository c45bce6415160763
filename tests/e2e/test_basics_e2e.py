"""The Home page and the Basics labs in a real browser: every link on Home opens without an error,
a tour moves between labs, classroom mode hides what it is told to, and the stepper steps."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import click_button, open_lab, open_page, page_errors, poll, wait_idle

pytestmark = pytest.mark.e2e


def _shows(page, text: str) -> bool:
    """The text appears within 20 s (after a click, the rerun may not have reached the page yet)."""
    return poll(lambda: page.get_by_text(text).count() == 1, timeout=20)


def _home_links(page, app_url: str) -> list[str]:
    hrefs = page.eval_on_selector_all("[data-testid='stMain'] a[href]", "els => els.map(e => e.href)")
    return sorted({h for h in hrefs if h.startswith(app_url) and "#" not in h})


def test_home_and_every_link_on_it_open_without_error(app_url, page):
    open_page(page, app_url)
    assert page.get_by_text("The course map").count() == 1
    assert page_errors(page) == []
    assert poll(lambda: len(_home_links(page, app_url)) >= 8, timeout=30), _home_links(page, app_url)
    links = _home_links(page, app_url)
    assert len(links) >= 8, links                    # the course map, tours, the 2-D lab, classroom mode
    for href in links:
        page.goto(href)
        wait_idle(page)
        page.wait_for_timeout(300)
        assert page_errors(page) == [], href
        assert page.locator("[data-testid='stException']").count() == 0, href
        assert poll(lambda: page.locator("h1").count() >= 1, timeout=20), href


def test_a_tour_moves_between_labs(app_url, page):
    open_page(page, app_url)
    poll(lambda: page.locator(".pg-chart[data-mounts]").count() >= 2, timeout=30)   # Home's live charts drawn
    page.locator("a[href*='tour=xor']", has_text="Start the tour").first.click()   # "XOR needs a hidden layer"
    wait_idle(page)
    assert poll(lambda: "tour=xor" in page.url and "/neuron" in page.url, timeout=20), page.url
    assert _shows(page, "step 1 of 3")
    page.get_by_role("link", name="Next step").click()
    wait_idle(page)
    assert poll(lambda: "/playground" in page.url and "step=1" in page.url, timeout=20), page.url
    assert _shows(page, "step 2 of 3") and page_errors(page) == []


def test_classroom_mode_hides_sidebar_text_and_one_control(app_url, page):
    open_lab(page, app_url, "neuron")
    assert poll(lambda: page.locator("[data-testid='stSidebar']").is_visible(), timeout=20)
    assert poll(lambda: page.locator("[data-testid='stCaptionContainer']").first.is_visible(), timeout=20)
    open_lab(page, app_url, "neuron", "hide=sidebar,text,controls:step")
    assert poll(lambda: not page.locator("[data-testid='stSidebar']").is_visible(), timeout=20)
    assert poll(lambda: not page.locator("[data-testid='stCaptionContainer']").first.is_visible(), timeout=20)
    assert page.locator(".st-key-neuron-step").count() == 1 and not page.locator(".st-key-neuron-step").is_visible()
    assert poll(lambda: page.locator(".st-key-neuron-fit").is_visible(), timeout=20)


def test_backprop_stepper_in_the_browser(app_url, page):
    open_lab(page, app_url, "backprop")
    assert _shows(page, "Autograd check")
    for stage in range(2, 6):   # one click at a time: a click during a rerun could be merged into it
        click_button(page, "Next stage ▶")
        wait_idle(page)
        assert _shows(page, f"Stage {stage} of 7")
    click_button(page, "Apply the update")
    wait_idle(page)
    assert _shows(page, "Stage 1 of 7") and page_errors(page) == []
