"""The Sequences and Transformers labs on live charts in a real browser (issue 15): while playing, every chart is
drawn in every sample (one mount, no blank), keeps its box between playing and paused, a zoom on the curves
survives, and the views computed from the weights (prediction, hidden states, gates, cell state, attention maps)
change and name where the weights are.

The labs open on their default presets without an epoch limit (a link's config), so a run cannot stop by
itself inside the sampling.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from playground.config import with_values
from playground.config.convert import to_query
from playground.presets import get_preset
from tests.e2e.helpers import open_lab
from tests.e2e.live import play_and_sample

pytestmark = pytest.mark.e2e

TEXTS = ("() => [...document.querySelectorAll('.pg-chart')].map(d => [(d._fullLayout.title || {}).text || '',"
         " ...(d._fullLayout.annotations || []).map(a => a.text)].join(' | '))")   # title and annotations


def open_without_limit(page, app_url: str, lab: str, preset: str) -> None:
    query = urlencode({"lab": lab, **to_query(with_values(get_preset(preset), {"train.max_epochs": 0}))})
    open_lab(page, app_url, "playground")   # the root first: see test_sequences_e2e.open_lab_after_root
    open_lab(page, app_url, lab, query)


def test_sequences_lab_plays_on_live_charts(app_url, page):
    open_without_limit(page, app_url, "sequences", "seq_adding_race_lstm")
    # prediction, curves, hidden states, gradient through time, gates, cell state
    samples = play_and_sample(page, 6, zoom_chart=1, changing=(0, 2, 4, 5))
    assert samples[-1][2]["traces"] == 1 and samples[-1][4]["traces"] == 4      # one heatmap per LSTM gate
    texts = page.evaluate(TEXTS)
    for k in (0, 2, 3, 4, 5):                                                     # computed from the weights
        assert "epoch" in texts[k], f"chart {k} says where the weights are: {texts[k]!r}"


def test_transformers_lab_plays_on_live_charts(app_url, page):
    open_without_limit(page, app_url, "transformers", "transformer_reverse")
    # prediction, curves, attention maps (2 layers x 2 heads), positional encoding
    samples = play_and_sample(page, 4, zoom_chart=1, changing=(2,))
    assert samples[-1][2]["traces"] == 4
    texts = page.evaluate(TEXTS)
    assert "epoch" in texts[0] and "epoch" in texts[2]
