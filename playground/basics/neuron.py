"""One neuron, y = f(w·x + b), on the 2-D plane, and its two classic learning rules one sample at a time.

`neuron_module` builds the real torch module (Linear(2, 1) + a registered activation); `neuron_output`
evaluates it; `formula` writes it with the current numbers. `rule_step` applies the perceptron rule
(step output, w += lr·(y - ŷ)·x) or the logistic rule (sigmoid output, w -= lr·∂BCE/∂w from autograd,
which equals (p - y)·x). Pure functions of (w, b, data): the caller keeps the state. It draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.models.layers import ACTIVATIONS

RULES = {"perceptron": "Perceptron rule (step output)", "logistic": "Logistic rule (sigmoid output, cross-entropy)"}


def neuron_module(w: tuple[float, float], b: float, activation: str) -> nn.Sequential:
    """Linear(2, 1) holding (w, b), followed by one instance of a registered activation."""
    lin = nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([list(w)], dtype=torch.float32))
        lin.bias.fill_(float(b))
    return nn.Sequential(lin, ACTIVATIONS.get(activation, "model.activation")())


def neuron_output(w: tuple[float, float], b: float, activation: str, points: np.ndarray) -> np.ndarray:
    """f(w·x + b) for points [N, 2] -> [N] float32."""
    module = neuron_module(w, b, activation)
    with torch.no_grad():
        return module(torch.from_numpy(np.asarray(points, np.float32)))[:, 0].numpy()  # (N,)


def _num(v: float) -> str:
    return f"{v:.2f}"


def formula(w: tuple[float, float], b: float, activation: str, x: tuple[float, float] | None = None) -> str:
    """The neuron as LaTeX with the current numbers; with `x`, also z and y at that point."""
    name = ACTIVATIONS.label(activation)
    sign = "+" if b >= 0 else "-"
    text = (rf"y = \mathrm{{{name}}}(z),\quad z = {_num(w[0])}\,x_1 {'+' if w[1] >= 0 else '-'} "
            rf"{_num(abs(w[1]))}\,x_2 {sign} {_num(abs(b))}")
    if x is not None:
        z = w[0] * x[0] + w[1] * x[1] + b
        y = float(neuron_output(w, b, activation, np.array([x], np.float32))[0])
        text += rf"\qquad x = ({_num(x[0])}, {_num(x[1])}) \Rightarrow z = {z:.3f},\ y = {y:.3f}"
    return text


@dataclass(frozen=True)
class RuleStep:
    """One update of a learning rule on one sample."""

    index: int                  # which sample
    x: tuple[float, float]
    y: int                      # target, 0 or 1
    output: float               # ŷ (perceptron: 0/1) or p = σ(z) (logistic)
    error: float                # y - ŷ (perceptron) or y - p (logistic)
    dw: tuple[float, float]     # change applied to w
    db: float
    w: tuple[float, float]      # weights after the update
    b: float


def rule_step(w: tuple[float, float], b: float, x: np.ndarray, y: np.ndarray, index: int, rule: str,
              lr: float) -> RuleStep:
    """Apply `rule` to sample `index` of (x [N, 2], y [N] in {0, 1}); return what happened."""
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; choose one of {', '.join(RULES)}")
    i = index % len(x)
    xi = torch.tensor(x[i], dtype=torch.float32)[None]            # (1, 2)
    yi = torch.tensor([[float(y[i])]])                             # (1, 1)
    lin = neuron_module(w, b, "linear")[0]
    z = lin(xi)                                                    # (1, 1)
    if rule == "perceptron":
        out = float(z.item() >= 0)
        err = float(y[i]) - out
        dw_t, db_t = lr * err * xi[0], lr * err
        dw, db = (float(dw_t[0]), float(dw_t[1])), float(db_t)
    else:
        loss = nn.functional.binary_cross_entropy_with_logits(z, yi)
        loss.backward()                                            # ∂loss/∂w = (σ(z) - y)·x
        out = float(torch.sigmoid(z).item())
        err = float(y[i]) - out
        dw = (float(-lr * lin.weight.grad[0, 0]), float(-lr * lin.weight.grad[0, 1]))
        db = float(-lr * lin.bias.grad[0])
    return RuleStep(i, (float(x[i][0]), float(x[i][1])), int(y[i]), out, err, dw, db,
                    (w[0] + dw[0], w[1] + dw[1]), b + db)


def rule_epoch(w: tuple[float, float], b: float, x: np.ndarray, y: np.ndarray, rule: str,
               lr: float) -> tuple[tuple[float, float], float, int]:
    """One pass over every sample in order: (w, b, mistakes made during the pass)."""
    mistakes = 0
    for i in range(len(x)):
        s = rule_step(w, b, x, y, i, rule, lr)
        mistakes += int((s.output >= 0.5) != bool(s.y))
        w, b = s.w, s.b
    return w, b, mistakes


def rule_fit(w: tuple[float, float], b: float, x: np.ndarray, y: np.ndarray, rule: str, lr: float,
             max_epochs: int = 50) -> tuple[tuple[float, float], float, list[int]]:
    """Epochs until a pass makes no mistake (or max_epochs): (w, b, mistakes per epoch)."""
    errors: list[int] = []
    for _ in range(max_epochs):
        w, b, m = rule_epoch(w, b, x, y, rule, lr)
        errors.append(m)
        if m == 0:
            break
    return w, b, errors


def accuracy(w: tuple[float, float], b: float, x: np.ndarray, y: np.ndarray) -> float:
    """Share of samples on the right side of the line w·x + b = 0 (class 1 where z ≥ 0)."""
    z = np.asarray(x, np.float32) @ np.asarray(w, np.float32) + b
    return float(np.mean((z >= 0) == (np.asarray(y) == 1)))


def two_class_points(dataset) -> tuple[np.ndarray, np.ndarray]:
    """Training points [N, 2] and labels [N] of a two-class 2-D dataset; ConfigError for any other."""
    from playground.registry import ConfigError

    if dataset.points is None or dataset.spec.n_outputs != 2 or dataset.task != "classification":
        raise ConfigError("data.name", "one neuron needs a two-class 2-D dataset: pick circle, xor, gauss, "
                                       "spiral, moons or checkerboard")
    return dataset.points["train"], dataset.train.y.numpy()
