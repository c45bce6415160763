"""The live charts in a real browser, on the 2-D lab and Home: while playing, every chart is drawn in
every sample (one mount, no blank), keeps its box between playing and paused, keeps a user's zoom, and
the boundary's data changes; clicking a weight on the network diagram opens it for editing."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import click_button, open_lab, pause, poll

pytestmark = pytest.mark.e2e

CHARTS = """() => [...document.querySelectorAll('.pg-chart')].map(d => {
    const r = d.getBoundingClientRect();
    const img = d.querySelector('.imagelayer image');   // the boundary's background
    const z = img && (d.layout.images || []).length === 1 ? img.getAttribute('href') || '' : '';
    return {box: [r.x, r.y, r.width, r.height], mounts: +(d.dataset.mounts || 0), updates: +(d.dataset.updates || 0),
            errors: +(d.dataset.errors || 0), drawn: !!d.querySelector('.main-svg') && r.width > 50 && r.height > 50,
            traces: (d._fullData || []).length, z};
})"""


def _charts(page) -> list[dict]:
    return page.evaluate(CHARTS)


def _ready(page, n: int) -> bool:
    charts = _charts(page)
    return len(charts) == n and all(c["drawn"] for c in charts)


def _same_box(a: list[float], b: list[float]) -> bool:
    return all(abs(x - y) <= 2 for x, y in zip(a, b))


def _play_and_sample(page, n: int, loss_chart: int) -> None:
    assert poll(lambda: _ready(page, n), timeout=60), "every live chart is drawn"
    paused = [c["box"] for c in _charts(page)]
    click_button(page, "Play")
    assert poll(lambda: _charts(page)[0]["updates"] >= 3, timeout=60), "updates arrive while playing"
    samples = []
    for _ in range(40):                           # every 250 ms for 10 s
        samples.append(_charts(page))
        page.wait_for_timeout(250)
    for i, s in enumerate(samples):
        assert len(s) == n and all(c["drawn"] and c["traces"] and not c["errors"] for c in s), \
            f"sample {i}: a chart blank or broken"
        assert all(c["mounts"] == 1 for c in s), f"sample {i}: a chart was mounted again"
        assert all(_same_box(c["box"], b) for c, b in zip(s, paused)), f"sample {i}: a chart moved or resized"
    boundary = [c["z"] for c in (s[_heatmap_index(samples[0])] for s in samples)]
    assert len(set(boundary)) >= 3, "the boundary's data changes while playing"
    assert samples[-1][0]["updates"] - samples[0][0]["updates"] >= 5, "charts update in place while playing"

    # a zoom set on the loss curve survives 5 s of updates
    page.evaluate(f"() => Plotly.relayout(document.querySelectorAll('.pg-chart')[{loss_chart}], "
                  "{'xaxis.range': [1, 5]})")
    before = _charts(page)[loss_chart]["updates"]
    page.wait_for_timeout(5000)
    assert _charts(page)[loss_chart]["updates"] > before, "the loss curve kept updating"
    kept = page.evaluate(f"() => document.querySelectorAll('.pg-chart')[{loss_chart}]._fullLayout.xaxis.range")
    assert kept == [1, 5], f"the zoom survived the updates (got {kept})"

    pause(page)
    page.wait_for_timeout(1000)
    after = _charts(page)
    assert all(_same_box(c["box"], b) for c, b in zip(after, paused)), "paused again: same boxes"
    assert all(c["mounts"] == 1 for c in after), "Pause did not remount a chart"


def _heatmap_index(charts: list[dict]) -> int:
    return next(i for i, c in enumerate(charts) if c["z"])


def test_home_plays_on_live_charts(app_url, page):
    open_lab(page, app_url, "home")
    _play_and_sample(page, 2, loss_chart=1)


def test_playground_plays_on_live_charts_and_a_clicked_weight_opens(app_url, page):
    open_lab(page, app_url, "playground")
    _play_and_sample(page, 4, loss_chart=2)
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
