"""One run store for several server replicas: K processes save M runs each into one data folder at once.

Replicas of the web server (deploy/) share PLAYGROUND_DATA_DIR: each is its own process with its own
RunStore on the same runs.sqlite and runs/ folder. The writers here start together on a fresh folder (so they
also race to create the database and switch it to WAL), and list the store between saves (a listing
reconciles the index with the folders, which writes too). Afterwards a fresh RunStore must list every run each
writer was given an id for, once, with the writer's name; no writer may fail ("database is locked" or else).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from playground.store import RunStore

ROOT = Path(__file__).resolve().parents[1]
WRITERS, RUNS = 4, 8

WRITER = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, {root!r})
    from playground.experiment import build
    from playground.presets import get_preset
    from playground.store import RunStore
    k, runs, data, go = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    exp = build(get_preset("iris_mlp"))
    while not go.exists():                 # every writer is loaded: start together
        time.sleep(0.01)
    store = RunStore(data)                 # on a fresh folder: all create the database at once
    saved = []
    for m in range(runs):
        exp.trainer.run_epochs(1)          # a new state each time: a new run, not the same one again
        saved.append(store.save(exp, f"w{{k}}-r{{m}}", owner=f"writer-{{k}}"))
        store.list()                       # a listing reconciles the index: a writer too
    print(json.dumps(saved))
""")


def test_replicas_saving_at_once_lose_and_duplicate_nothing(tmp_path):
    data, go = tmp_path / "data", tmp_path / "go"
    script = WRITER.format(root=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", script, str(k), str(RUNS), str(data), str(go)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for k in range(WRITERS)]
    time.sleep(1)          # not a timing assertion: a head start so the writers are waiting on `go`
    go.touch()
    saved: dict[str, str] = {}
    for k, proc in enumerate(procs):
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, f"writer {k} failed:\n{err[-3000:]}"
        ids = json.loads(out.strip().splitlines()[-1])
        assert len(set(ids)) == RUNS, f"writer {k} got {len(set(ids))} distinct ids for {RUNS} saves"
        saved.update({run_id: f"w{k}-r{m}" for m, run_id in enumerate(ids)})
    assert len(saved) == WRITERS * RUNS
    fresh = RunStore(data)
    listed = fresh.list()
    assert sorted(i.id for i in listed) == sorted(saved), "every saved run is listed once, and nothing else"
    assert {i.id: i.name for i in listed} == saved
    assert all(i.owner == f"writer-{i.name[1]}" for i in listed)
    assert fresh.notices == [], "the index needed no repair: every save reached it"
    assert sorted(p.name for p in (data / "runs").iterdir()) == sorted(saved), "no stray or extra folder"
