"""The headless command line on the same engine as the app: `python -m playground COMMAND`.

Built in: `presets`, `config`, `train`. More commands are discovered in playground/commands/: each
module there defines `register(subparsers)` and sets `func` on its parser.

Every bad input exits with status 2 and one line naming the field or file, before any training: a bad
option value (argparse's own errors are one line here too), a config or override (ConfigError), a file
that is too large, unreadable, not UTF-8 or not parseable (`read_input` caps the bytes before they are
read), an `--export` folder that could not be written. Only those known input errors are caught; any
other exception is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import pkgutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playground.registry import ConfigError

DEFAULT_EPOCHS = 100


class CliError(Exception):
    """A usage error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (the default prints the whole usage first), exit 2."""

    def error(self, message: str):
        self.exit(2, f"error: {message} (see {self.prog} --help)\n")


def count(lo: int, hi: int | None = None):
    """An argparse type: a whole number in [lo, hi]; anything else is a one-line usage error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:   # also a number over Python's 4,300-digit int-string limit
            shown = text if len(text) <= 24 else text[:20] + "…"
            raise argparse.ArgumentTypeError(f"expected a whole number, got {shown!r}") from None
        if value < lo or (hi is not None and value > hi):
            raise argparse.ArgumentTypeError(f"must be {lo} to {hi}, got {value}" if hi is not None
                                             else f"must be at least {lo}, got {value}")
        return value
    return parse


@contextmanager
def reading(name: str) -> Iterator[None]:
    """An OSError of opening or reading `name` as one CliError naming it. The decoders turn their own input
    errors (not UTF-8, nested too deeply, too many digits, ragged rows) into ConfigErrors, and the size
    caps of `read_input` leave no MemoryError to catch; anything else is a bug and keeps its traceback."""
    try:
        yield
    except OSError as err:
        raise CliError(f"cannot read {name}: {err.strerror or type(err).__name__}") from None


def read_input(path: str, limit: int, what: str = "file") -> bytes:
    """The bytes of `path`, refused (CliError naming it) when over `limit` bytes; never reads more than
    limit + 1 bytes, so a huge file, a pipe or /dev/zero costs no memory."""
    with reading(path), open(path, "rb") as f:
        raw = f.read(limit + 1)
    if len(raw) > limit:
        raise CliError(f"{path}: the {what} is over the limit of {limit / 2**20:g} MiB")
    return raw


def _cmd_presets(args: argparse.Namespace) -> int:
    from playground.presets import PRESETS

    width = max(len(k) for k in PRESETS)
    for e in PRESETS.entries():
        print(f"{e.key:<{width}}  [{e.meta['lab']}] {e.label}: {e.description}")
    return 0


def load_config(preset: str | None, config: str | None, overrides: list[str]):
    """The config named by --preset or --config, with --set overrides applied (validated)."""
    from playground.config import MAX_CONFIG_BYTES, ExperimentConfig, from_json, parse_overrides, with_values
    from playground.presets import get_preset

    if preset and config:
        raise CliError("give --preset or --config, not both")
    if config:
        raw = read_input(config, MAX_CONFIG_BYTES, "config file")
        try:
            cfg = from_json(raw)
        except ConfigError as err:
            raise CliError(f"{config}: {err.field}: {err.message}") from None
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


def check_export_dir(path: str) -> Path:
    """`--export` checked before training, so a result is never trained and then lost: the folder must be
    new or empty and writable (proved by creating and removing a temporary file). Creates nothing."""
    p = Path(path)
    if p.is_dir():
        with reading(path):
            if any(p.iterdir()):
                raise CliError(f"--export {path}: the folder is not empty; name a new or empty folder "
                               "(nothing is overwritten)")
        where = p
    elif p.exists() or p.is_symlink():
        raise CliError(f"--export {path}: is a file, not a folder; name a new or empty folder")
    else:
        where = next(a for a in p.absolute().parents if a.exists() or a.is_symlink())
        if not where.is_dir():
            raise CliError(f"--export {path}: {where} is a file, so no folder can be made inside it")
    try:
        with tempfile.TemporaryFile(dir=where):
            pass
    except OSError as err:
        raise CliError(f"--export {path}: cannot write in {where} ({err.strerror or type(err).__name__})") from None
    return p


def _train(runs, steps: int | None, epochs: int) -> None:
    """`steps` optimizer steps, else `epochs` epochs, for the experiment or every run of its group
    (module-level: a Ray worker runs it)."""
    from playground.group import RunGroup

    for trainer in runs.trainers.values() if isinstance(runs, RunGroup) else [runs.trainer]:
        if steps:
            trainer.step(steps)
        else:
            trainer.run_epochs(epochs)


def headless_runs(exp):
    """What the lab of `exp` trains: its RunGroup when the lab names one (LABS meta `headless`), else `exp`."""
    from playground.labs import LABS

    target = LABS.entry(exp.cfg.lab).meta.get("headless") if exp.cfg.lab in LABS else ""
    if not target:
        return exp
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)(exp)


def _cmd_train(args: argparse.Namespace) -> int:
    import torch

    from playground.compute import backend, leader
    from playground.experiment import build

    export_dir = check_export_dir(args.export) if args.export else None
    torch.set_num_threads(args.threads)
    cfg = load_config(args.preset, args.config, args.set)
    if args.data:
        from playground.data import tabular

        try:
            cfg = tabular.csv_experiment_config(args.data, args.target, cfg)
        except ConfigError as err:   # say which file: the field alone (data.source) does not
            raise CliError(f"{args.data}: {err.field}: {err.message}") from None
    runs = headless_runs(build(cfg))
    playing = backend().play(runs)   # in this process, or on Ray when PLAYGROUND_RAY is set
    playing.call(_train, args.steps, args.epochs or cfg.train.max_epochs or DEFAULT_EPOCHS)
    runs = playing.stop()
    exp = leader(runs)
    summary = train_summary(exp)
    if runs is not exp:   # a lab that trains runs together: each one's summary too, by its label
        summary["runs"] = {label: train_summary(e) for label, e in runs.runs.items()}
    if export_dir is not None:
        from playground import export

        summary["exported"] = [str(p) for p in export.export_all(exp, export_dir)]
    if args.json:
        print(json.dumps(summary))
    else:
        for k, v in summary.items():
            print(f"{k:>16}: {v}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m playground", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("presets", help="list presets, one line each")
    p.set_defaults(func=_cmd_presets)
    p = sub.add_parser("config", help="print a preset's full config as JSON")
    _source_args(p)
    p.set_defaults(func=_cmd_config)
    p = sub.add_parser("train", help="train headless and report metrics")
    _source_args(p)
    p.add_argument("--steps", type=count(1), help="optimizer steps to run")
    p.add_argument("--epochs", type=count(1), help="epochs to run (default: train.max_epochs, else 100)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--threads", type=count(1, os.cpu_count() or 1), default=1,
                   help="torch intra-op threads (default 1; at most the machine's cores)")
    p.add_argument("--data", help="train on this CSV file (with --target)")
    p.add_argument("--target", help="the CSV's target column")
    p.add_argument("--export", help="write every export format of the finished run into this folder "
                                    "(new or empty; checked before training)")
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
    except OSError as err:   # the environment, not the input's content: a full disk, a vanished folder
        where = f"{err.filename}: " if err.filename else ""
        print(f"error: {where}{err.strerror or type(err).__name__}", file=sys.stderr)
    return 2
