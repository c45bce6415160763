"""What live views need from a model, as plain picklable payloads computed next to the model.

A payload is numpy arrays, lists, dicts and small frozen dataclasses: no torch tensors, no Plotly, no
Streamlit. The live loop computes one per tick beside the model (today in the server process; later in a
worker process, so only the payload crosses) and pages turn it into figures with pure builders.
"""


def check_parts(parts: tuple[str, ...], allowed: tuple[str, ...]) -> None:
    """Refuse payload parts a lab does not compute (a typo would otherwise draw nothing, silently)."""
    unknown = set(parts) - set(allowed)
    if unknown:
        raise ValueError(f"unknown payload parts {sorted(unknown)}; allowed: {allowed}")
