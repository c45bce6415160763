"""Live training in a real browser, lab by lab: what a person watching gets, measured in one run.

Starts `streamlit run app.py` (PLAYGROUND_E2E_PORT or a free port) and, for each lab asked for (default:
every lab that plays), opens it on its default preset in headless Chromium at 1500x1100, presses Play,
and over --seconds with the page left alone reads:
- updates/s seen in the browser per live chart: in-place redraws (ui/chart.js counts them, played-back
  states included); the lab's figure is its fastest chart (goal >= 10 on the 2-D lab, >= 5 elsewhere);
- live / headless steps/s: steps from the Epoch counter (every run of a group: they move in lockstep)
  against the same Trainer or RunGroup headless, in the live loop's ticks at LIVE_EVAL_SHARE, measured
  before and after the live run and averaged (machine drift);
- for labs that train several runs together: the group's total steps/s headless against the same runs
  each trained alone for the same time (the cost of lockstep);
- on the 2-D lab, epochs/s against TF Playground's 56 epochs/s on the same task in Chromium here;
- bytes per update: websocket bytes received / updates of the fastest chart;
- the browser main thread's busy share: CDP Performance.getMetrics TaskDuration over wall time.
The load average is printed with the figures: the machine is shared, so run it several times.

    python bench/bench_live.py [--seconds 10] [--runs 1] [--lab playground ...] [--compare HEAD~1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from playground.cadence import LIVE_EVAL_SHARE  # noqa: E402
from playground.config import to_query, with_values  # noqa: E402
from playground.experiment import Experiment, build  # noqa: E402
from playground.group import RunGroup  # noqa: E402
from playground.presets import get_preset  # noqa: E402

TF_PLAYGROUND_EPOCHS = 56   # epochs/s, TF Playground's circle default in headless Chromium here
UPDATES_JS = "() => [...document.querySelectorAll('.pg-chart')].map(d => +(d.dataset.updates || 0))"


@dataclass(frozen=True)
class Lab:
    key: str                                   # the lab (playground/labs.py)
    preset: str                                # the preset its page opens on
    tab: str = ""                              # a tab to open first (the Optimizers network race)
    group: Callable[[Experiment], RunGroup] | None = None   # what the page trains with the leader, if several runs


def _race(exp: Experiment) -> RunGroup:
    from playground.views.optim import network_variants  # the page's defaults: you against SGD and Adam
    return RunGroup.variants(exp, network_variants("optimizers", ["sgd", "adam"], exp.cfg.train))


def _twins(exp: Experiment) -> RunGroup:
    from playground.views.clinic import twin_overrides  # the page's default twin: L2 0.01
    return RunGroup.variants(exp, {"regularized": twin_overrides(l2=0.01)})


LABS = {lab.key: lab for lab in (
    Lab("playground", "tf_circle"), Lab("home", "tf_circle"), Lab("images", "digits_cnn"),
    Lab("sequences", "seq_adding_race_lstm"), Lab("transformers", "transformer_reverse"),
    Lab("optimizers", "opt_moons", tab="A real network", group=_race),
    Lab("regularization", "reg_overfit", group=_twins), Lab("tabular", "iris_mlp"))}


ENDLESS = {"train.max_epochs": 0}   # no epoch limit, so a run plays through the whole measurement


def config(lab: Lab):
    return with_values(get_preset(lab.preset), ENDLESS)


def owner(lab: Lab, exp: Experiment):
    return exp.trainer if lab.group is None else lab.group(exp)


def steps_per_epoch(lab: Lab) -> int:
    """Optimizer steps one epoch takes, summed over the runs the lab trains together."""
    runs = owner(lab, build(config(lab)))
    runs.run_epochs(1)
    return runs.steps


def headless_steps_per_second(lab: Lab, seconds: float, tick: float) -> float:
    """The same training as the live loop (ticks of `tick` seconds at LIVE_EVAL_SHARE), nothing drawn."""
    runs = owner(lab, build(config(lab)))
    runs.eval_share = LIVE_EVAL_SHARE
    runs.train_for(0.3)  # warm up
    start_steps, t0 = runs.steps, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        runs.train_for(tick)
    return (runs.steps - start_steps) / (time.perf_counter() - t0)


def alone_steps_per_second(lab: Lab, seconds: float, tick: float) -> float:
    """The group's runs each trained alone for an equal share of `seconds`: their total steps per second."""
    group = lab.group(build(config(lab)))
    steps = 0
    for trainer in group.trainers.values():
        trainer.eval_share = LIVE_EVAL_SHARE
        trainer.train_for(0.3)
        s0, t0 = trainer.steps, time.perf_counter()
        while time.perf_counter() - t0 < seconds / len(group.trainers):
            trainer.train_for(tick)
        steps += trainer.steps - s0
    return steps / seconds


