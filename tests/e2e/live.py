"""The live-chart checks every lab that plays shares (issue 14/15): sample each chart while playing and
check it is drawn, mounted once, keeps its box between playing and paused, and that its data changes.

`play_and_sample(page, n)` presses Play on an opened lab with `n` live charts (ui/chart.js's `.pg-chart`
divs), samples them every 250 ms for `seconds`, asserts the above and returns the samples; `zoom_chart`
also checks that a zoom set on that chart survives 5 s of updates. Pauses at the end.
"""

from __future__ import annotations

from tests.e2e.helpers import click_button, open_lab, pause, poll

ENDLESS = "train.max_epochs=0"   # no epoch limit: the run keeps playing through the samples

# per chart: its box, mounts/updates/errors counted by chart.js, whether it is drawn, and a signature of its
# data (the layout images' sources, and a sum over each trace's z or y as Plotly decoded them: _fullData, where
# typed arrays are arrays) that changes when the data does
CHARTS = """() => [...document.querySelectorAll('.pg-chart')].map(d => {
    const r = d.getBoundingClientRect();
    const sum = (a) => {   // weighted by position: a confusion matrix's or attention row's plain sum never changes
        let s = 0, n = 0;
        for (const v of (a && typeof a !== 'string' && a.length !== undefined ? a : [])) {
            if (n++ > 5000) break;
            s += n * ((v && typeof v !== 'string' && v.length !== undefined) ? sum(v) : (+v || 0));
        }
        return s;
    };
    const img = (d.layout && d.layout.images || []).map(i => (i.source || '').length + (i.source || '').slice(-64));
    return {box: [r.x, r.y, r.width, r.height], mounts: +(d.dataset.mounts || 0), updates: +(d.dataset.updates || 0),
            errors: +(d.dataset.errors || 0), drawn: !!d.querySelector('.main-svg') && r.width > 50 && r.height > 50,
            traces: (d._fullData || []).length,
            sig: img.join('|') + '#' + (d._fullData || []).map(t => sum(t.z || t.y).toFixed(6)).join(',')};
})"""


def open_endless(page, app_url: str, lab: str, tab: str = "") -> None:
    """Open `lab` (and its `tab`) from a link with no epoch limit, then Play and Pause once: Play clears the
    link's notice, which would otherwise vanish during the sampling and move every chart up."""
    open_lab(page, app_url, lab, f"lab={lab}&{ENDLESS}")
    if tab:
        page.get_by_role("tab", name=tab).click()
    click_button(page, "Play")
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    pause(page)
    page.wait_for_timeout(1000)   # let the paused page settle before its boxes are measured


def charts(page) -> list[dict]:
    return page.evaluate(CHARTS)


def ready(page, n: int) -> bool:
    found = charts(page)
    return len(found) == n and all(c["drawn"] for c in found)


def same_box(a: list[float], b: list[float]) -> bool:
    return all(abs(x - y) <= 2 for x, y in zip(a, b))


def play_and_sample(page, n: int, *, zoom_chart: int | None = None, changing: tuple[int, ...] = (0,),
                    seconds: float = 7, timeout: float = 60) -> list[list[dict]]:
    """Play, sample every 250 ms for `seconds`: no blank, broken or remounted chart, every box within 2 px
    of the paused one, the data of the charts in `changing` different in at least 3 samples; then Pause
    and check the boxes again."""
    assert poll(lambda: ready(page, n), timeout=timeout), f"all {n} live charts are drawn (found {len(charts(page))})"
    paused = [c["box"] for c in charts(page)]
    click_button(page, "Play")
    assert poll(lambda: len(c := charts(page)) == n and c[changing[0]]["updates"] >= 3, timeout=timeout), \
        "updates arrive while playing"
    samples = []
    for _ in range(int(seconds * 4)):             # every 250 ms
        samples.append(charts(page))
        page.wait_for_timeout(250)
    for i, s in enumerate(samples):
        assert len(s) == n and all(c["drawn"] and c["traces"] and not c["errors"] for c in s), \
            f"sample {i}: a chart blank or broken: {[{k: c[k] for k in ('drawn', 'traces', 'errors')} for c in s]}"
        assert all(c["mounts"] == 1 for c in s), f"sample {i}: a chart was mounted again"
        moved = [(k, c["box"], b) for k, (c, b) in enumerate(zip(s, paused)) if not same_box(c["box"], b)]
        assert not moved, f"sample {i}: a chart moved or resized (chart, box, paused box): {moved}"
    for k in changing:
        assert len({s[k]["sig"] for s in samples}) >= 3, f"chart {k}'s data changes while playing"
        assert samples[-1][k]["updates"] - samples[0][k]["updates"] >= 5, f"chart {k} updates in place"
    if zoom_chart is not None:
        _zoom_survives(page, zoom_chart)
    pause(page)
    page.wait_for_timeout(1000)
    after = charts(page)
    assert all(same_box(c["box"], b) for c, b in zip(after, paused)), "paused again: same boxes"
    assert all(c["mounts"] == 1 for c in after), "Pause did not remount a chart"
    return samples


def _zoom_survives(page, k: int) -> None:
    """A zoom set on chart k survives 5 s of updates."""
    page.evaluate(f"() => Plotly.relayout(document.querySelectorAll('.pg-chart')[{k}], {{'xaxis.range': [1, 5]}})")
    before = charts(page)[k]["updates"]
    page.wait_for_timeout(5000)
    assert charts(page)[k]["updates"] > before, f"chart {k} kept updating"
    kept = page.evaluate(f"() => document.querySelectorAll('.pg-chart')[{k}]._fullLayout.xaxis.range")
    assert kept == [1, 5], f"the zoom survived the updates (got {kept})"
