"""The headless command line on the same engine as the app: `python -m playground COMMAND`.

Built in: `presets`, `config`, `train`. More commands are discovered in playground/commands/: each
module there defines `register(subparsers)` and sets `func` on its parser. Errors in a config or an
override exit with status 2 and one line naming the field; no traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import pkgutil
import sys
from pathlib import Path
from typing import Any

from playground.registry import ConfigError

DEFAULT_EPOCHS = 100


class CliError(Exception):
    """A usage error: printed as one line, exit status 2."""


def _cmd_presets(args: argparse.Namespace) -> int:
    from playground.presets import PRESETS

    width = max(len(k) for k in PRESETS)
    for e in PRESETS.entries():
        print(f"{e.key:<{width}}  [{e.meta['lab']}] {e.label}: {e.description}")
    return 0


def load_config(preset: str | None, config: str | None, overrides: list[str]):
    """The config named by --preset or --config, with --set overrides applied (validated)."""
    from playground.config import ExperimentConfig, from_json, parse_overrides, with_values
    from playground.presets import get_preset

    if preset and config:
        raise CliError("give --preset or --config, not both")
    if config:
        try:
            cfg = from_json(Path(config).read_text())
        except OSError as err:
            raise CliError(f"cannot read {config}: {err.strerror}") from None
    else:
        cfg = get_preset(preset) if preset else ExperimentConfig()
    return with_values(cfg, parse_overrides(overrides)) if overrides else cfg


def _cmd_config(args: argparse.Namespace) -> int:
    from playground.config import to_json

    print(to_json(load_config(args.preset, args.config, args.set)))
    return 0


def _finite(v: Any) -> Any:
    return None if isinstance(v, float) and not math.isfinite(v) else v


def train_summary(exp) -> dict[str, Any]:
    """The JSON the `train` command prints: counters, every split's loss and metric, status."""
    trainer = exp.trainer
    rec = trainer.history.last()
    out: dict[str, Any] = {"preset_lab": exp.cfg.lab, "steps": trainer.steps, "epochs": trainer.epoch,
                           "status": trainer.status, "diverged": trainer.status == "diverged",
                           "train_seconds": round(trainer.train_seconds, 4)}
    out.update({k: _finite(v) for k, v in rec.items() if k not in ("epoch", "step", "seconds", "grad_norms")})
    if trainer.message:
        out["message"] = trainer.message
    return out


def _cmd_train(args: argparse.Namespace) -> int:
    import torch

    from playground.experiment import build

    torch.set_num_threads(args.threads)
    cfg = load_config(args.preset, args.config, args.set)
    if args.data:
        from playground.data import tabular

        cfg = tabular.csv_experiment_config(args.data, args.target, cfg)
    exp = build(cfg)
    if args.steps:
        exp.trainer.step(args.steps)
    else:
        exp.trainer.run_epochs(args.epochs or cfg.train.max_epochs or DEFAULT_EPOCHS)
    summary = train_summary(exp)
    if args.export:
        from playground import export

        summary["exported"] = [str(p) for p in export.export_all(exp, Path(args.export))]
    if args.json:
        print(json.dumps(summary))
    else:
        for k, v in summary.items():
            print(f"{k:>16}: {v}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m playground", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("presets", help="list presets, one line each")
    p.set_defaults(func=_cmd_presets)
    p = sub.add_parser("config", help="print a preset's full config as JSON")
    _source_args(p)
    p.set_defaults(func=_cmd_config)
    p = sub.add_parser("train", help="train headless and report metrics")
    _source_args(p)
    p.add_argument("--steps", type=int, help="optimizer steps to run")
    p.add_argument("--epochs", type=int, help="epochs to run (default: train.max_epochs, else 100)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    p.add_argument("--data", help="train on this CSV file (with --target)")
    p.add_argument("--target", help="the CSV's target column")
    p.add_argument("--export", help="write every export format of the finished run into this folder")
    p.set_defaults(func=_cmd_train)
    _discover(sub)
    return parser


def _source_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", help="a preset name (see `presets`)")
    p.add_argument("--config", help="a config JSON file")
    p.add_argument("--set", action="append", default=[], metavar="dotted.key=value", help="override a field")


def _discover(sub) -> None:
    import playground.commands as commands

    for info in pkgutil.iter_modules(commands.__path__):
        importlib.import_module(f"playground.commands.{info.name}").register(sub)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as err:
        print(f"error: {err.field}: {err.message}", file=sys.stderr)
    except CliError as err:
        print(f"error: {err}", file=sys.stderr)
    except BrokenPipeError:   # the reader left early (`... presets | head`): not an error, and no traceback
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())   # so the exit-time flush stays quiet
        return 0
    return 2