def settle(page, timeout: float = 90) -> int:
    """Wait until the page's live charts are all drawn and their number has held for 2 s; return it."""
    from tests.e2e.helpers import poll

    seen = {"n": -1, "since": time.monotonic()}

    def stable() -> bool:
        ups = page.evaluate(UPDATES_JS)
        if len(ups) != seen["n"]:
            seen.update(n=len(ups), since=time.monotonic())
        return bool(ups) and min(ups) > 0 and time.monotonic() - seen["since"] > 2

    poll(stable, timeout=timeout)
    return seen["n"]


def live(page, url: str, lab: Lab, seconds: float) -> dict:
    """Play `lab` for `seconds` with the page left alone; what the browser saw."""
    from tests.e2e.helpers import click_button, lab_path, metric_value, open_page, pause

    received = [0]
    page.on("websocket", lambda ws: ws.on("framereceived", lambda p: received.__setitem__(0, received[0] + len(p))))
    open_page(page, url, lab_path(lab.key), "&".join(f"{k}={v}" for k, v in to_query(config(lab)).items()))
    if lab.tab:
        page.get_by_role("tab", name=lab.tab).click()
    settle(page)
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
    fastest = max(range(len(updates)), key=updates.__getitem__)
    return dict(epochs=(e1 - e0) / dt, steps=(e1 - e0) * steps_per_epoch(lab) / dt, updates=updates,
                fastest=fastest, bytes=(b1 - b0) / max(u1[fastest] - u0[fastest], 1), busy=(k1 - k0) / dt)


def report(label: str, lab: Lab, r: dict, headless: float) -> None:
    goal = 10 if lab.key == "playground" else 5
    print(f"  {label}")
    print(f"    updates seen in browser : fastest {r['updates'][r['fastest']]:.1f}/s (goal >= {goal}); every chart "
          + " ".join(f"{u:.1f}" for u in r["updates"]))
    print(f"    live / headless         : {r['steps'] / headless:6.2f}   ({r['steps']:,.0f} / {headless:,.0f} "
          "steps/s; goal >= 0.8)")
    if lab.key == "playground":
        print(f"    epochs/s                : {r['epochs']:6.1f}   ({r['epochs'] / TF_PLAYGROUND_EPOCHS:.2f}x TF "
              f"Playground's {TF_PLAYGROUND_EPOCHS}; goal >= 2x)")
    print(f"    bytes per update        : {r['bytes'] / 1000:6.1f} kB  (websocket, per update of the fastest chart)")
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

    from playground.ui.live import BUDGET, FRAME_SECONDS, FRAMES
    from tests.e2e.conftest import CHROMIUM, FLAGS
    from tests.e2e.helpers import open_page, serve_app

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--lab", nargs="*", choices=list(LABS), default=list(LABS))
    ap.add_argument("--compare", metavar="REF", help="also serve git REF (e.g. HEAD~1) and alternate the two, round "
                                                     "by round, printing this tree's figures as ratios of REF's")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with ExitStack() as stack:
        ref = stack.enter_context(checkout(args.compare))
        servers = {"this tree": stack.enter_context(serve_app(wait=90))}
        if ref is not None:
            servers[args.compare] = stack.enter_context(serve_app(wait=90, root=ref))
        pw = stack.enter_context(sync_playwright())
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for run in range(args.runs):
            for lab in map(LABS.get, args.lab):
                tick = FRAMES * FRAME_SECONDS if lab.key in ("playground", "home") else BUDGET   # as the page ticks
                order = list(servers.items()) if run % 2 == 0 else list(servers.items())[::-1]   # alternate
                results, headless = {}, []
                for label, url in order:
                    headless.append(headless_steps_per_second(lab, args.seconds / 2, tick))
                    page = browser.new_page(viewport={"width": 1500, "height": 1100})
                    open_page(page, url)                           # the root first, as a first visitor (tests/e2e)
                    results[label] = live(page, url, lab, args.seconds)
                    page.close()
                headless.append(headless_steps_per_second(lab, args.seconds / 2, tick))
                base = sum(headless) / len(headless)
                print(f"run {run + 1}, {lab.key}, load average {os.getloadavg()[0]:.1f} (2 cores)")
                for label, r in results.items():
                    report(label, lab, r, base)
                if lab.group is not None:
                    alone = alone_steps_per_second(lab, args.seconds / 2, tick)
                    print(f"    group / runs alone      : {headless[-1] / alone:6.2f}   ({headless[-1]:,.0f} / "
                          f"{alone:,.0f} steps/s headless, all runs)")
                if ref is not None:
                    a, b = results["this tree"], results[args.compare]
                    print(f"  this tree / {args.compare}: fastest chart's updates "
                          f"{a['updates'][a['fastest']] / b['updates'][b['fastest']]:.2f}x, "
                          f"steps/s {a['steps'] / b['steps']:.2f}x, browser busy {a['busy'] / b['busy']:.2f}x")
        browser.close()


if __name__ == "__main__":
    main()
