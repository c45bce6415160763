"""Real browser (issue 12, item 10): on the Transformers page, no attention-map head title overlaps the x tick
labels of the layer above it, and the answer strip puts target and prediction under the recall markers."""

from __future__ import annotations

import pytest

from tests.e2e.helpers import open_lab

BOXES = """() => {
  const box = e => { const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.right, r.top, r.bottom]; };
  const charts = [...document.querySelectorAll('.pg-chart')];     // the live charts (ui/chart.js)
  const grid = charts.find(c => [...c.querySelectorAll('g.annotation text')]
                                 .some(t => t.textContent.startsWith('layer 2')));
  if (!grid) return null;
  return {titles: [...grid.querySelectorAll('g.annotation text')].filter(t => t.textContent.startsWith('layer'))
                  .map(box),                                                   // the head titles
          ticks: [...grid.querySelectorAll('g')].filter(e => /^x\\d*tick$/.test(e.getAttribute('class') || ''))
                   .map(e => e.querySelector('text')).filter(Boolean).map(box)};   // xtick, x2tick, ...
}"""
GRID_DRAWN = ("() => [...document.querySelectorAll('g.annotation text')]"
              ".some(t => t.textContent.startsWith('layer 2'))")


def overlaps(page) -> tuple[list[tuple[str, str]], int, int]:
    """(head title, tick label) pairs whose boxes intersect; how many titles and tick labels were seen."""
    page.wait_for_function(GRID_DRAWN, timeout=120_000)
    page.wait_for_timeout(1000)
    g = page.evaluate(BOXES)
    hits = [(name, tick) for name, l1, r1, t1, b1 in g["titles"] for tick, l2, r2, t2, b2 in g["ticks"]
            if l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1]
    return hits, len(g["titles"]), len(g["ticks"])


@pytest.mark.e2e
def test_attention_head_titles_clear_the_tick_labels_above(page, app_url):
    open_lab(page, app_url, "playground")            # the root first: see test_sequences_e2e.open_lab_after_root
    open_lab(page, app_url, "transformers")
    hits, n_titles, n_ticks = overlaps(page)
    assert n_titles == 4 and n_ticks == 4 * 16       # 2 layers x 2 heads, 16 positions each
    assert hits == []
