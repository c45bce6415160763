"""Live training in a real browser: steps/s while the 2-D lab plays in headless Chromium, against
the same Trainer headless, and chart updates per second, measured in one run.

Starts `streamlit run app.py` on a free port, opens the 2-D lab with TF Playground's circle preset
(network [4,2], batch 10), presses Play, reads the Epoch counter before and after --seconds of
training with the page left alone, then polls the counter for --seconds/2 to count updates.
Reference: TF Playground itself trains this task at 56 epochs/s (1,400 steps/s) in Chromium on this
machine (shared/DESIGN.md section 6).

    python bench/bench_live.py [--seconds 10]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from playground.cadence import LIVE_EVAL_SHARE  # noqa: E402
from playground.config import to_query  # noqa: E402
from playground.experiment import build  # noqa: E402
from playground.presets import get_preset  # noqa: E402

# The Epoch counter changes with every tick the page shows (a frame may not: once the model has converged
# it can come out byte-identical to the last one). Polled every 100 ms: faster than the ~4 updates/s it
# counts, and slow enough not to take much CPU from the server on a 2-core machine.
FRAME_JS = """() => document.querySelector('[data-testid=stMetricValue]')?.innerText || ''"""


def headless_steps_per_second(cfg, seconds: float) -> float:
    """The same Trainer work as the live loop (ticks of BUDGET at LIVE_EVAL_SHARE), with no page to draw."""
    from playground.ui.live import BUDGET

    exp = build(cfg)
    exp.trainer.eval_share = LIVE_EVAL_SHARE
    exp.trainer.train_for(0.3)  # warm up
    start_steps, t0 = exp.trainer.steps, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        exp.trainer.train_for(BUDGET)
    return (exp.trainer.steps - start_steps) / (time.perf_counter() - t0)


def live(cfg, seconds: float) -> tuple[float, float, float]:
    """(epochs/s, steps/s, frame updates/s) while playing in Chromium."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, FLAGS
    from tests.e2e.helpers import click_button, lab_path, metric_value, open_page, serve_app

    with serve_app(wait=60) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        open_page(page, url)                              # the root first, as a first visitor (tests/e2e)
        query = "&".join(f"{k}={v}" for k, v in to_query(cfg).items())
        open_page(page, url, lab_path("playground"), query)
        click_button(page, "Play")
        page.wait_for_timeout(1500)                       # first ticks: warm-up
        # 1. training speed, with the page left alone (as a person watching it would)
        e0, t0 = int(metric_value(page, "Epoch").replace(",", "")), time.monotonic()
        page.wait_for_timeout(seconds * 1000)
        e1, dt = int(metric_value(page, "Epoch").replace(",", "")), time.monotonic() - t0
        # 2. frame updates, polled separately: polling takes CPU from the server on a small machine
        frames, t1 = set(), time.monotonic()
        while time.monotonic() - t1 < seconds / 2:
            frames.add(page.evaluate(FRAME_JS))
            page.wait_for_timeout(100)
        updates = len(frames) / (time.monotonic() - t1)
        click_button(page, "Pause")
        browser.close()
    steps_per_epoch = len(build(cfg).dataset.train) // cfg.train.batch_size
    return (e1 - e0) / dt, (e1 - e0) * steps_per_epoch / dt, updates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = get_preset("tf_circle")
    before = headless_steps_per_second(cfg, args.seconds / 2)
    epochs, steps, updates = live(cfg, args.seconds)
    headless = (before + headless_steps_per_second(cfg, args.seconds / 2)) / 2   # before and after: machine drift
    print(f"headless trainer        : {headless:8,.0f} steps/s")
    print(f"live in Chromium        : {steps:8,.0f} steps/s ({epochs:.1f} epochs/s; TF Playground: 56 epochs/s)")
    print(f"live / headless         : {steps / headless:8.2f}   (goal >= 0.8)")
    print(f"view updates            : {updates:8.1f} per second (goal >= 4)")


if __name__ == "__main__":
    main()
