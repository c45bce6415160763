"""The Your data lab in a real browser on live charts: while playing, the network on the PCA plane, the curves,
the scores and the metric table (and the six baselines' planes below) are drawn in every sample, mounted once,
keep their boxes between playing and paused; the plane's and the curves' data change in place; a zoom on the
curves survives the updates; the baselines' planes, which do not train, are not redrawn."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import open_lab
from tests.e2e.live import charts, play_and_sample

pytestmark = pytest.mark.e2e

# iris without an epoch limit while sampling (the data named too: else the lab's first data rebuilds the model
# and its notice, cleared by Play, would move every chart up)
QUERY = "lab=tabular&data.name=iris&train.max_epochs=100000"
LIVE = 4 + 6   # plane, curves, scores, metric table; then one plane per fitted baseline (iris: fitted at once)
# the curves' epochs as plotly.js computed them (gd.data holds typed-array specs, which live.py's signature
# does not read: the curves are checked here by their last epoch instead)
LAST_EPOCH = "() => { const t = document.querySelectorAll('.pg-chart')[1]._fullData[0]; return t.x[t._length - 1]; }"


def test_your_data_plays_on_live_charts(app_url, page):
    open_lab(page, app_url, "tabular", QUERY)
    samples = play_and_sample(page, LIVE, zoom_chart=1, changing=(0,))
    assert samples[-1][1]["updates"] - samples[0][1]["updates"] >= 5, "the curves update in place while playing"
    assert page.evaluate(LAST_EPOCH) > 10, "the curves grew while playing"
    assert [c["updates"] for c in samples[-1][4:]] == [c["updates"] for c in samples[0][4:]], \
        "the baselines' planes do not train: not redrawn while playing"
    heights = [c["box"][3] for c in charts(page)]
    assert heights[0] == pytest.approx(heights[1], abs=2), "the plane and the curves side by side, one height"
