"""Steps per second of each sequence model family in the playground's Trainer against a plain PyTorch loop
on the same model, data, batch size and optimizer, printed as ratios measured in one run.

    python bench/bench_models.py [--steps 300] [--repeats 3]

The Trainer's number includes everything it does per step (finiteness check, epoch bookkeeping and the
end-of-epoch evaluation of every split). Two references (bench/loops.py): the bare loop only steps; the
textbook loop also evaluates validation and test at each epoch end. Goal: ratio >= 0.95.
Run it on a quiet machine; it is not a test.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loops import measure
from playground.presets import get_preset

CASES = [("RNN", "seq_adding_race_rnn"), ("LSTM", "seq_adding_race_lstm"), ("GRU", "seq_parity_gru"),
         ("LSTM char model", "seq_alice_lstm"), ("Transformer encoder", "transformer_reverse"),
         ("Transformer decoder", "transformer_alice")]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(1)
    print(f"{'model':<22}{'bare':>8}{'textbook':>10}{'trainer':>9}{'/bare':>8}{'/textbook':>10}   steps/s")
    for label, key in CASES:
        b, t, r = measure(get_preset(key), args.steps, args.repeats, reduce=max)   # best of n: robust to noise
        print(f"{label:<22}{b:>8.1f}{t:>10.1f}{r:>9.1f}{r / b:>8.2f}{r / t:>10.2f}")


if __name__ == "__main__":
    main()
