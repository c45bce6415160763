"""Live training in a real browser: what a person watching the 2-D lab gets, measured in one run.

Starts `streamlit run app.py` (PLAYGROUND_E2E_PORT or a free port), opens the 2-D lab with TF
Playground's circle preset (network [4,2], batch 10) in headless Chromium at 1500x1100, presses Play,
and over --seconds with the page left alone reads:
- epochs/s and steps/s from the Epoch counter, against the same Trainer headless (ticks of the live
  loop's budget at LIVE_EVAL_SHARE, measured before and after, averaged) and against TF Playground's
  56 epochs/s on this task in Chromium on this machine (shared/DESIGN.md section 6);
- updates/s seen in the browser: in-place redraws each live chart finished (ui/chart.js counts them);
- bytes per update: websocket bytes received / boundary updates;
- the browser main thread's busy share: CDP Performance.getMetrics TaskDuration over wall time.
The load average is printed with the figures: the machine is shared, so run it several times.

    python bench/bench_live.py [--seconds 10] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
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

TF_PLAYGROUND_EPOCHS = 56   # epochs/s, TF Playground's circle default in headless Chromium here
UPDATES_JS = "() => [...document.querySelectorAll('.pg-chart')].map(d => +(d.dataset.updates || 0))"


def headless_steps_per_second(cfg, seconds: float, tick: float) -> float:
    """The same Trainer work as the live loop (ticks of `tick` seconds at LIVE_EVAL_SHARE), nothing drawn."""
    exp = build(cfg)
    exp.trainer.eval_share = LIVE_EVAL_SHARE
    exp.trainer.train_for(0.3)  # warm up
    start_steps, t0 = exp.trainer.steps, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        exp.trainer.train_for(tick)
    return (exp.trainer.steps - start_steps) / (time.perf_counter() - t0)


def live(page, url: str, cfg, seconds: float) -> dict:
    """Play the 2-D lab for `seconds` with the page left alone; what the browser saw."""
    from tests.e2e.helpers import click_button, lab_path, metric_value, open_page, pause, poll

    received = [0]
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.__setitem__(0, received[0] + len(p))))
    query = "&".join(f"{k}={v}" for k, v in to_query(cfg).items())
    open_page(page, url, lab_path("playground"), query)
    poll(lambda: len(page.evaluate(UPDATES_JS)) == 4 and min(page.evaluate(UPDATES_JS)) > 0, timeout=60)
    cdp = page.context.new_cdp_session(page)
    cdp.send("Performance.enable")
    click_button(page, "Play")
    page.wait_for_timeout(2000)                        # first ticks: warm-up
    epoch = lambda: int(metric_value(page, "Epoch").replace(",", ""))   # noqa: E731
    task = lambda: next(m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]   # noqa: E731
                        if m["name"] == "TaskDuration")
    e0, u0, b0, k0, t0 = epoch(), page.evaluate(UPDATES_JS), received[0], task(), time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    e1, u1, b1, k1, dt = epoch(), page.evaluate(UPDATES_JS), received[0], task(), time.monotonic() - t0
    pause(page)
    updates = [(b - a) / dt for a, b in zip(u0, u1)]
    steps_per_epoch = len(build(cfg).dataset.train) // cfg.train.batch_size
    return dict(epochs=(e1 - e0) / dt, steps=(e1 - e0) * steps_per_epoch / dt, updates=updates,
                bytes=(b1 - b0) / max(u1[1] - u0[1], 1), busy=(k1 - k0) / dt)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from playground.ui.live import MIN_BUDGET
    from tests.e2e.conftest import CHROMIUM, FLAGS
    from tests.e2e.helpers import open_page, serve_app

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--runs", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = get_preset("tf_circle")
    with serve_app(wait=90) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for run in range(args.runs):
            before = headless_steps_per_second(cfg, args.seconds / 2, MIN_BUDGET)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            open_page(page, url)                           # the root first, as a first visitor (tests/e2e)
            r = live(page, url, cfg, args.seconds)
            page.close()
            headless = (before + headless_steps_per_second(cfg, args.seconds / 2, MIN_BUDGET)) / 2   # machine drift
            names = ("network", "boundary", "curves", "gradients")
            print(f"run {run + 1}, load average {os.getloadavg()[0]:.1f} (2 cores)")
            print("  updates seen in browser : " + ", ".join(f"{n} {u:.1f}/s" for n, u in zip(names, r["updates"]))
                  + "   (goal >= 10)")
            print(f"  live / headless         : {r['steps'] / headless:6.2f}   ({r['steps']:,.0f} / {headless:,.0f} "
                  "steps/s; goal >= 0.8)")
            print(f"  epochs/s                : {r['epochs']:6.1f}   ({r['epochs'] / TF_PLAYGROUND_EPOCHS:.2f}x TF "
                  f"Playground's {TF_PLAYGROUND_EPOCHS}; goal >= 2x)")
            print(f"  bytes per update        : {r['bytes'] / 1000:6.1f} kB  (all four charts and the metrics)")
            print(f"  browser main thread busy: {r['busy']:6.0%}")
        browser.close()


if __name__ == "__main__":
    main()
