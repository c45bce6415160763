"""The Images lab in a real browser: Play trains the CNN on digits past 90% test accuracy; every view draws
without errors; drawing on the pixel pad gives a prediction and its explanation; an upload of one's own
images rebuilds the lab and a malformed upload is refused with a message."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.e2e.helpers import click_button, metric_value, open_page, page_errors, pause, poll, wait_idle

pytestmark = pytest.mark.e2e


def open_lab(page, app_url: str, lab: str) -> None:
    """Open the lab through the app's navigation: a fresh server serves a deep link before app.py has
    declared its pages (Streamlit falls back to the pages/ folder), so go through the landing page."""
    open_page(page, app_url)
    page.locator("[data-testid='stSidebarNav']").get_by_text("Images (CNN)").click()
    wait_idle(page)


def _epoch(page) -> int:
    return int(metric_value(page, "Epoch").replace(",", ""))


def _accuracy(page) -> float:
    return float(metric_value(page, "Test accuracy"))


def _view(page, name: str) -> None:
    page.locator("[data-testid='stButtonGroup']").get_by_text(name, exact=True).click()
    wait_idle(page)


def _charts(page) -> int:
    return page.locator(".js-plotly-plot").count()


PAD_DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].some(
    g => g._fullLayout && g.data && g.data.some(t => t.marker && t.marker.symbol === 'square'))"""


def _pad_cell(page, x: int, y: int) -> tuple[float, float]:
    """Screen coordinates of pixel (x, y) of the drawing pad (the chart of square markers)."""
    return page.evaluate("""([x, y]) => {
        const gd = [...document.querySelectorAll('.js-plotly-plot')].find(
            g => g.data && g.data.some(t => t.marker && t.marker.symbol === 'square'));
        const L = gd._fullLayout, box = gd.getBoundingClientRect();
        return [box.left + L._size.l + L.xaxis.l2p(x), box.top + L._size.t + L.yaxis.l2p(y)];
    }""", [x, y])


def test_play_trains_and_every_view_draws(app_url, page):
    open_lab(page, app_url, "images")
    assert _epoch(page) == 0
    assert poll(lambda: _charts(page) >= 4, timeout=20), "curves, confusion, per class, gallery"
    click_button(page, "Play")
    assert poll(lambda: _accuracy(page) >= 0.9, timeout=120), "the CNN learns digits while playing"
    pause(page)
    page.wait_for_timeout(1500)                                      # a tick in flight may still land
    paused = _epoch(page)
    assert paused >= 2
    page.wait_for_timeout(1500)
    assert _epoch(page) == paused, "training stops on Pause"

    _view(page, "Inside the network")
    assert poll(lambda: _charts(page) == 3, timeout=20), "filters, feature maps and layer statistics"
    _view(page, "Explanations")
    assert poll(lambda: _charts(page) == 2, timeout=20)
    assert poll(lambda: page.get_by_text("convergence δ").count() > 0, timeout=20), "IG shows its convergence δ"
    click_button(page, "Run the sanity check")
    wait_idle(page)
    assert poll(lambda: _charts(page) == 3, timeout=30)
    assert not page_errors(page)


def test_drawing_a_digit_gives_a_prediction_and_explanation(app_url, page):
    open_lab(page, app_url, "images")
    click_button(page, "Step")
    assert poll(lambda: _epoch(page) == 1, timeout=30)
    wait_idle(page)
    _view(page, "Your digit")
    assert poll(lambda: page.get_by_text("Draw a digit").count() > 0, timeout=20)
    assert poll(lambda: page.evaluate(PAD_DRAWN), timeout=20), "the drawing pad's chart is drawn"
    for y in range(1, 7):                                  # a vertical stroke: a '1'
        cx, cy = _pad_cell(page, 4, y)
        page.mouse.click(cx, cy)
        wait_idle(page)
        page.wait_for_timeout(300)
    assert poll(lambda: page.get_by_text("Prediction:").count() > 0, timeout=20), "a prediction is shown"
    assert not page_errors(page)


def test_upload_own_images_and_refuse_a_broken_file(app_url, page):
    rng = np.random.default_rng(0)
    x = np.zeros((60, 10, 10), np.float32)
    y = np.arange(60) % 2
    x[y == 0, :, 2:4] = 1                                  # class 0: a vertical bar, class 1: a horizontal bar
    x[y == 1, 5:7, :] = 1
    x += rng.random(x.shape).astype(np.float32) * 0.2
    buf = io.BytesIO()
    np.savez(buf, X=x, y=y)

    open_lab(page, app_url, "images")
    page.get_by_text("Your own images").first.click()
    chooser = page.locator("[data-testid='stFileUploaderDropzoneInput']").first
    chooser.set_input_files(files=[{"name": "bars.npz", "mimeType": "application/octet-stream",
                                    "buffer": b"definitely not numpy"}])
    wait_idle(page)
    assert poll(lambda: page.get_by_text("Upload refused").count() > 0, timeout=20)
    assert _epoch(page) == 0 and not page.locator("[data-testid='stException']").count()

    chooser.set_input_files(files=[{"name": "bars.npz", "mimeType": "application/octet-stream",
                                    "buffer": buf.getvalue()}])
    wait_idle(page)
    assert poll(lambda: page.get_by_text("Loaded").count() > 0, timeout=30), "the upload rebuilds the lab"
    click_button(page, "Step")
    wait_idle(page)
    assert poll(lambda: _epoch(page) == 1, timeout=20)
    assert not page.locator("[data-testid='stException']").count()
