"""The words and numbers the backpropagation stepper shows: its stages in order, each stage's
chain-rule lines (markdown) and the graph's labels, all read from a `backprop.Trace`. It computes nothing
that the Trace does not hold and draws nothing.
"""

from __future__ import annotations

import numpy as np

from playground.basics.backprop import Trace, node_name


def stages(n_layers: int) -> list[tuple[str, int]]:
    """(kind, layer) in order: input, forward per weight layer, loss, backward from the output, update."""
    fwd = [("forward", li) for li in range(n_layers)]
    bwd = [("backward", li) for li in range(n_layers - 1, -1, -1)]
    return [("input", -1), *fwd, ("loss", -1), *bwd, ("update", -1)]


def _p(v: float, digits: int = 3) -> str:
    """A factor of a product: negatives in parentheses, so '0.5·(-1.2)' never reads as '0.5·-1.2'."""
    return f"({v:.{digits}f})" if v < 0 else f"{v:.{digits}f}"


def explain_stage(tr: Trace, stage: tuple[str, int], sample: int = 0, lr: float = 0.1) -> list[str]:
    """Markdown lines with the numbers of one stage (node values for `sample`; gradients over all samples)."""
    kind, li = stage
    L, s = len(tr.weights), sample
    if kind == "input":
        return [f"Input of sample {s + 1}: " + ", ".join(f"x{i + 1} = {v:.3f}" for i, v in enumerate(tr.x[s]))
                + f"; target t = {tr.t[s]:.3f}"]
    if kind == "forward":
        lines = []
        for j in range(tr.weights[li].shape[0]):
            terms = " + ".join(f"{_p(tr.weights[li][j, i])}·{_p(tr.a[li][s, i])}"
                               for i in range(tr.weights[li].shape[1]))
            name = node_name(li + 1, j, L)
            line = f"z({name}) = {terms} + {tr.biases[li][j]:.3f} = **{tr.z[li][s, j]:.4f}**"
            if li < L - 1:
                line += f"; a = {tr.activation}(z) = **{tr.a[li + 1][s, j]:.4f}**"
            lines.append(line)
        return lines
    if kind == "loss":
        terms = " + ".join(f"({y:.3f} - {_p(t)})²" for y, t in zip(tr.yhat, tr.t))
        return [f"L = mean of (ŷ - t)² = ({terms}) / {len(tr.t)} = **{tr.loss:.5f}**",
                "∂L/∂ŷ = 2(ŷ - t)/S = " + ", ".join(f"**{g:.4f}**" for g in tr.dL_dyhat)]
    if kind == "backward":
        lines = []
        if li < L - 1:
            for j in range(tr.weights[li].shape[0]):
                up = " + ".join(f"{_p(tr.delta[li + 1][s, k], 4)}·{_p(tr.weights[li + 1][k, j])}"
                                for k in range(tr.weights[li + 1].shape[0]))
                name = node_name(li + 1, j, L)
                fp = tr.fprime[li][s, j]
                lines.append(f"∂L/∂a({name}) = {up} = {tr.dL_da[li][s, j]:.4f}; f'(z) = {tr.fprime_formula} = "
                             f"{fp:.4f}; ∂L/∂z = {tr.dL_da[li][s, j]:.4f} × {_p(fp, 4)} = **{tr.delta[li][s, j]:.4f}**")
        for j in range(tr.weights[li].shape[0]):
            for i in range(tr.weights[li].shape[1]):
                prods = " + ".join(f"{_p(tr.delta[li][q, j], 4)}×{_p(tr.a[li][q, i])}" for q in range(len(tr.t)))
                lines.append(f"∂L/∂w({node_name(li, i, L)}→{node_name(li + 1, j, L)}) = ∂L/∂z · input = {prods} "
                             f"= **{tr.dW[li][j, i]:.5f}**")
            lines.append(f"∂L/∂b({node_name(li + 1, j, L)}) = Σ ∂L/∂z = **{tr.db[li][j]:.5f}**")
        return lines
    return [f"w ← w - {lr:g}·g: " + "; ".join(
        f"w({node_name(li, i, L)}→{node_name(li + 1, j, L)}) {tr.weights[li][j, i]:.4f} → "
        f"**{tr.weights[li][j, i] - lr * tr.dW[li][j, i]:.4f}**"
        for li in range(L) for j in range(tr.weights[li].shape[0]) for i in range(tr.weights[li].shape[1]))]


def graph_labels(tr: Trace, stage: tuple[str, int], sample: int = 0, lr: float = 0.1):
    """What the graph shows at a stage: (sizes, node names, node texts, edge texts per gap, active column)."""
    kind, li = stage
    L = len(tr.weights)
    sizes = [tr.weights[0].shape[1]] + [w.shape[0] for w in tr.weights]
    names = [[node_name(c, j, L) for j in range(n)] for c, n in enumerate(sizes)]
    shown = {"input": 0, "forward": li + 1}.get(kind, L)           # last column with forward values
    grads_from = li + 1 if kind == "backward" else (L + 1 if kind != "update" else 1)
    values = []
    for c, n in enumerate(sizes):
        col = []
        for j in range(n):
            parts = []
            if c == 0:
                parts.append(f"{tr.x[sample, j]:.3f}")
            elif c <= shown:
                parts.append(f"ŷ={tr.yhat[sample]:.3f}" if c == L else f"z={tr.z[c - 1][sample, j]:.3f}<br>"
                                                                      f"a={tr.a[c][sample, j]:.3f}")
            if c == L and kind in ("loss", "backward", "update"):
                parts.append(f"t={tr.t[sample]:.2f} L={tr.loss:.4f}")
            if c >= 1 and c >= grads_from and kind in ("backward", "update"):
                parts.append(f"δ={tr.delta[c - 1][sample, j]:.4f}")
            col.append("<br>".join(parts))
        values.append(col)
    edges = []
    for g, w in enumerate(tr.weights):
        text = np.empty(w.shape, dtype=object)
        for j in range(w.shape[0]):
            for i in range(w.shape[1]):
                t = f"w={w[j, i]:.3f}"
                if kind == "update":
                    t = f"{w[j, i]:.3f} → {w[j, i] - lr * tr.dW[g][j, i]:.3f}"
                elif kind == "backward" and g >= li:
                    t += f"<br>g={tr.dW[g][j, i]:.4f}"
                text[j, i] = t
        edges.append(text)
    active = {"forward": (li + 1, 1), "backward": (li + 1, -1), "loss": (L, 1), "input": (0, 1)}.get(kind)
    return sizes, names, values, edges, active


def stage_title(stage: tuple[str, int], n_layers: int) -> str:
    kind, li = stage
    return {"input": "Input: the sample enters", "loss": "Loss: how wrong is ŷ?",
            "update": "Update: w ← w − lr · ∂L/∂w"}.get(kind) or (
        f"Forward, layer {li + 1} of {n_layers}: z = W·a + b, a = f(z)" if kind == "forward" else
        f"Backward, layer {li + 1}: ∂L/∂w = ∂L/∂z × the input that w multiplied")
