"""The Transformers lab's views: attention maps per layer and head, and the positional encodings.

Each view turns a TransformersPayload (playground/payloads/transformers.py) into a plain figure dict with a
fixed height for `ui.chart.show`. Prediction, curves and generation are shared with the Sequences lab
(views/sequences.py); token attributions with both labs (views/attributions.py).
"""

from __future__ import annotations

from playground.figures.sequences import LABELLED_MAX, attention_spec, positions_spec
from playground.payloads.transformers import TransformersPayload


def attention_view(p: TransformersPayload) -> dict:
    """Where each position looks, per layer and head, for the payload's test sequence (computed from the
    weights where `p.where` says)."""
    t = p.maps.shape[-1]
    return attention_spec(p.maps, list(p.tokens), height_per_row=300 if t <= LABELLED_MAX else 360,
                          title=f"attention maps of test sequence {p.sample} (row = the position asking, "
                                "column = where it looks)", where=p.where)


def positions_view(p: TransformersPayload, *, height: int = 300) -> dict:
    """The positional encoding table; a learned one is labelled with where its weights are."""
    return positions_spec(p.table, title=f"positional encoding ({p.encoding}) added to each token vector",
                          where=p.where if p.encoding == "learned" else "", height=height)
