"""The served settings in .streamlit/config.toml that correctness and privacy depend on."""

from __future__ import annotations

import tomllib
from pathlib import Path

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())


def test_a_click_waits_for_the_running_tick_instead_of_racing_it():
    # fastReruns would start the click's rerun in a second thread while the tick still trains the same model
    assert CONFIG["runner"]["fastReruns"] is False


def test_no_full_gc_after_every_fragment_tick():
    assert CONFIG["runner"]["postScriptGC"] is False


def test_users_never_see_a_traceback():
    assert CONFIG["client"]["showErrorDetails"] == "none"


def test_uploads_are_capped_and_forms_are_protected():
    assert CONFIG["server"]["maxUploadSize"] <= 20
    assert CONFIG["server"]["enableXsrfProtection"] is True
