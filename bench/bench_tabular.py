"""Benchmark of the Your data lab: the app's Trainer against the plain PyTorch loop of its own exported script,
and the cost of the things a person waits for (baselines, export, attributions, saving a run).

    python bench/bench_tabular.py [--epochs 200] [--repeat 3]

Prints one line per preset: steps/s of the Trainer and of the exported plain-PyTorch script (run in-process on
the same data, same seed), their ratio (1.0 = no overhead), and whether both ended at the same test metric;
then wall-clock seconds for baselines, export_all, Integrated Gradients on the test split and RunStore.save.
Run it on a quiet machine; nothing here is a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import runpy
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground import export, insights
from playground.baselines import fit_baselines
from playground.config import with_values
from playground.experiment import build
from playground.presets import PRESETS, get_preset
from playground.store import RunStore


def _plain(exp, folder: Path) -> tuple[float, dict]:
    export.export_all(exp, folder)
    out = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(folder / "train.py"), run_name="__main__")
    return time.perf_counter() - t0, json.loads(out.getvalue().strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(1)
    print(f"{'preset':<20} {'trainer steps/s':>16} {'plain steps/s':>14} {'ratio':>6}  same result")
    for key in PRESETS.keys(lab="tabular"):
        cfg = with_values(get_preset(key), {"train.max_epochs": args.epochs, "train.early_stopping": False,
                                            "model.dropout": 0.0})
        best_app, best_plain, same = 0.0, 0.0, True
        for _ in range(args.repeat):
            exp = build(cfg)
            t0 = time.perf_counter()
            exp.trainer.run_epochs(args.epochs)
            app_s = time.perf_counter() - t0
            fresh = build(cfg)
            fresh.trainer.epoch = args.epochs          # the script trains this many epochs from the seed
            with tempfile.TemporaryDirectory() as d:
                plain_s, result = _plain(fresh, Path(d))
            metric = next(k for k in result if k.startswith("test_") and k != "test_loss")
            same &= abs(result[metric] - exp.trainer.history.last()[metric]) < 1e-5
            best_app = max(best_app, exp.trainer.steps / app_s)
            best_plain = max(best_plain, exp.trainer.steps / plain_s)
        print(f"{key:<20} {best_app:>16,.0f} {best_plain:>14,.0f} {best_app / best_plain:>6.2f}  {same}")

    exp = build(get_preset("breast_cancer_mlp"))
    exp.trainer.run_epochs(20)
    timings = {}
    t0 = time.perf_counter()
    fit_baselines(exp.dataset)
    timings["fit 6 baselines (breast cancer)"] = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        export.export_all(exp, d)
        timings["export_all (7 files)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        RunStore(Path(d) / "store").save(exp)
        timings["RunStore.save"] = time.perf_counter() - t0
    sel = insights.select(exp.model, exp.dataset, "test")
    for method in ("integrated_gradients", "deeplift", "shapley_sampling"):
        t0 = time.perf_counter()
        insights.attribute(exp.model, exp.dataset, sel, method)
        timings[f"{method} on {len(sel.idx)} test rows"] = time.perf_counter() - t0
    for what, seconds in timings.items():
        print(f"{what:<45} {seconds:8.3f} s")


if __name__ == "__main__":
    main()
