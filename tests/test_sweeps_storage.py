"""The Sweeps page, and its storage as server configuration: the page has no storage field, takes the storage
from $PLAYGROUND_SWEEP_STORAGE or the app's secrets (`sweep_storage`), else the data dir's sweeps.journal,
and shows visitors no server path, even when the storage cannot be opened. The CLI keeps --storage.
Starting a sweep returns at once (a job of worker processes), a live fragment shows its progress, and its
Stop button ends it between epochs."""

from __future__ import annotations

import time
from pathlib import Path

import optuna
import pytest
from streamlit.testing.v1 import AppTest

import playground  # noqa: F401  (loaded first: AppTest puts pages/ on sys.path, where pages/playground.py lives)
from playground.config import ExperimentConfig
from playground.sweep_jobs import run_sweep
from playground.sweeps import STORAGE_ENV, StorageError, Sweep, default_storage, open_storage, parse_param, run_info

PAGE = Path(__file__).resolve().parents[1] / "pages" / "sweeps.py"


@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv(STORAGE_ENV, raising=False)
    return tmp_path / "data"


def _texts(at: AppTest) -> list[str]:
    """Every string the page sends to the browser: each element's whole message (labels, values,
    placeholders, help, captions, errors)."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return out


def _start(at: AppTest, epochs: int = 1) -> AppTest:
    at.number_input(key="sweeps:trials").set_value(2).run()
    at.number_input(key="sweeps:epochs").set_value(epochs).run()
    at.number_input(key="sweeps:workers").set_value(1).run()
    at.selectbox(key="sweeps:sampler").set_value("random").run()
    at.text_input(key="sweeps:study").set_value("mine").run()
    return at.button(key="sweeps:run").click().run()


def _finish(at: AppTest) -> AppTest:
    """Rerun the page (AppTest has no browser timer for the live fragment) until the job has ended."""
    job = at.session_state["sweeps:job"] if "sweeps:job" in at.session_state else None  # noqa: SIM401 (no .get)
    while job is not None and not job.progress().finished:
        time.sleep(0.2)
    return at.run()


def _run_sweep(at: AppTest) -> AppTest:
    return _finish(_start(at))


def _no_server_paths(at: AppTest, *paths: Path) -> None:
    texts = _texts(at)
    assert any("Study name" in t for t in texts)                 # the walk reaches the widgets
    for text in texts:
        assert "sqlite:" not in text and "journal:" not in text
        for path in paths:
            assert str(path) not in text


def test_the_page_has_no_storage_field_and_shows_no_path(data, tmp_path):
    at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Study name"]
    assert "sweeps:storage" not in {w.key for w in at.text_input}
    _no_server_paths(at, tmp_path)
    _run_sweep(at)
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert (data / "sweeps.journal").exists()                    # the default: the data dir's journal file
    values = [m.value for m in at.metric]                        # the live progress, then the study's summary
    assert values[0] == "2 of 2" and values[3] == "2"
    _no_server_paths(at, tmp_path)


def test_the_environment_setting_is_used(data, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'server' / 'studies.db'}"
    (tmp_path / "server").mkdir()
    monkeypatch.setenv(STORAGE_ENV, url)
    at = _run_sweep(AppTest.from_file(str(PAGE), default_timeout=120).run())
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert (tmp_path / "server" / "studies.db").exists() and not (data / "sweeps.journal").exists()
    (summary,) = optuna.get_all_study_summaries(storage=url)
    assert summary.study_name.endswith("-mine") and summary.n_trials == 2   # stored under this browser's prefix
    assert at.session_state["owner_id"] not in summary.study_name           # the prefix does not give the id away
    _no_server_paths(at, tmp_path)


def test_the_secrets_setting_is_used_and_the_environment_wins(data, tmp_path, monkeypatch):
    secret = f"sqlite:///{tmp_path / 'secret.db'}"
    at = AppTest.from_file(str(PAGE), default_timeout=120)
    at.secrets["sweep_storage"] = secret
    _run_sweep(at.run())
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert (tmp_path / "secret.db").exists() and not (data / "sweeps.journal").exists()
    _no_server_paths(at, tmp_path)
    monkeypatch.setenv(STORAGE_ENV, "sqlite:///elsewhere.db")
    assert default_storage(secret) == "sqlite:///elsewhere.db"
    monkeypatch.delenv(STORAGE_ENV)
    assert default_storage(secret) == secret and default_storage() == f"journal:///{data / 'sweeps.journal'}"


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/no/such/folder/x.db", "nosuchdialect://admin:pw@{tmp}/db",
                                 "not a url at all {tmp}"])
def test_a_broken_server_storage_is_one_message_without_its_url(url, data, tmp_path, monkeypatch):
    monkeypatch.setenv(STORAGE_ENV, url.format(tmp=tmp_path))
    at = _start(AppTest.from_file(str(PAGE), default_timeout=120).run())
    assert "sweeps:job" not in at.session_state
    assert not at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "study storage could not be opened" in errors[0] and "“mine”" in errors[0]
    _no_server_paths(at, tmp_path)
    assert all("admin:pw" not in t for t in _texts(at))
    assert at.button(key="sweeps:run") and at.text_input(key="sweeps:study")   # the page keeps its controls


def test_the_cli_storage_names_its_url_in_a_one_line_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'no' / 'folder' / 'x.db'}"
    with pytest.raises(StorageError, match=r"^storage: cannot open sqlite:///.*x\.db: "):
        open_storage(url)
    sweep = Sweep(ExperimentConfig(), (parse_param("train.lr=log:1e-3:1"),), epochs=1)
    with pytest.raises(StorageError):
        run_sweep(sweep, 1, "nosuchdialect://x", "s")


def test_starting_returns_at_once_and_stop_ends_the_sweep(data):
    """The page starts the job and returns while its trials train (2,000 epochs each); the live fragment shows
    the progress; Stop ends the running trial between epochs (pruned, marked stopped) and starts no other."""
    at = _start(AppTest.from_file(str(PAGE), default_timeout=120).run(), epochs=2000)
    assert not at.exception and not at.error, [e.value for e in at.error]
    job = at.session_state["sweeps:job"]
    assert not job.progress().finished and at.button(key="sweeps:run").disabled
    assert [m.label for m in at.metric] == ["Trials done", "Best so far", "Time left"]
    while job.progress().running < 1:
        time.sleep(0.1)
    at.button(key="sweeps:stop").click().run()
    _finish(at)
    assert not at.exception
    (trial,) = job.study.trials
    assert trial.state.name == "PRUNED" and run_info(trial)["stopped"] and run_info(trial)["epochs"] < 2000
    assert at.metric[0].value == "1 of 2" and not at.button(key="sweeps:run").disabled
