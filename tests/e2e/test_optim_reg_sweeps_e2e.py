"""Real-browser tests of the Optimizers lab, the Overfitting clinic and the Sweeps page (headless Chromium)."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import click_button, metric_value, open_page, page_errors, poll, wait_idle

pytestmark = pytest.mark.e2e

CHARTS = ".js-plotly-plot"


def test_optimizers_lab_races_on_a_surface_and_steps_a_network(app_url, page):
    open_page(page, app_url, "optimizers")
    assert poll(lambda: page.locator(CHARTS).count() >= 2)
    assert poll(lambda: page.locator(".updatemenu-button").count() >= 2, timeout=30)  # the race's Play and Pause
    page.get_by_role("tab", name="A real network").click()
    click_button(page, "Step")
    wait_idle(page)
    assert poll(lambda: metric_value(page, "Epoch") == "1")
    click_button(page, "Compute the landscape")
    wait_idle(page)
    assert poll(lambda: page.locator(CHARTS).count() >= 7)
    assert page_errors(page) == []


def test_overfitting_clinic_trains_twins_side_by_side(app_url, page):
    open_page(page, app_url, "regularization")
    click_button(page, "Step")              # one click at a time: two clicks in one rerun would train once
    assert poll(lambda: metric_value(page, "Epoch") == "1", timeout=30)
    wait_idle(page)
    click_button(page, "Step")
    assert poll(lambda: metric_value(page, "Epoch") == "2", timeout=30)
    assert poll(lambda: page.get_by_text("regularized", exact=True).count() >= 1, timeout=20)
    assert poll(lambda: page.locator(CHARTS).count() >= 2)
    assert page_errors(page) == []


def test_sweep_runs_in_the_browser_and_the_best_trial_opens_in_its_lab(app_url, page):
    open_page(page, app_url, "sweeps")
    for label, value in (("Trials in the study", "3"), ("Epochs per trial", "2")):
        box = page.get_by_label(label)
        box.fill(value)
        box.press("Enter")
        wait_idle(page)
    click_button(page, "Run the sweep")                  # returns at once: the trials run in worker processes
    assert poll(lambda: page.get_by_text("Trials done").count() >= 1, timeout=30)
    link = page.get_by_role("link", name="Open the best trial in 2-D Playground")
    assert poll(lambda: link.count() == 1, timeout=180)    # the live fragment reruns the page when it ends
    assert poll(lambda: page.locator(CHARTS).count() >= 2)
    href = link.get_attribute("href")
    assert "lab=playground" in href and "train.lr=" in href
    open_page(page, app_url, href.removeprefix("./").split("?")[0], href.split("?", 1)[1])
    assert poll(lambda: page.get_by_text("2-D Playground").count() >= 1, timeout=20)
    assert page_errors(page) == []


def test_a_running_sweep_stops_from_the_page(app_url, page):
    open_page(page, app_url, "sweeps")
    for label, value in (("Trials in the study", "5"), ("Epochs per trial", "2000"), ("Workers", "1")):
        box = page.get_by_role("spinbutton", name=label)
        box.fill(value)
        box.press("Enter")
        wait_idle(page)
    click_button(page, "Run the sweep")
    stop = page.get_by_role("button", name="Stop")
    assert poll(lambda: stop.count() == 1, timeout=30)
    assert poll(lambda: page.get_by_text("Best so far").count() >= 1)      # the page answers while it runs
    stop.click()
    assert poll(lambda: page.get_by_text("stopped:", exact=False).count() >= 1, timeout=60)
    assert page.get_by_role("button", name="Run the sweep").is_enabled()
    assert page_errors(page) == []
