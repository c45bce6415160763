"""The transfer lab in a real browser: it opens, plays the strategies side by side on live charts (the
strategy curves update in place, keep a zoom, one line per run), shows the embedding and the nearest
neighbours live, and pauses; no exception or error on the page."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from playground.config import to_query
from playground.presets import get_preset
from tests.e2e.helpers import click_button, metric_value, open_lab, page_errors, pause, poll, wait_idle
from tests.e2e.live import charts, play_and_sample, ready

pytestmark = pytest.mark.e2e


def epoch_of(page) -> int:
    return int(metric_value(page, "Epoch").replace(",", ""))


def test_transfer_lab_plays_strategies_and_embedding(app_url, page):
    open_lab(page, app_url, "playground")     # a deep link on a fresh server needs the root's navigation first
    open_lab(page, app_url, "transfer", urlencode({**to_query(get_preset("transfer_digits")), "train.max_epochs": 0}))
    click_button(page, "Play")                # Play and Pause once: Play clears the link's notice (see live.py)
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    pause(page)
    play_and_sample(page, 2, changing=(0,), zoom_chart=0)          # strategy curves, block diagram
    names = page.evaluate("() => document.querySelectorAll('.pg-chart')[0]._fullData.map(t => t.name)")
    assert names[0] == "Linear probe (yours)" and "From scratch" in names and len(names) == 5
    assert epoch_of(page) > 0
    page.get_by_text("Embedding", exact=True).click()   # the View control (a segmented control)
    wait_idle(page)
    assert poll(lambda: ready(page, 2)), "the embedding (at the start and now) and the neighbours are drawn"
    click_button(page, "Play")
    assert poll(lambda: charts(page)[0]["updates"] >= 3, timeout=60), "the embedding updates while playing"
    assert all(c["mounts"] == 1 and not c["errors"] for c in charts(page)), "in place: one mount each"
    pause(page)
    titles = page.evaluate("() => document.querySelectorAll('.pg-chart')[0]._fullLayout.annotations"
                           ".map(a => a.text).join(' ')")
    assert "at the start" in titles and "now (" in titles, titles
    assert len(charts(page)) == 2 and not page_errors(page)
