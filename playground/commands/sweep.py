"""`python -m playground sweep`: an Optuna study over a preset or config file, headless.

    python -m playground sweep --preset tf_circle --param train.lr=log:1e-3:1 \
        --param train.optimizer=choice:sgd|adam --trials 20 [--workers 2] [--sampler tpe] [--storage URL] [--json]

--workers N runs the trials in N processes (Ray tasks when PLAYGROUND_RAY is set) on one study: exactly
--trials trials in all; running it again resumes the study (a larger --trials adds the difference).
Ctrl-C stops it between epochs (the trials in flight end as pruned), prints the summary and exits 130;
a second Ctrl-C interrupts at once. Other processes given the same --storage and --study join it.
Bad specs, and an --objective the task does not record, exit 2 with one line
naming the field before any trial. A study in which no trial completed (all failed: diverged or refused)
prints its summary, then says so on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys


def register(sub) -> None:
    from playground.cli import count

    p = sub.add_parser("sweep", help="hyperparameter study on Optuna (SQLite by default)")
    p.add_argument("--preset", help="a preset name (see `presets`)")
    p.add_argument("--config", help="a config JSON file")
    p.add_argument("--set", action="append", default=[], metavar="dotted.key=value", help="override a field")
    p.add_argument("--param", action="append", default=[], metavar="dotted.key=SPEC",
                   help="a swept setting: float:LO:HI, log:LO:HI, int:LO:HI or choice:A|B|C")
    p.add_argument("--trials", type=count(1), default=20, help="trials the study should hold (default 20)")
    p.add_argument("--epochs", type=count(0), default=0, help="epochs per trial (default 0: train.max_epochs, else 50)")
    p.add_argument("--workers", type=count(1, 256), default=1,
                   help="worker processes (Ray tasks with PLAYGROUND_RAY), one core each (default 1: this process)")
    p.add_argument("--sampler", default="tpe", help="tpe, random or grid")
    p.add_argument("--objective", default="", help="history column to optimise, e.g. val_accuracy (default val_loss)")
    p.add_argument("--no-prune", action="store_true", help="turn median pruning off")
    p.add_argument("--storage", help="Optuna storage: an SQLAlchemy URL or journal:///FILE "
                                           "(default journal:///<data dir>/sweeps.journal)")
    p.add_argument("--study", help="study name (default: preset name + swept keys)")
    p.add_argument("--seed", type=count(0, 2**32 - 1), default=None,
                   help="sampler seed (default: unseeded, so workers differ)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import torch

    from playground.cli import CliError, load_config
    from playground.config import to_query
    from playground.sweep_jobs import start
    from playground.sweeps import Sweep, best_config, parse_param, trials_table

    torch.set_num_threads(1)
    if not args.param:
        raise CliError("give at least one --param dotted.key=SPEC")
    base = load_config(args.preset, args.config, args.set)
    params = tuple(parse_param(item, base) for item in args.param)
    sweep = Sweep(base, params, sampler=args.sampler, epochs=args.epochs, objective=args.objective,
                  prune=not args.no_prune, seed=args.seed)
    name = args.study or f"{args.preset or 'config'}:" + ",".join(p.key for p in params)
    job = start(sweep, args.trials, args.storage, name, args.workers, "thread" if args.workers == 1 else None)
    job.wait(progress=None if args.json else lambda p: print(p.text(), file=sys.stderr))
    study = job.study
    rows = trials_table(study)
    out = {"study": name, "trials": len(rows), "objective": sweep.target, "direction": sweep.direction,
           "states": {s: sum(r["state"] == s for r in rows) for s in {r["state"] for r in rows}}}
    try:
        best = study.best_trial
        out.update(best_trial=best.number, best_value=best.value, best_params=best.params,
                   best_query=to_query(best_config(study)))
    except ValueError:
        out["best_trial"] = None
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>12}: {v}")
    if job.stopping:
        print(f"stopped at your request: run the same command again to resume study {name!r}", file=sys.stderr)
        return 130
    if out["best_trial"] is None:
        raise CliError(f"no trial of study {name!r} completed, so there is no best config: {_why(study.trials)}")
    return 0


def _why(trials) -> str:
    """Why the trials failed, in one line: refused configs (the first reason), divergence, pruning."""
    from playground.sweeps import run_info

    refused = [t.user_attrs["error"] for t in trials if "error" in t.user_attrs]
    diverged = sum(run_info(t).get("status") == "diverged" for t in trials)
    parts = [f"{len(refused)} refused (first: {refused[0]})"] if refused else []
    parts += [f"{diverged} diverged"] if diverged else []
    other = len(trials) - len(refused) - diverged
    parts += [f"{other} failed or were pruned otherwise"] if other else []
    return "; ".join(parts) or "the study has no trials"
