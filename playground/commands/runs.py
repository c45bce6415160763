"""`python -m playground runs`: the run history from the server's side (every owner's runs).

    python -m playground runs                   # one line per run: id, lab, epochs, owner (short), name
    python -m playground runs --json            # the same as JSON
    python -m playground runs --rebuild-index   # write runs.sqlite anew from the run folders

The run folders are the truth (each holds its run.json); the index is rebuilt from them by hand here, and
by itself when it is found damaged. It does not train, delete or rename.
"""

from __future__ import annotations

import argparse
import json


def register(sub) -> None:
    p = sub.add_parser("runs", help="list every stored run, or rebuild the run index from the run folders")
    p.add_argument("--rebuild-index", action="store_true", help="rebuild runs.sqlite from the run folders")
    p.add_argument("--json", action="store_true", help="print JSON instead of lines")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from playground.store import RunStore

    store = RunStore()
    if args.rebuild_index:
        n = store.rebuild_index()
        print(json.dumps({"rebuilt": n}) if args.json else f"rebuilt the run index: {n} runs")
        return 0
    infos = store.list()
    for notice in store.notices:
        print(f"note: {notice}")
    if args.json:
        print(json.dumps([{"id": i.id, "lab": i.lab, "epochs": i.epochs, "owner": i.owner[:8], "name": i.name}
                          for i in infos]))
    else:
        for i in infos:
            print(f"{i.id}  {i.lab:<14} {i.epochs:>6} epochs  {i.owner[:8] or '-':<8}  {i.name}")
    return 0
