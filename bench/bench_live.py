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

    python bench/bench_live.py [--seconds 10] [--runs 1] [--compare HEAD~1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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


def report(label: str, r: dict, headless: float) -> None:
    names = ("network", "boundary", "curves", "gradients")
    print(f"  {label}")
    print("    updates seen in browser : " + ", ".join(f"{n} {u:.1f}/s" for n, u in zip(names, r["updates"]))
          + "   (goal >= 10)")
    print(f"    live / headless         : {r['steps'] / headless:6.2f}   ({r['steps']:,.0f} / {headless:,.0f} "
          "steps/s; goal >= 0.8)")
    print(f"    epochs/s                : {r['epochs']:6.1f}   ({r['epochs'] / TF_PLAYGROUND_EPOCHS:.2f}x TF "
          f"Playground's {TF_PLAYGROUND_EPOCHS}; goal >= 2x)")
    print(f"    bytes per update        : {r['bytes'] / 1000:6.1f} kB  (all charts + metrics, per boundary update)")
    print(f"    browser main thread busy: {r['busy']:6.0%}")


@contextmanager
def checkout(ref: str | None) -> Iterator[Path | None]:
    """A temporary git worktree of `ref` (None: nothing), removed after."""
    if ref is None:
        yield None
        return
    path = Path(tempfile.mkdtemp(prefix="bench-live-")) / "ref"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(path), ref], cwd=ROOT, check=True)
    try:
        (path / "static").mkdir(exist_ok=True)   # plotly.min.js is copied there on first import
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, check=False)


def main() -> None:
    from playwright.sync_api import sync_playwright

    from playground.ui.live import MIN_BUDGET
    from tests.e2e.conftest import CHROMIUM, FLAGS
    from tests.e2e.helpers import open_page, serve_app

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--compare", metavar="REF", help="also serve git REF (e.g. HEAD~1) and alternate the two, round "
                                                     "by round, printing this tree's figures as ratios of REF's")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = get_preset("tf_circle")
    with ExitStack() as stack:
        ref = stack.enter_context(checkout(args.compare))
        servers = {"this tree": stack.enter_context(serve_app(wait=90))}
        if ref is not None:
            servers[args.compare] = stack.enter_context(serve_app(wait=90, root=ref))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for run in range(args.runs):
            order = list(servers.items()) if run % 2 == 0 else list(servers.items())[::-1]   # alternate who goes first
            results, headless = {}, []
            for label, url in order:
                headless.append(headless_steps_per_second(cfg, args.seconds / 2, MIN_BUDGET))
                page = browser.new_page(viewport={"width": 1500, "height": 1100})
                open_page(page, url)                           # the root first, as a first visitor (tests/e2e)
                results[label] = live(page, url, cfg, args.seconds)
                page.close()
            headless.append(headless_steps_per_second(cfg, args.seconds / 2, MIN_BUDGET))
            base = sum(headless) / len(headless)               # measured around every live run: machine drift
            print(f"run {run + 1}, load average {os.getloadavg()[0]:.1f} (2 cores)")
            for label, r in results.items():
                report(label, r, base)
            if ref is not None:
                a, b = results["this tree"], results[args.compare]
                print(f"  this tree / {args.compare}: boundary updates {a['updates'][1] / b['updates'][1]:.2f}x, "
                      f"steps/s {a['steps'] / b['steps']:.2f}x, browser busy {a['busy'] / b['busy']:.2f}x")
        browser.close()


if __name__ == "__main__":
    main()
