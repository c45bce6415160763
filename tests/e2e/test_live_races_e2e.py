"""Runs trained together play on live charts in a real browser: the Optimizers lab's network race (curves
and one boundary per runner) and the Overfitting clinic (twin curves and weight histogram). Every chart is
drawn in every sample, mounted once, keeps its box playing and paused, and its data changes."""

from __future__ import annotations

import pytest

from tests.e2e import live
from tests.e2e.helpers import click_button, metric_value, open_lab, pause, poll
from tests.e2e.live import open_endless, play_and_sample

pytestmark = pytest.mark.e2e



def epoch_of(page) -> int:
    return int(metric_value(page, "Epoch").replace(",", ""))


def test_optimizers_network_race_plays_on_live_charts(app_url, page):
    open_endless(page, app_url, "optimizers", "A real network")
    # the race curves, then the boundaries of your settings and of its one rival (SGD or Adam)
    samples = play_and_sample(page, 3, changing=(0, 1, 2), zoom_chart=0)
    assert all(s[1]["box"][2:] == s[2]["box"][2:] for s in samples), "the boundaries have one size"
    assert poll(lambda: epoch_of(page) > 0)


def test_overfitting_clinic_plays_on_live_charts(app_url, page):
    open_endless(page, app_url, "regularization")
    samples = play_and_sample(page, 2, changing=(0,), zoom_chart=0)
    # the histogram's counts always sum to the number of weights: its data is checked by its updates
    assert samples[-1][1]["updates"] - samples[0][1]["updates"] >= 5, "the weight histogram updates in place"
    assert poll(lambda: epoch_of(page) > 0)


def test_sequences_cell_race_plays_on_a_live_chart(app_url, page):
    """The race's chart updates in place while playing (the lab's own six live charts are
    test_live_sequences_e2e.py's)."""
    query = "lab=sequences&data.name=adding&data.seq_len=30&data.n_samples=1000&model.kind=lstm&train.max_epochs=0"
    open_lab(page, app_url, "playground")     # a deep link on a fresh server needs the root's navigation first
    open_lab(page, app_url, "sequences", query)
    before = 6                                # prediction, curves, hidden, gradients, gates, cell state
    assert poll(lambda: live.ready(page, before)), "the lab's live charts are drawn"
    page.get_by_text("Race the cells: RNN, LSTM and GRU").click()
    page.get_by_text("Race the cells", exact=True).click()
    assert poll(lambda: len(live.charts(page)) == before + 1), "the race adds one live chart"
    race = lambda: (live.charts(page) + [{}] * (before + 1))[before]   # noqa: E731  (a rerun may hide it a moment)
    click_button(page, "Play")
    assert poll(lambda: race().get("updates", 0) >= 4, timeout=90), "the race updates while playing"
    assert race()["mounts"] == 1 and not race()["errors"], "in place: one mount"
    pause(page)
    names = page.evaluate(f"() => document.querySelectorAll('.pg-chart')[{before}]._fullData.map(t => t.name)")
    assert names == ["LSTM", "RNN", "GRU"], "your cell first, then the others"
    assert epoch_of(page) >= 1
