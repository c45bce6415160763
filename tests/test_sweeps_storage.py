"""Sweeps storage is server configuration: the page has no storage field, takes the storage from
$PLAYGROUND_SWEEP_STORAGE or the app's secrets (`sweep_storage`), else the data dir's sweeps.db, and
shows visitors no server path, even when the storage cannot be opened. The CLI keeps --storage."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from streamlit.testing.v1 import AppTest

import playground  # noqa: F401  (loaded first: AppTest puts pages/ on sys.path, where pages/playground.py lives)
from playground.config import ExperimentConfig
from playground.sweeps import STORAGE_ENV, StorageError, Sweep, default_storage, open_storage, parse_param, run_sweep

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


def _run_sweep(at: AppTest) -> AppTest:
    at.number_input(key="sweeps:trials").set_value(2).run()
    at.number_input(key="sweeps:epochs").set_value(1).run()
    at.selectbox(key="sweeps:sampler").set_value("random").run()
    at.text_input(key="sweeps:study").set_value("mine").run()
    return at.button(key="sweeps:run").click().run()


def _no_server_paths(at: AppTest, *paths: Path) -> None:
    texts = _texts(at)
    assert any("Study name" in t for t in texts)                 # the walk reaches the widgets
    for text in texts:
        assert "sqlite:" not in text
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
    assert (data / "sweeps.db").exists()                         # the default: the data dir's SQLite file
    assert at.metric[0].value == "2"
    _no_server_paths(at, tmp_path)


def test_the_environment_setting_is_used(data, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'server' / 'studies.db'}"
    (tmp_path / "server").mkdir()
    monkeypatch.setenv(STORAGE_ENV, url)
    at = _run_sweep(AppTest.from_file(str(PAGE), default_timeout=120).run())
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert (tmp_path / "server" / "studies.db").exists() and not (data / "sweeps.db").exists()
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
    assert (tmp_path / "secret.db").exists() and not (data / "sweeps.db").exists()
    _no_server_paths(at, tmp_path)
    monkeypatch.setenv(STORAGE_ENV, "sqlite:///elsewhere.db")
    assert default_storage(secret) == "sqlite:///elsewhere.db"
    monkeypatch.delenv(STORAGE_ENV)
    assert default_storage(secret) == secret and default_storage() == f"sqlite:///{data / 'sweeps.db'}"


@pytest.mark.parametrize("url", ["sqlite:///{tmp}/no/such/folder/x.db", "nosuchdialect://admin:pw@{tmp}/db",
                                 "not a url at all {tmp}"])
def test_a_broken_server_storage_is_one_message_without_its_url(url, data, tmp_path, monkeypatch):
    monkeypatch.setenv(STORAGE_ENV, url.format(tmp=tmp_path))
    at = _run_sweep(AppTest.from_file(str(PAGE), default_timeout=120).run())
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
