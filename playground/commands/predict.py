"""`python -m playground predict`: score raw CSV rows with a stored run or an exported checkpoint.

    python -m playground predict --run RUN_ID --data new_rows.csv [--json]
    python -m playground predict --checkpoint model.pt --data new_rows.csv [--json]

The rows need the input columns the run trained on (others, the target too, are ignored). They go
through the run's fitted preprocessing (fill values, categories, scaling: learnt from its training rows
only), then the network. Prints CSV (row, prediction, one probability per class) or one JSON object. A
category the training rows never had gets all-zero one-hot inputs; stderr says which. A bad, oversized or
unreadable file, a missing column, a number beyond float32, an unknown run or a run that is not a table
exits 2 with one line naming the file. It does not train.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys


def register(sub) -> None:
    p = sub.add_parser("predict", help="score raw CSV rows with a stored table run or an exported model.pt")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--run", help="a run id from the run history (PLAYGROUND_DATA_DIR, else data/)")
    src.add_argument("--checkpoint", help="a model.pt exported by this app")
    p.add_argument("--data", required=True, help="a CSV file of rows to score (with the input columns)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of CSV")
    p.set_defaults(func=run)


def load_model(run_id: str | None, checkpoint: str | None):
    """(model in eval mode, Preprocessor) of a stored run or an exported checkpoint; CliError if there is none."""
    from playground.cli import CliError, read_input
    from playground.data.preprocess import Preprocessor

    if checkpoint:
        from playground.export import MAX_CHECKPOINT_BYTES, load_checkpoint

        imp = load_checkpoint(read_input(checkpoint, MAX_CHECKPOINT_BYTES, "checkpoint"))
        if imp.preprocess is None:
            raise CliError(f"{checkpoint} is not a table's model: it has no preprocessing to score CSV rows with")
        return imp.model, imp.preprocess
    from playground.store import RunStore, restore

    store = RunStore()
    try:
        info = store.get(run_id)
    except KeyError:
        raise CliError(f"no run {run_id!r} in {store.root}") from None
    stored = store.preprocess(info.id)
    exp = restore(info, store)
    try:
        prep = Preprocessor.from_dict(stored) if stored is not None else exp.dataset.meta.get("preprocess")
    except ValueError as err:
        raise CliError(f"run {run_id!r}: its stored {err}") from None
    if prep is None:   # a run saved before runs kept their preprocessing refits it from its stored rows above
        raise CliError(f"run {run_id!r} ({info.lab} lab) did not train on a table; predict scores CSV rows")
    exp.model.eval()
    return exp.model, prep


def score(model, prep, rows) -> dict:
    """Raw rows (a DataFrame) -> {"prediction": (N,), "proba": (N, k) for classes}, through `prep` and `model`."""
    import torch

    from playground.cli import CliError
    from playground.data.preprocess import MissingColumns, OutOfRange

    try:
        x = prep.transform(rows)   # (N, F) float32
    except MissingColumns as err:
        names = ", ".join(repr(c) for c in err.args[0])
        raise CliError(f"the rows have no column {names}; the model needs: {', '.join(prep.columns)}") from None
    except OutOfRange as err:
        raise CliError(err.describe()) from None
    with torch.no_grad():
        out = model(torch.from_numpy(x)).numpy()
    return prep.decode(out)


def run(args: argparse.Namespace) -> int:
    import torch

    from playground.cli import CliError, read_input
    from playground.data.csv_table import MAX_BYTES, read_rows
    from playground.registry import ConfigError

    torch.set_num_threads(1)
    model, prep = load_model(args.run, args.checkpoint)
    try:
        rows = read_rows(read_input(args.data, MAX_BYTES, "CSV file"))
    except ConfigError as err:
        raise CliError(f"{args.data}: {err.message}") from None
    try:
        result = score(model, prep, rows)
    except CliError as err:
        raise CliError(f"{args.data}: {err}") from None
    for col, values in prep.unknown_categories(rows).items():
        print(f"note: {col}: {', '.join(map(repr, values[:5]))} not in the training rows (all-zero one-hot inputs)",
              file=sys.stderr)
    pred = result["prediction"]
    if args.json:
        out: dict = {"target": prep.target, "task": prep.task, "prediction": [_plain(v) for v in pred]}
        if "proba" in result:
            out["classes"], out["probabilities"] = list(prep.classes), result["proba"].tolist()
        print(json.dumps(out))
        return 0
    writer = csv.writer(sys.stdout, lineterminator="\n")
    proba = result.get("proba")
    writer.writerow(["row", f"predicted {prep.target}"] + ([f"p({c})" for c in prep.classes] if proba is not None
                                                            else []))
    for i, v in enumerate(pred):   # row 1 = the file's first data line
        writer.writerow([i + 1, _plain(v)] + ([f"{p:.6g}" for p in proba[i]] if proba is not None else []))
    return 0


def _plain(v):
    return v if isinstance(v, str) else float(v)
