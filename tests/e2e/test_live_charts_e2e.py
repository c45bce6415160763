"""The live charts in a real browser, on the 2-D lab and Home: while playing, every chart is drawn in
every sample (one mount, no blank), keeps its box between playing and paused, keeps a user's zoom, and
the boundary's data changes; clicking a weight on the network diagram opens it for editing."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import open_lab, poll
from tests.e2e.live import play_and_sample

pytestmark = pytest.mark.e2e


def test_home_plays_on_live_charts(app_url, page):
    open_lab(page, app_url, "home")
    play_and_sample(page, 2, zoom_chart=1, changing=(0,))


def test_playground_plays_on_live_charts_and_a_clicked_weight_opens(app_url, page):
    open_lab(page, app_url, "playground")
    play_and_sample(page, 4, zoom_chart=2, changing=(1,))
    # click a weight's hover point (weight 2 -> 1 of layer 1); the editor opens on what Plotly reports clicked
    point = page.evaluate("""() => {
        const gd = document.querySelectorAll('.pg-chart')[0];
        window.__clicked = null;
        gd.on('plotly_click', e => { window.__clicked = e.points[0].customdata; });
        const t = gd._fullData.findIndex(t => t.name === 'weights');
        const i = gd.data[t].customdata.findIndex(c => c[0] === 0 && c[1] === 0 && c[2] === 1);
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, r = gd.getBoundingClientRect();
        return [r.x + xa._offset + xa.l2p(gd.data[t].x[i]), r.y + ya._offset + ya.l2p(gd.data[t].y[i])];
    }""")
    page.mouse.move(point[0], point[1])
    page.wait_for_timeout(300)
    page.mouse.click(point[0], point[1])
    assert poll(lambda: page.evaluate("() => window.__clicked") is not None, timeout=10), "Plotly saw the click"
    gap, to, frm = page.evaluate("() => window.__clicked")
    boxes = {label: page.locator(f"input[aria-label='{label}']") for label in ("Layer", "From neuron", "To neuron")}
    want = {"Layer": str(gap + 1), "From neuron": str(frm + 1), "To neuron": str(to + 1)}
    assert poll(lambda: all(b.count() and b.first.input_value() == want[k] for k, b in boxes.items()), timeout=30), \
        "the clicked weight opens for editing"
    assert page.locator("input[aria-label='Weight']").first.is_editable(), "paused: the weight can be edited"
