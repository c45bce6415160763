"""The run store: round trip, survives a restart and a process killed mid-save; the session hook saves runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from playground.config import with_values
from playground.experiment import build
from playground.presets import get_preset
from playground.store import RunStore, data_dir, restore

ROOT = Path(__file__).resolve().parents[1]


def _trained(epochs: int = 3, **values):
    exp = build(with_values(get_preset("iris_mlp"), values))
    exp.trainer.run_epochs(epochs)
    return exp


def test_round_trip_rename_delete_and_restart(tmp_path):
    exp = _trained()
    store = RunStore(tmp_path)
    run_id = store.save(exp, "first")
    other = store.save(_trained(2, **{"train.lr": 0.003}))
    again = RunStore(tmp_path)                                   # a fresh process would do the same
    infos = {i.id: i for i in again.list()}
    assert set(infos) == {run_id, other}
    info = infos[run_id]
    assert info.name == "first" and info.cfg == exp.cfg and info.epochs == 3 and info.lab == "tabular"
    assert info.metrics["test_accuracy"] == pytest.approx(exp.trainer.history.last()["test_accuracy"])
    assert again.history(run_id)["train_loss"] == pytest.approx(exp.trainer.history["train_loss"])
    assert again.thumbnail(run_id).startswith(b"\x89PNG")
    back = restore(info, again)
    for k, v in exp.model.state_dict().items():
        assert torch.equal(back.model.state_dict()[k], v)
    assert back.trainer.evaluate(back.dataset.test) == pytest.approx(exp.trainer.evaluate(exp.dataset.test))
    again.rename(run_id, "renamed")
    assert again.get(run_id).name == "renamed"
    again.delete(other)
    assert [i.id for i in RunStore(tmp_path).list()] == [run_id]
    assert not (tmp_path / "runs" / other).exists()


def test_data_dir_follows_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "elsewhere"))
    assert data_dir() == tmp_path / "elsewhere"
    RunStore().save(_trained(1))
    assert (tmp_path / "elsewhere" / "runs.sqlite").exists()


KILL_MID_SAVE = textwrap.dedent("""
    import os, signal, sys
    import torch
    torch.set_num_threads(1)
    sys.path.insert(0, {root!r})
    from playground import store as store_mod
    from playground.experiment import build
    from playground.presets import get_preset
    exp = build(get_preset("iris_mlp"))
    exp.trainer.run_epochs(1)
    real_write = store_mod._write
    calls = []
    def dying_write(path, data):
        calls.append(path)
        if len(calls) == 3:                       # third file of the run: half-written, then killed
            with open(path, "wb") as f:
                f.write(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)
        real_write(path, data)
    store_mod._write = dying_write
    store_mod.RunStore({data!r}).save(exp, "never")
