"""`python -m playground pretrain`: train the shipped backbones from their recipes (models/backbones.py PRETRAIN).

    python -m playground pretrain                       # every backbone, into playground/data/assets/backbones/
    python -m playground pretrain digits_0_4 --out DIR  # one, elsewhere
    python -m playground pretrain --check               # retrain; exit 1 if a split's accuracy moved over TOLERANCE

Each recipe trains through the normal build()/Trainer, on one torch thread and its seed, then writes NAME.pt
(the convs.* state dict) and NAME.json (the config, loss and accuracy of every split, the .pt's sha256, the torch
version, the seconds it took). Retraining is not bit-identical across CPUs and torch builds, hence the tolerance
of `--check`. It does not touch the run history.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path
from typing import Any

TOLERANCE = 0.03      # --check: largest allowed change of any split's accuracy (absolute, 0-1)
SPLITS = ("train", "val", "test")


def register(sub) -> None:
    p = sub.add_parser("pretrain", help="train the shipped backbones (or check that they reproduce)")
    p.add_argument("names", nargs="*", metavar="NAME", help="backbones to train (default: all)")
    p.add_argument("--out", default=None, help="folder to write NAME.pt and NAME.json (default: the shipped one)")
    p.add_argument("--check", action="store_true",
                   help=f"retrain and compare with the shipped metrics (within {TOLERANCE:g} accuracy); write nothing")
    p.set_defaults(func=run)


def pretrain(name: str) -> tuple[bytes, dict[str, Any]]:
    """Train backbone `name` from its recipe: (the .pt file's bytes, its JSON record)."""
    import torch

    from playground.config import to_dict
    from playground.experiment import build
    from playground.models.backbones import PREFIX, PRETRAIN, file_sha256

    spec = PRETRAIN[name]
    torch.set_num_threads(1)        # one thread: the same float order every time on this machine
    t0 = time.perf_counter()
    exp = build(spec.config())
    exp.trainer.run_epochs(spec.epochs)
    seconds = time.perf_counter() - t0
    metrics = {}
    for split in SPLITS:
        loss, acc = exp.trainer.evaluate(exp.dataset.split(split))
        metrics[split] = {"loss": round(loss, 5), "accuracy": round(acc, 5)}
    state = {k: v.detach().clone() for k, v in exp.model.state_dict().items() if k.startswith(PREFIX)}
    buf = io.BytesIO()
    torch.save(state, buf)
    raw = buf.getvalue()
    record = {"name": name, "source": spec.dataset, "input_shape": list(exp.dataset.spec.input_shape),
              "epochs": spec.epochs, "metrics": metrics, "sha256": file_sha256(raw), "torch": torch.__version__,
              "seconds": round(seconds, 2), "config": to_dict(exp.cfg)}
    return raw, record


def write(out: Path, raw: bytes, record: dict[str, Any]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{record['name']}.pt").write_bytes(raw)
    (out / f"{record['name']}.json").write_text(json.dumps(record, indent=1) + "\n")


def compare(shipped: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """The splits whose accuracy moved by more than TOLERANCE, as lines (none: reproduced)."""
    return [f"{split}: shipped accuracy {shipped[split]['accuracy']:.4f}, retrained {fresh[split]['accuracy']:.4f}"
            for split in SPLITS if abs(shipped[split]["accuracy"] - fresh[split]["accuracy"]) > TOLERANCE]


def run(args: argparse.Namespace) -> int:
    from playground.cli import CliError
    from playground.models.backbones import ASSETS, PRETRAIN

    names = args.names or list(PRETRAIN)
    unknown = [n for n in names if n not in PRETRAIN]
    if unknown:
        raise CliError(f"unknown backbone {unknown[0]!r}; choose from: {', '.join(PRETRAIN)}")
    out = Path(args.out) if args.out else ASSETS
    failed = False
    for name in names:
        raw, record = pretrain(name)
        acc = " ".join(f"{s} {record['metrics'][s]['accuracy']:.3f}" for s in SPLITS)
        if args.check:
            shipped_path = ASSETS / f"{name}.json"
            if not shipped_path.is_file():
                raise CliError(f"{shipped_path}: no shipped record to check against; run pretrain without --check")
            bad = compare(json.loads(shipped_path.read_text())["metrics"], record["metrics"])
            failed = failed or bool(bad)
            print(f"{name}: {'OUTSIDE tolerance: ' + '; '.join(bad) if bad else 'reproduced'} "
                  f"(accuracy {acc}; {record['seconds']:.1f} s)")
        else:
            write(out, raw, record)
            print(f"{name}: accuracy {acc}; {record['seconds']:.1f} s; {len(raw):,} bytes -> {out / name}.pt")
    return 1 if failed else 0
