"""The 2-D lab's views: boundary, network diagram, curves, gradient flow and diagnoses of a PlanePayload.

Each view turns a payload (playground/payloads/plane.py: numpy arrays computed beside the model) into a
plain figure dict for `ui.chart.show`; playing or paused, the same view feeds the same chart. A view given
an Experiment computes the payload part it needs first (other labs call them that way).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from playground.experiment import Experiment
from playground.figures.boundary import background, boundary_spec
from playground.figures.curves import curves_spec
from playground.figures.gradients import gradient_flow_spec
from playground.figures.network import network_spec
from playground.payloads.plane import PlanePayload, plane_payload


def _payload(src: PlanePayload | Experiment, part: str, **kwargs) -> PlanePayload:
    return src if isinstance(src, PlanePayload) else plane_payload(src, (part,), **kwargs)


def _points(p: PlanePayload, show_test: bool) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {k: v for k, v in p.points.items() if k == "train" or show_test}


def boundary_view(src: PlanePayload | Experiment, *, resolution: int = 64, discretize: bool = False,
                  show_test: bool = True, height: int = 420, frames: Sequence[PlanePayload] = ()) -> dict:
    """The boundary, captioned with where its weights are; `frames` (earlier boundary payloads of this tick,
    oldest first) become its playback: the browser shows each one's background before the final state."""
    p = _payload(src, "boundary", resolution=resolution)
    fig = boundary_spec(p.xs, p.ys, p.output, _points(p, show_test), class_names=p.class_names,
                        discretize=discretize, height=height)
    fig["caption"] = p.where
    fig["playback"] = [dict(layout=dict(images=[background(f.xs, f.ys, f.output, discretize)]), caption=f.where)
                       for f in frames]
    return fig


def network_view(src: PlanePayload | Experiment, *, selected: tuple[int, int, int] | None = None,
                 height: int | None = None) -> dict:
    p = _payload(src, "network")
    labels = [list(p.feature_names)] + [[] for _ in p.maps[1:]]
    return network_spec(list(p.layer_names), p.maps, p.weights, p.biases, node_labels=labels, selected=selected,
                        height=height)


def curves_view(src: PlanePayload | Experiment, *, log_loss: bool = False, height: int = 300) -> dict:
    """Loss and metric curves."""
    p = _payload(src, "curves")
    return curves_spec(p.history, p.metric, log_loss=log_loss, height=height)


def gradient_view(src: PlanePayload | Experiment, *, height: int = 300) -> dict:
    p = _payload(src, "curves")
    # weight layer i feeds column i+1 of the diagram
    return gradient_flow_spec(p.history.get("epoch", []), p.history.get("grad_norms", []), list(p.layer_names[1:]),
                              height=height)


def diagnoses_view(src: PlanePayload | Experiment) -> tuple[dict, ...]:
    """What looks wrong ({level, code, message}), as the payload carries it."""
    return _payload(src, "diagnoses").diagnoses


def weight_at(exp: Experiment, gap: int, to: int, frm: int) -> float:
    """One weight of the network diagram (as set_weight numbers them)."""
    return float(exp.model.linears()[gap].weight[to, frm].detach())


def set_weight(exp: Experiment, gap: int, to: int, frm: int, value: float) -> None:
    """Edit one weight of the network diagram: gap g joins column g to column g+1 (0 = input side)."""
    import torch

    lin = exp.model.linears()[gap]
    if not np.isfinite(value):
        raise ValueError("a weight must be a finite number")
    with torch.no_grad():
        lin.weight[to, frm] = float(value)
