"""The Images lab's live charts in a real browser: on the Training view (curves, confusion matrix, per-class
accuracy, misclassified gallery) and on Inside the network (filters, feature maps, layer statistics), every
chart is drawn in every sample while playing (one mount, no blank), keeps its box between playing and paused,
and its data changes; a zoom on the curves survives the updates."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import open_lab, wait_idle
from tests.e2e.live import play_and_sample

pytestmark = pytest.mark.e2e


def _unlimited(page) -> None:
    """No epoch limit (the preset stops at 40, which a fast machine reaches inside the sampling window)."""
    box = page.locator("input[aria-label='Max epochs']").first
    box.fill("0")
    box.press("Enter")
    wait_idle(page)


def _view(page, name: str) -> None:
    page.locator("[data-testid='stButtonGroup']").get_by_text(name, exact=True).click()
    wait_idle(page)


def test_training_view_plays_on_live_charts(app_url, page):
    open_lab(page, app_url, "images")
    _unlimited(page)
    samples = play_and_sample(page, 4, zoom_chart=0, changing=(0, 1))   # the curves grow, the confusion moves
    assert len({s[3]["sig"] for s in samples}) >= 2, "the misclassified gallery changes"


def test_inside_the_network_plays_on_live_charts(app_url, page):
    open_lab(page, app_url, "images")
    _unlimited(page)
    _view(page, "Inside the network")
    play_and_sample(page, 3, changing=(0, 1, 2))                      # filters, feature maps, layer statistics
