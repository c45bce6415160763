"""Images lab benchmark: time to 97% test accuracy on digits with the default preset, and attribution latency.

1. Headless: the Trainer trains `digits_cnn` epoch by epoch (each epoch also evaluates every split, as in
   the app) until test accuracy reaches the target; seconds are the Trainer's own training clock.
2. Live: the app's loop without a browser: each tick trains for the live budget (ui/live.py BUDGET), then
   builds the Training view as it is drawn, playing or paused (the payload and its four live charts
   encoded as ui/chart.py sends them); wall-clock seconds.
   With --browser, also the real thing: `streamlit run app.py`, headless Chromium opens the Images lab,
   presses Play and polls the page's Test accuracy metric; seconds from the click.
3. Attribution latency: each image method on one test image of the trained CNN, after one warm-up call
   (Captum's first call is slow), median of --repeats runs. Goal: under 0.3 s for the fast methods.

    python bench/bench_images.py [--seeds 3] [--target 0.97] [--repeats 10] [--browser]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch
from plotly.utils import PlotlyJSONEncoder

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.config import with_values
from playground.experiment import build
from playground.explain import ATTRIBUTIONS, explain
from playground.payloads.images import images_payload
from playground.presets import get_preset
from playground.ui.live import BUDGET  # training seconds per live tick
from playground.views import images as views

MAX_EPOCHS = 300


def headless(seed: int, target: float) -> tuple[float, int, float]:
    """(training seconds, epochs, final test accuracy) to reach `target` test accuracy."""
    exp = build(with_values(get_preset("digits_cnn"), {"seed": seed, "train.max_epochs": 0}))
    acc = 0.0
    while exp.trainer.epoch < MAX_EPOCHS:
        acc = exp.trainer.run_epochs(1).record["test_accuracy"]
        if acc >= target:
            break
    return exp.trainer.train_seconds, exp.trainer.epoch, acc


def live(seed: int, target: float) -> tuple[float, int, int]:
    """(wall seconds, epochs, ticks) to reach `target` with the app's tick: train a slice, then draw."""
    exp = build(with_values(get_preset("digits_cnn"), {"seed": seed, "train.max_epochs": 0}))
    t0, ticks = time.perf_counter(), 0
    while exp.trainer.epoch < MAX_EPOCHS:
        snap = exp.trainer.train_for(BUDGET)
        p = images_payload(exp, views.LIVE_PARTS["Training"])   # what the Training view draws each tick
        for view in (views.curves_view, views.confusion_view, views.per_class_view, views.gallery_view):
            json.dumps(view(p), cls=PlotlyJSONEncoder)
        ticks += 1
        if snap.record.get("test_accuracy", 0) >= target:
            break
    return time.perf_counter() - t0, exp.trainer.epoch, ticks


def browser_live(target: float, timeout: float = 120.0) -> float | None:
    """Seconds from pressing Play in Chromium until the page shows `target` test accuracy (None: not reached)."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.conftest import CHROMIUM, FLAGS
    from tests.e2e.helpers import click_button, metric_value, open_page, serve_app, wait_idle

    with serve_app(wait=120) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(120_000)
        open_page(page, url)                                   # via the landing page (see tests/e2e)
        page.locator("[data-testid='stSidebarNav']").get_by_text("Images (CNN)").click()
        wait_idle(page)
        click_button(page, "Play")
        t0 = time.monotonic()
        try:
            while time.monotonic() - t0 < timeout:
                if float(metric_value(page, "Test accuracy")) >= target:
                    return time.monotonic() - t0
                page.wait_for_timeout(100)
        finally:
            browser.close()
    return None


def attribution_latency(repeats: int) -> list[tuple[str, bool, float]]:
    """(method, fast?, median seconds) for every image method on a trained digits CNN."""
    exp = build(get_preset("digits_cnn"))
    exp.trainer.run_epochs(20)
    x, y = exp.dataset.test.x[:1], int(exp.dataset.test.y[0])
    layer = exp.model.conv_layer_names()[-1]
    rows = []
    for method in views.image_methods():
        entry = ATTRIBUTIONS.entry(method)
        kw = {"layer": layer} if entry.meta.get("layer") else {}
        explain(exp.model, x, y, method=method, **kw)                        # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            explain(exp.model, x, y, method=method, **kw)
            times.append(time.perf_counter() - t0)
        rows.append((entry.label, bool(entry.meta.get("fast")), statistics.median(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--target", type=float, default=0.97)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--browser", action="store_true", help="also time the lab in headless Chromium")
    args = parser.parse_args()
    torch.set_num_threads(1)
    build(get_preset("digits_cnn"))                                          # imports and dataset load

    print(f"Digits, preset digits_cnn, target test accuracy {args.target:.0%} (goal: under 60 s)")
    head = [headless(s, args.target) for s in range(args.seeds)]
    for s, (secs, epochs, acc) in enumerate(head):
        print(f"  headless seed {s}: {secs:6.2f} s training, {epochs:3d} epochs, test accuracy {acc:.3f}")
    print(f"  headless median: {statistics.median(h[0] for h in head):.2f} s")
    lv = [live(s, args.target) for s in range(args.seeds)]
    for s, (secs, epochs, ticks) in enumerate(lv):
        print(f"  live seed {s}: {secs:6.2f} s wall clock, {epochs:3d} epochs, {ticks} ticks (train + draw)")
    print(f"  live median: {statistics.median(v[0] for v in lv):.2f} s (the app's loop, no browser)")
    if args.browser:
        secs = browser_live(args.target)
        print(f"  live in Chromium: {f'{secs:.2f} s from Play' if secs is not None else 'not reached in 120 s'}")

    print(f"\nAttribution latency, one 8x8 image, median of {args.repeats} (goal: under 0.3 s for fast methods)")
    for label, fast, secs in attribution_latency(args.repeats):
        verdict = ("ok" if secs < 0.3 else "SLOW") if fast else "(slow method)"
        print(f"  {label:<22} {secs * 1000:8.1f} ms  {verdict}")


if __name__ == "__main__":
    main()