""")


def test_a_process_killed_mid_save_corrupts_nothing(tmp_path):
    store = RunStore(tmp_path)
    kept = store.save(_trained(2), "kept")
    script = KILL_MID_SAVE.format(root=str(ROOT), data=str(tmp_path))
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9, proc.stderr.decode()[-2000:]
    strays = [p for p in (tmp_path / "runs").iterdir() if p.name.startswith(".tmp-")]
    assert strays, "the save really was cut short"
    RunStore(tmp_path)
    assert all(p.exists() for p in strays), "a young unfinished save may be another session's: it is left alone"
    for p in strays:
        os.utime(p, (0, 0))
    after = RunStore(tmp_path)                                         # the next start cleans up
    assert [i.id for i in after.list()] == [kept]
    assert not any(p.name.startswith(".tmp-") for p in (tmp_path / "runs").iterdir())
    assert restore(after.get(kept), after).trainer.epoch == 2
    after.save(_trained(1), "next")                                    # and keeps working
    assert len(after.list()) == 2


def test_a_store_error_never_breaks_training(tmp_path, monkeypatch):
    from playground.ui.session import LabSession, keep_run

    exp = _trained(1)
    session = LabSession("tabular", exp.cfg, exp)
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "file"))
    (tmp_path / "file").write_text("not a folder")
    assert keep_run(session) is None
    assert "could not be saved" in session.notice
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "ok"))
    assert keep_run(session) is not None
    assert keep_run(session) is None, "the same run is not saved twice"
    assert os.listdir(tmp_path / "ok" / "runs")


def test_an_uploaded_csv_run_is_rebuilt_from_the_store(tmp_path):
    from playground.data import tabular as tab

    raw = b"a,b,y\n" + b"".join(f"{i % 7},{i % 5},{int(i % 7 > 3)}\n".encode() for i in range(60))
    cfg = with_values(get_preset("iris_mlp"), {"data.name": "csv", "data.source": "mine.csv#abc"})
    exp = build(cfg, tab.csv_dataset(raw, cfg.data, cfg.seed))     # as the page builds it: session data
    exp.trainer.run_epochs(3)
    store = RunStore(tmp_path)
    run_id = store.save(exp)
    assert store.source(run_id) == raw
    back = restore(RunStore(tmp_path).get(run_id), store)             # no session, no upload: still rebuilt
    assert torch.equal(back.dataset.test.x, exp.dataset.test.x)
    assert back.trainer.evaluate(back.dataset.test) == pytest.approx(exp.trainer.evaluate(exp.dataset.test))


def test_an_uploaded_images_run_is_rebuilt_from_its_stored_files(tmp_path):
    import io

    import numpy as np

    from playground.data.images import read_upload
    from playground.store import upload_arrays

    rng = np.random.default_rng(0)
    buf = io.BytesIO()
    np.savez(buf, X=rng.random((80, 1, 6, 6)).astype(np.float32), y=np.arange(80) % 3)
    arrays = read_upload([("my scans/set 1.npz", buf.getvalue())])
    cfg = with_values(get_preset("digits_cnn"), {"data.name": "image_upload", "data.source": "upload-abc",
                                                 "model.cnn.channels": (4,)})
    exp = build(cfg, sources={"upload-abc": arrays})             # as the page builds it: session data
    exp.trainer.run_epochs(2)
    store = RunStore(tmp_path)
    run_id = store.save(exp)
    assert store.uploads(run_id) == [("set_1.npz", buf.getvalue())]  # the name made safe for a file
    info = RunStore(tmp_path).get(run_id)
    assert upload_arrays(info, store).x.shape == (80, 1, 6, 6)
    back = restore(info, store)                                    # no session, no upload: still rebuilt
    assert torch.equal(back.dataset.test.x, exp.dataset.test.x)
    assert back.trainer.evaluate(back.dataset.test) == pytest.approx(exp.trainer.evaluate(exp.dataset.test))
    assert store.uploads(store.save(_trained())) == []             # other runs store no upload files


def test_an_upload_saved_with_many_runs_is_stored_once(tmp_path):
    from playground.data import tabular as tab

    raw = b"a,b,y\n" + b"".join(f"{i % 7},{i % 5},{int(i % 7 > 3)}\n".encode() for i in range(60))
    cfg = with_values(get_preset("iris_mlp"), {"data.name": "csv", "data.source": "mine.csv#abc"})
    exp = build(cfg, tab.csv_dataset(raw, cfg.data, cfg.seed))
    store = RunStore(tmp_path)
    ids = []
    for _ in range(3):   # as Pause does: a new run after more training, on the same upload
        exp.trainer.run_epochs(1)
        ids.append(store.save(exp))
    blobs = list((tmp_path / "blobs").iterdir())
    assert len(blobs) == 1 and blobs[0].read_bytes() == raw
    assert blobs[0].stat().st_nlink == 4, "one file, linked into each of the 3 runs"
    store.delete(ids[0])
    store.delete(ids[1])
    assert store.source(ids[2]) == raw, "deleting other runs keeps the upload of the one left"
    store.delete(ids[2])
    assert not list((tmp_path / "blobs").iterdir()), "the last run's delete removes the upload"
