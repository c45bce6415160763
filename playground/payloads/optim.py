"""The Optimizers lab's network-race payload: every runner's curves, and the first runners' boundaries.

`race_payload(group)` is group_payload with, per runner among the first BOUNDARIES on 2-D data, a
PlanePayload holding only its decision boundary (views/plane.py boundary_view draws it). No drawing.
"""

from __future__ import annotations

from playground.group import RunGroup
from playground.payloads.group import GroupPayload, group_payload
from playground.payloads.plane import plane_payload

BOUNDARIES = 4      # boundary charts shown side by side
RESOLUTION = 40     # per boundary: 40x40 is enough at ~170 px wide


def race_payload(group: RunGroup, boundaries: int = BOUNDARIES, resolution: int = RESOLUTION) -> GroupPayload:
    on_plane = group.leader.dataset.extent is not None
    drawn = {id(exp) for exp in list(group.runs.values())[:boundaries]} if on_plane else set()
    return group_payload(group, per_run=lambda exp: plane_payload(exp, ("boundary",), resolution=resolution)
                         if id(exp) in drawn else None)
