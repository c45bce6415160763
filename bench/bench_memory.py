"""Estimated against measured peak memory: for the largest config each lab accepts under the default budget,
and a few presets, each measured in its own subprocess, so playground/budget.py's estimate stays honest.

    python bench/bench_memory.py [--repeats 2] [--steps 2] [--only images,transformers]

Measured peak (MB) = the child's peak resident set (VmHWM, reset through /proc/self/clear_refs after torch,
the playground and a warm-up run are loaded) minus its resident set at that moment, while it builds the
experiment (data, model, Trainer with its first evaluation), takes `steps` training steps, evaluates every
split again and, for 2-D data, computes the boundary grid at resolution 100 (and the MLP layer diagnosis).
torch's CPU allocator has no peak counter and tracemalloc does not see its memory, so the resident set is
the honest measure; it also counts glibc's arena slack and the data's numpy temporaries, which the
estimate leaves out. The machine's load average is printed: a loaded machine slows the run, not its memory.

`--child CONFIG_JSON` is the measuring subprocess (tests/test_budget.py uses it too); it prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from playground import budget  # noqa: E402
from playground.config import ConfigError, ExperimentConfig, to_json, with_values  # noqa: E402
from playground.presets import get_preset  # noqa: E402

# lab -> (fixed values at that lab's largest architecture, the knob grown until refused, its candidate values)
BATCHES = (16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 0)
LARGEST = {
    "playground": ({"data.name": "spiral", "data.n_samples": 20000, "model.hidden": (256,) * 4,
                    "model.activation": "relu", "train.optimizer": "adam"}, "train.batch_size", BATCHES),
    "images": ({"lab": "images", "data.name": "digits", "model.kind": "cnn", "model.cnn.channels": (32,) * 6,
                "model.cnn.kernel": 3, "model.cnn.padding": 1, "model.cnn.pool": "none",
                "model.batch_norm": True, "model.hidden": (128,), "model.activation": "relu",
                "train.optimizer": "adam"}, "train.batch_size", BATCHES),
    "sequences": ({"lab": "sequences", "data.name": "sine", "data.n_samples": 1000, "data.seq_len": 512,
                   "model.kind": "lstm", "model.rnn.hidden_size": 64, "model.rnn.layers": 1,
                   "train.optimizer": "adam"}, "train.batch_size", BATCHES),
    "transformers": ({"lab": "transformers", "data.name": "alice", "data.n_samples": 1000, "data.seq_len": 128,
                      "model.kind": "transformer", "model.transformer.d_model": 64, "model.transformer.heads": 8,
                      "model.transformer.layers": 2, "model.transformer.d_ff": 128, "model.transformer.causal": True,
                      "train.optimizer": "adam"}, "train.batch_size", BATCHES),
    "tabular": ({"lab": "tabular", "data.name": "breast_cancer", "model.hidden": (512,) * 8,
                 "train.optimizer": "adam"}, "train.batch_size", BATCHES),
}
PRESETS = ("digits_cnn_bn", "seq_alice_lstm", "transformer_alice", "checkerboard_deep")


def largest(values: dict, knob: str, candidates: tuple) -> tuple[object, ExperimentConfig] | None:
    """The last candidate (in order, growing) whose config passes the budget gate."""
    found = None
    for value in candidates:
        cfg = with_values(ExperimentConfig(), {**values, knob: value})
        try:
            budget.check(cfg)
        except ConfigError:
            break
        found = (value, cfg)
    return found


def measure(cfg: ExperimentConfig, steps: int = 1, timeout: float = 900) -> dict:
    """Run the child on `cfg` in a fresh interpreter; its JSON result (estimate_mb, measured_mb, ...)."""
    run = subprocess.run([sys.executable, __file__, "--child", to_json(cfg), "--steps", str(steps)],
                         capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if run.returncode != 0:
        raise RuntimeError(run.stderr[-2000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def _rss_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def child(cfg_json: str, steps: int) -> dict:
    import torch

    from playground.config import from_json
    from playground.diagnoses import diagnose
    from playground.experiment import build
    from playground.models.mlp import MLP
    from playground.probes import make_grid, output_on_grid

    torch.set_num_threads(1)
    cfg = from_json(cfg_json)

    def exercise(c: ExperimentConfig, n: int) -> None:
        exp = build(c)
        exp.trainer.step(n)
        exp.trainer._record_epoch()   # an epoch end's evaluation, with gradients and optimizer state alive
        if exp.dataset.extent is not None:
            output_on_grid(exp.model, exp.dataset, make_grid(exp.dataset.extent, 100))
            if isinstance(exp.model, MLP):
                diagnose(exp.model, exp.dataset, exp.trainer.history)

    exercise(get_preset("digits_cnn") if cfg.model.kind == "cnn" else get_preset("tf_circle"), 1)  # imports, caches
    est = budget.estimate(cfg, budget.plan_from_config(cfg))
    os.environ[budget.MEMORY_ENV] = os.environ[budget.FLOP_ENV] = "1e12"   # measure it even if over budget
    Path("/proc/self/clear_refs").write_text("5")   # reset the peak resident set (VmHWM) to the current one
    base = _rss_kb("VmRSS")
    t0 = time.perf_counter()
    exercise(cfg, steps)
    peak = _rss_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"estimate_mb": est.peak_mb, "measured_mb": (peak - base) / 1024, "seconds": time.perf_counter() - t0,
            "gflop_per_step": est.flops_per_step / 1e9,
            "parts_mb": {k: round(v / budget.MB, 1) for k, v in est.parts.items()}}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--child")
    p.add_argument("--steps", type=int, default=1)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--only", default="", help="comma-separated labs or presets")
    args = p.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.steps)))
        return
    print(f"budget: {budget.budget_mb():,.0f} MB, {budget.budget_gflop():g} GFLOP per step; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    cases = []
    for lab, (values, knob, candidates) in LARGEST.items():
        found = largest(values, knob, candidates)
        if found:
            cases.append((f"{lab} ({knob}={found[0]})", found[1]))
    cases += [(f"preset {key}", get_preset(key)) for key in PRESETS]
    only = [s for s in args.only.split(",") if s]
    print(f"{'config':<44}{'estimate MB':>12}{'measured MB':>16}{'ratio':>14}{'GFLOP/step':>11}{'load':>6}")
    for label, cfg in cases:
        if only and not any(o in label for o in only):
            continue
        runs = [measure(cfg, args.steps) for _ in range(args.repeats)]
        est, got = runs[0]["estimate_mb"], [r["measured_mb"] for r in runs]
        ratios = [est / max(g, 1e-9) for g in got]
        print(f"{label:<44}{est:>12.1f}{min(got):>8.1f}-{max(got):<7.1f}{min(ratios):>7.2f}-{max(ratios):<6.2f}"
              f"{runs[0]['gflop_per_step']:>11.2f}{os.getloadavg()[0]:>6.2f}", flush=True)


if __name__ == "__main__":
    main()
