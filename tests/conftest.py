"""Shared test setup: one torch thread (the 2-core CI box), the project root on sys.path."""

import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path, monkeypatch):
    """Runs, sweeps and uploads saved by a test go to its own folder, never the project's data/."""
    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture(autouse=True)
def _clear_streamlit_caches():
    """AppTest shares the process: start every test with empty Streamlit caches."""
    yield
    try:
        import streamlit as st

        st.cache_data.clear()
        st.cache_resource.clear()
    except Exception:
        pass
