"""Backpropagation by hand on a real MLP: every forward value, the loss, every gradient with the
chain-rule product it came from, and the SGD update; checked against autograd on the same module.

`trace(model, x, t)` reads the weights of a foundation MLP (no batch norm or dropout), runs the
forward pass layer by layer through the model's own Linear and activation modules, and then the
backward pass with explicit products (upstream gradient × local derivative). `autograd_grads` gets
the same gradients from `loss.backward()`; tests assert they agree. The loss is the MSE of the one
output, L = mean over samples of (ŷ - t)². It draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.models.mlp import MLP

# Closed-form local derivatives f'(z) (a = f(z)); others fall back to autograd on the module alone.
_LOCAL = {
    "sigmoid": ("a(1 - a)", lambda z, a: a * (1 - a)),
    "tanh": ("1 - a²", lambda z, a: 1 - a * a),
    "relu": ("1 if z > 0 else 0", lambda z, a: (z > 0).to(z.dtype)),
    "leaky_relu": ("1 if z > 0 else 0.1", lambda z, a: torch.where(z > 0, 1.0, 0.1).to(z.dtype)),
    "linear": ("1", lambda z, a: torch.ones_like(z)),
    "softplus": ("σ(z)", lambda z, a: torch.sigmoid(z)),
    "elu": ("1 if z > 0 else a + 1", lambda z, a: torch.where(z > 0, torch.ones_like(z), a + 1)),
    "silu": ("σ(z)(1 + z(1 - σ(z)))", lambda z, a: torch.sigmoid(z) * (1 + z * (1 - torch.sigmoid(z)))),
}


def local_derivative(activation: str, module: nn.Module, z: torch.Tensor, a: torch.Tensor) -> tuple[str, torch.Tensor]:
    """(formula, f'(z)) for an activation; formula 'autograd' when no closed form is listed."""
    if activation in _LOCAL:
        text, fn = _LOCAL[activation]
        return text, fn(z, a)
    with torch.enable_grad():
        zz = z.detach().clone().requires_grad_(True)
        (d,) = torch.autograd.grad(module(zz).sum(), zz)
    return "f'(z) by autograd of f alone", d


def node_name(layer: int, j: int, n_layers: int) -> str:
    """Layer 0 = inputs; layer n_layers = the output."""
    if layer == 0:
        return f"x{j + 1}"
    return "ŷ" if layer == n_layers else f"h{layer}.{j + 1}"

@dataclass
class Trace:
    """Everything the stepper shows. Lists are per weight layer (hidden layers, then the output)."""

    x: np.ndarray              # (S, F) inputs
    t: np.ndarray              # (S,) targets
    weights: list[np.ndarray]  # W_l (out, in)
    biases: list[np.ndarray]   # b_l (out,)
    z: list[np.ndarray]        # (S, n_l) pre-activations; the last is ŷ (linear output)
    a: list[np.ndarray]        # (S, n_l) activations, a[0] = x; the last is ŷ
    fprime: list[np.ndarray]   # (S, n_l) f'(z) of hidden layers
    fprime_formula: str
    yhat: np.ndarray           # (S,)
    loss: float
    dL_dyhat: np.ndarray       # (S,) 2(ŷ - t)/S
    dL_da: list[np.ndarray]    # (S, n_l) per hidden layer: Σ_k δ_next,k · W_next[k, j]
    delta: list[np.ndarray]    # (S, n_l) ∂L/∂z per weight layer
    dW: list[np.ndarray]       # (out, in) Σ_s δ_s,j · a_prev s,i
    db: list[np.ndarray]       # (out,) Σ_s δ_s,j
    activation: str
    model_output: np.ndarray   # (S,) the model's own forward, for the check


def check_model(model: nn.Module) -> MLP:
    if not isinstance(model, MLP) or model.head.out_features != 1:
        raise ValueError("the stepper needs an MLP with one output (a regression dataset)")
    for block in model.hidden:
        if "norm" in block._modules or "drop" in block._modules:
            raise ValueError("the stepper shows plain layers: turn batch norm and dropout off")
    return model


def trace(model: nn.Module, x: np.ndarray, t: np.ndarray, activation: str) -> Trace:
    """Forward and backward pass by hand, reading the weights and activation modules of `model`."""
    mlp = check_model(model)
    xs = torch.tensor(np.asarray(x, np.float32))                 # (S, F)
    ts = torch.tensor(np.asarray(t, np.float32)).reshape(-1)     # (S,)
    n = len(xs)
    linears = mlp.linears()
    with torch.no_grad():
        W = [lin.weight.detach().clone() for lin in linears]
        B = [lin.bias.detach().clone() for lin in linears]
        a, z, fp, formula = [xs], [], [], ""
        for li, block in enumerate(mlp.hidden):
            zl = a[-1] @ W[li].T + B[li]                           # (S, n_l)
            al = block.act(zl)                                   # the model's own activation module
            formula, d = local_derivative(activation, block.act, zl, al)
            z.append(zl)
            a.append(al)
            fp.append(d)
        out = a[-1] @ W[-1].T + B[-1]                            # (S, 1)
        z.append(out)
        a.append(out)
        yhat = out[:, 0]
        loss = torch.mean((yhat - ts) ** 2)
        g = 2 * (yhat - ts) / n                                  # (S,) ∂L/∂ŷ
        delta = [g[:, None]]                                     # output layer: ŷ = z
        dL_da: list[torch.Tensor] = []
        for li in range(len(mlp.hidden) - 1, -1, -1):
            upstream = delta[0] @ W[li + 1]                       # (S, n_l) ∂L/∂a_l
            dL_da.insert(0, upstream)
            delta.insert(0, upstream * fp[li])                    # chain rule: ∂L/∂z = ∂L/∂a · f'(z)
        dW = [delta[li].T @ a[li] for li in range(len(W))]          # (out, in)
        db = [delta[li].sum(0) for li in range(len(W))]
        model_out = mlp(xs)[:, 0]

    def np_(ts_: list[torch.Tensor]) -> list[np.ndarray]:
        return [v.numpy().astype(np.float32) for v in ts_]

    return Trace(xs.numpy(), ts.numpy(), np_(W), np_(B), np_(z), np_(a), np_(fp), formula,
                 yhat.numpy(), float(loss), g.numpy(), np_(dL_da), np_(delta), np_(dW), np_(db), activation,
                 model_out.numpy())


def autograd_grads(model: nn.Module, x: np.ndarray, t: np.ndarray) -> tuple[float, list[np.ndarray], list[np.ndarray]]:
    """(loss, dW per layer, db per layer) from loss.backward() on a copy of the same module."""
    import copy

    m = copy.deepcopy(check_model(model))
    xs, ts = torch.tensor(np.asarray(x, np.float32)), torch.tensor(np.asarray(t, np.float32)).reshape(-1, 1)
    loss = nn.functional.mse_loss(m(xs), ts)
    loss.backward()
    return loss.item(), [lin.weight.grad.numpy() for lin in m.linears()], [lin.bias.grad.numpy() for lin in m.linears()]


def sgd_update(model: nn.Module, tr: Trace, lr: float) -> None:
    """w <- w - lr · g for every weight and bias, with the gradients of `tr`."""
    with torch.no_grad():
        for lin, dW, db in zip(check_model(model).linears(), tr.dW, tr.db):
            lin.weight -= lr * torch.from_numpy(dW)
            lin.bias -= lr * torch.from_numpy(db)


def get_parameter(model: nn.Module, layer: int, row: int, col: int | None) -> float:
    lin = check_model(model).linears()[layer]
    return (lin.bias[row] if col is None else lin.weight[row, col]).item()


def set_parameter(model: nn.Module, layer: int, row: int, col: int | None, value: float) -> None:
    """Edit one weight (col given) or bias (col None) of weight layer `layer` (0 = first)."""
    if not np.isfinite(value):
        raise ValueError("a weight must be a finite number")
    lin = check_model(model).linears()[layer]
    with torch.no_grad():
        if col is None:
            lin.bias[row] = float(value)
        else:
            lin.weight[row, col] = float(value)


MAX_LAYERS, MAX_WIDTH = 3, 4   # the stepper draws every number: keep the network small


def check_small(hidden: tuple[int, ...]) -> None:
    from playground.registry import ConfigError

    if not 1 <= len(hidden) <= MAX_LAYERS or max(hidden) > MAX_WIDTH:
        raise ConfigError("model.hidden", f"the stepper shows 1 to {MAX_LAYERS} hidden layers of at most "
                                          f"{MAX_WIDTH} neurons, e.g. 2 or 3, 2")


def parameter_names(model: nn.Module) -> list[tuple[str, int, int, int | None]]:
    """(label, layer, row, col or None for the bias) for every weight and bias, in layer order."""
    linears = check_model(model).linears()
    L, out = len(linears), []
    for g, lin in enumerate(linears):
        for j in range(lin.out_features):
            out += [(f"w({node_name(g, i, L)}→{node_name(g + 1, j, L)})", g, j, i) for i in range(lin.in_features)]
            out.append((f"b({node_name(g + 1, j, L)})", g, j, None))
    return out
