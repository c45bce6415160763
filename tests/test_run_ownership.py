"""Each person's runs are their own, shared only by token; the run store heals a damaged index.

Store level (owners, tokens, the index rebuilt from run folders), the CLI's `runs` command, and the Runs and
Explain pages through AppTest with two browsers (two owner ids). The real-browser check with two Chromium
contexts is tests/e2e/test_ownership_e2e.py.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from playground.config import with_values
from playground.experiment import build
from playground.presets import get_preset
from playground.store import RunStore

ALICE, BOB = "a" * 32, "b" * 32
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def _trained(epochs: int = 2, seed: int = 0):
    exp = build(with_values(get_preset("tf_circle"), {"seed": seed}))
    exp.trainer.run_epochs(epochs)
    return exp


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PLAYGROUND_ADMIN", raising=False)
    return RunStore(tmp_path)


def test_each_owner_sees_changes_and_deletes_only_their_runs(store):
    a = store.save(_trained(seed=0), "alice's", owner=ALICE)
    b = store.save(_trained(seed=1), "bob's", owner=BOB)
    assert [i.id for i in store.list(owner=ALICE)] == [a]
    assert [i.id for i in store.list(owner=BOB)] == [b]
    assert {i.id for i in store.list()} == {a, b}                  # the CLI and the admin see all
    for call in (lambda: store.get(b, ALICE), lambda: store.rename(b, "mine now", ALICE),
                 lambda: store.delete(b, ALICE)):
        with pytest.raises(KeyError):
            call()
    assert store.get(b).name == "bob's" and (store.runs_dir / b).is_dir()   # nothing changed
    store.delete(a, ALICE)
    assert store.list(owner=ALICE) == [] and not (store.runs_dir / a).exists()


def test_the_same_state_saved_by_two_owners_is_two_runs(store):
    exp = _trained()
    a, b = store.save(exp, owner=ALICE), store.save(exp, owner=BOB)
    assert a != b and store.save(exp, owner=ALICE) == a          # deduplicated per owner, never across owners


def test_a_share_token_opens_one_run_read_only(store):
    a = store.save(_trained(), owner=ALICE)
    info = store.get(a)
    assert len(info.token) >= 20 and info.token != info.owner    # unguessable, and not the owner's id
    assert store.shared(info.token).id == a
    for bad in ("", "x" * 22, info.token[:-1]):
        with pytest.raises(KeyError):
            store.shared(bad)
    store.delete(a)
    with pytest.raises(KeyError):
        store.shared(info.token)


def test_a_corrupt_index_is_rebuilt_from_the_run_folders_and_nothing_is_lost(store, tmp_path):
    ids = {store.save(_trained(seed=s), f"run {s}", owner=ALICE) for s in range(3)}
    store.rename(next(iter(ids)), "renamed")
    store.db.write_bytes(b"this is not a database" * 100)
    for side in ("-wal", "-shm"):
        store.db.with_name(store.db.name + side).unlink(missing_ok=True)
    fresh = RunStore(tmp_path)
    infos = fresh.list(owner=ALICE)
    assert {i.id for i in infos} == ids and "renamed" in {i.name for i in infos}
    assert any("rebuilt" in n for n in fresh.notices)
    assert list(tmp_path.glob("runs.sqlite.damaged-*"))          # the damaged file is kept for a look by hand
    assert fresh.list(owner=BOB) == []                           # owners survive the rebuild


def test_a_missing_index_and_a_deleted_folder_heal_with_a_notice(store, tmp_path):
    keep = store.save(_trained(seed=0), owner=ALICE)
    gone = store.save(_trained(seed=1), owner=ALICE)
    import shutil

    shutil.rmtree(store.runs_dir / gone)
    assert [i.id for i in store.list(owner=ALICE)] == [keep]
    assert any("removed from the list" in n for n in store.notices)
    with pytest.raises(KeyError):
        store.get(gone)
    for f in tmp_path.glob("runs.sqlite*"):
        f.unlink()
    assert [i.id for i in RunStore(tmp_path).list(owner=ALICE)] == [keep]


def test_runs_from_before_records_and_owners_are_listed_for_the_admin(store, tmp_path):
    run = store.save(_trained(), owner=ALICE)
    (store.runs_dir / run / "run.json").unlink()                 # a folder written by an older version
    with sqlite3.connect(store.db) as con:
        con.execute("DELETE FROM runs")
    info = RunStore(tmp_path).get(run)
    assert info.owner == "" and info.epochs == 2 and info.cfg.data.name == "circle"
    assert RunStore(tmp_path).list(owner=ALICE) == []            # no owner: not shown to any visitor


def test_cli_lists_every_run_and_rebuilds_the_index(store, tmp_path, capsys):
    from playground.cli import main

    store.save(_trained(seed=0), owner=ALICE)
    store.save(_trained(seed=1), owner=BOB)
    store.db.write_bytes(b"garbage" * 50)
    assert main(["runs", "--rebuild-index", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"rebuilt": 2}
    assert main(["runs", "--json"]) == 0
    assert {r["owner"] for r in json.loads(capsys.readouterr().out)} == {ALICE[:8], BOB[:8]}


def _page(owner: str, page: str, query: dict | None = None):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["owner_id"] = owner          # what the browser's cookie says (playground/ui/identity.py)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    return at.switch_page(page).run()


def test_two_browsers_each_see_only_their_runs_on_runs_and_explain(store):
    exp = build(get_preset("iris_mlp"))
    exp.trainer.run_epochs(2)
    a = store.save(exp, "alice iris", owner=ALICE)
    bob_runs = _page(BOB, "pages/runs.py")
    assert not bob_runs.exception and not bob_runs.dataframe and "No runs yet" in bob_runs.info[0].value
    bob_explain = _page(BOB, "pages/explain.py")
    assert not bob_explain.exception
    assert not any("alice iris" in o for sb in bob_explain.selectbox for o in sb.options)
    alice_runs = _page(ALICE, "pages/runs.py")
    assert list(alice_runs.dataframe[0].value["id"]) == [a]
    alice_explain = _page(ALICE, "pages/explain.py")
    assert any("alice iris" in o for sb in alice_explain.selectbox for o in sb.options)


def test_a_crafted_widget_value_cannot_reach_another_persons_run(store):
    exp = build(get_preset("iris_mlp"))
    exp.trainer.run_epochs(1)
    a = store.save(exp, owner=ALICE)
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["owner_id"] = BOB
    at.session_state["explain:source"] = f"run:{a}"   # a value the page never offered Bob
    at.run()
    at.switch_page("pages/explain.py").run()
    assert not at.exception
    assert "explain:run" not in at.session_state or at.session_state["explain:run"][0] != f"run:{a}"


def test_a_share_link_opens_the_run_read_only_for_another_browser(store):
    exp = build(get_preset("iris_mlp"))
    exp.trainer.run_epochs(2)
    a = store.save(exp, "alice iris", owner=ALICE)
    token = store.get(a).token
    at = _page(BOB, "pages/runs.py", {"shared": token})
    assert not at.exception
    assert list(at.dataframe[0].value["id"]) == [a]
    keys = {b.key for b in at.button}
    assert "runs:shared_reopen" in keys and "runs:rename" not in keys and "runs:delete" not in keys
    wrong = _page(BOB, "pages/runs.py", {"shared": token[:-2] + "xx"})
    assert "does not name a run" in wrong.warning[0].value and not wrong.dataframe


def test_the_backbone_picker_lists_and_loads_only_this_browsers_cnn_runs(store):
    from playground.config import with_values

    exp = build(with_values(get_preset("transfer_digits"), {"model.backbone": "", "train.freeze": 0}))
    exp.trainer.run_epochs(1)
    a = store.save(exp, "alice cnn", owner=ALICE)
    bob = _page(BOB, "pages/transfer.py")
    assert not bob.exception
    assert not any("alice cnn" in o for o in bob.selectbox(key="transfer:backbone").options)
    from playground.config import to_query

    link = to_query(with_values(get_preset("transfer_digits"), {"model.backbone": f"run:{a}"}))
    bob = _page(BOB, "pages/transfer.py", link)                         # a crafted link naming Alice's run
    lab = bob.session_state["lab:transfer"]
    assert not bob.exception and lab.cfg.model.backbone != f"run:{a}" and f"run:{a}" not in lab.sources
    assert "cannot be used here" in lab.notice
    alice = _page(ALICE, "pages/transfer.py")
    assert "your run: alice cnn (transfer, 1 epochs)" in alice.selectbox(key="transfer:backbone").options
    alice.selectbox(key="transfer:backbone").set_value(f"run:{a}").run()
    assert not alice.exception and alice.session_state["lab:transfer"].cfg.model.backbone == f"run:{a}"
    assert alice.session_state["lab:transfer"].exp.pretrained is not None
