"""The label-efficiency study of a transfer preset, printed as the README's table: test accuracy of each
strategy at 1, 5, 10, 50 and all labelled images per class, mean ± std and range over seeds.

    python bench/transfer_study.py [--preset transfer_digits] [--seeds 3] [--json out.json]

It trains what the lab's Label efficiency view trains (playground/transfer/efficiency.py), headless; not a
timing bench (it prints the wall time and the load average only so a reader knows the conditions).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch

from playground.presets import get_preset
from playground.transfer.efficiency import BUDGETS, budget_label, label_efficiency, summarize
from playground.transfer.strategies import STRATEGIES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="transfer_digits")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg, t0, load = get_preset(args.preset), time.perf_counter(), os.getloadavg()[0]
    rows = label_efficiency(cfg, list(STRATEGIES), BUDGETS, args.seeds,
                            progress=lambda d, t, w: print(f"\r{d}/{t} {w:<70}", end="", file=sys.stderr))
    print(file=sys.stderr)
    sums = summarize(rows)
    print(f"{args.preset}: test accuracy, mean ± std [min-max] over {args.seeds} seeds "
          f"({time.perf_counter() - t0:.0f} s, load {load:.1f} -> {os.getloadavg()[0]:.1f})")
    print("| strategy | " + " | ".join(f"{budget_label(b)} per class" for b in BUDGETS) + " |")
    print("|---" * (len(BUDGETS) + 1) + "|")
    for name in STRATEGIES:
        cells = {s.budget: s for s in sums if s.strategy == name}
        text = [f"{c.mean:.3f} ± {c.std:.3f} [{c.min:.2f}-{c.max:.2f}]" for c in (cells[b] for b in BUDGETS)]
        print(f"| {STRATEGIES.label(name)} | " + " | ".join(text) + " |")
    if args.json:
        Path(args.json).write_text(json.dumps([r.__dict__ for r in rows]))


if __name__ == "__main__":
    main()
