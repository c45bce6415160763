"""Errors shown to a person, never a traceback: ConfigError names the field; anything else is logged."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from playground.registry import ConfigError
from playground.ui.text import field_md, md_escape, public_message

log = logging.getLogger("playground")


@contextmanager
def guard(what: str = "This step") -> Iterator[None]:
    """Run a block; show a clear message in the page if it fails, and keep the page working."""
    try:
        yield
    except ConfigError as err:
        st.error(f"**Invalid setting {field_md(err.field)}**: {md_escape(err.message)}", icon=":material/warning:")
    except Exception as err:
        log.exception("%s failed", what)
        st.error(f"{what} failed: {public_message(err)}. Nothing was lost; "
                 "change a setting or press Reset.", icon=":material/warning:")
