"""Steps per second of each sequence model family in the playground's Trainer against a plain PyTorch loop
on the same model, data, batch size and optimizer, printed as ratios measured in one run.

    python bench/bench_models.py [--steps 300] [--repeats 3]

The Trainer's number includes everything it does per step (finiteness check, epoch bookkeeping and the
end-of-epoch evaluation of every split); the plain loop only steps. Goal: ratio >= 0.95.
Run it on a quiet machine; it is not a test.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playground.experiment import build
from playground.presets import get_preset
from playground.training import make_loss, make_optimizer

CASES = [("RNN", "seq_adding_race_rnn"), ("LSTM", "seq_adding_race_lstm"), ("GRU", "seq_parity_gru"),
         ("LSTM char model", "seq_alice_lstm"), ("Transformer encoder", "transformer_reverse"),
         ("Transformer decoder", "transformer_alice")]


def plain_loop(model: torch.nn.Module, exp, steps: int) -> float:
    """Seconds for `steps` optimizer steps of a textbook loop: shuffle, slice, forward, loss, backward, step."""
    cfg, train = exp.cfg.train, exp.dataset.train
    opt = make_optimizer(cfg, model)
    loss_fn = make_loss(cfg.loss, exp.dataset.task)
    bs, n = cfg.batch_size or len(train), len(train)
    gen = torch.Generator().manual_seed(0)
    model.train()
    done = 0
    t0 = time.perf_counter()
    while done < steps:
        perm = torch.randperm(n, generator=gen)
        for i in range(0, n - bs + 1, bs):
            idx = perm[i:i + bs]
            loss = loss_fn(model(train.x[idx]), train.y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            done += 1
            if done == steps:
                break
    return time.perf_counter() - t0


def trainer_loop(exp, steps: int) -> float:
    t0 = time.perf_counter()
    exp.trainer.step(steps)
    return time.perf_counter() - t0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(1)
    print(f"{'model':<22}{'trainer steps/s':>16}{'plain steps/s':>15}{'ratio':>8}")
    for label, key in CASES:
        exp = build(get_preset(key))
        initial = copy.deepcopy(exp.model.state_dict())
        best_t, best_p = float("inf"), float("inf")
        for _ in range(args.repeats):   # interleaved, best of n: robust to a noisy neighbour
            exp = build(get_preset(key))
            best_t = min(best_t, trainer_loop(exp, args.steps))
            model = copy.deepcopy(exp.model)
            model.load_state_dict(initial)
            best_p = min(best_p, plain_loop(model, exp, args.steps))
        print(f"{label:<22}{args.steps / best_t:>16.1f}{args.steps / best_p:>15.1f}{best_p / best_t:>8.2f}")


if __name__ == "__main__":
    main()
