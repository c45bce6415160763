"""Captum attributions behind one verb: `explain(model, inputs, target, method=..., **options)`.

Every method runs on an eval-mode deep copy (`clone_model`), so explaining never disturbs a model in
training. Methods report capabilities in their registry meta: `delta` (returns a convergence delta
per input row; the meta text says what it measures), `layer` (needs `layer=`), `neuron` (needs
`neuron=`), `seeded` (draws random numbers: needs `generator=`, a seeded torch.Generator, never the
global generators that every session on a server shares; `seeded_options` builds it with the data
rows to draw baselines from), `kinds` (input kinds it suits: "vector", "image", "tokens"), `fast`
(cheap enough for live use). Results come back as numpy arrays in an Explanation. This module does not
draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from playground.evaluation import clone_model
from playground.registry import ConfigError, Registry


@dataclass(frozen=True)
class Explanation:
    method: str
    attributions: np.ndarray            # same shape as inputs (or the layer's output for layer methods)
    delta: np.ndarray | None = None     # per-sample convergence delta, where the method has one
    target: Any = None


ATTRIBUTIONS: Registry[Callable[..., tuple[torch.Tensor, torch.Tensor | None]]] = Registry("attribution")


def _baseline(inputs: torch.Tensor, baselines: Any) -> Any:
    return torch.zeros_like(inputs) if baselines is None else baselines


def _method(key: str, label: str, description: str, **meta: Any):
    return ATTRIBUTIONS.register(key, label, description, **meta)


@_method("saliency", "Saliency", "|∂output/∂input|: where a small change moves the score most",
         kinds=("vector", "image"), fast=True)
def _saliency(model, x, target, **o):
    from captum.attr import Saliency
    return Saliency(model).attribute(x, target=target, abs=o.get("abs", True)), None


@_method("integrated_gradients", "Integrated Gradients", "gradients averaged along a path from a baseline; "
         "sums to f(x) − f(baseline)", kinds=("vector", "image"), delta="sum of attributions − (f(x) − f(baseline))",
         fast=True)
def _ig(model, x, target, **o):
    from captum.attr import IntegratedGradients
    return IntegratedGradients(model).attribute(
        x, baselines=_baseline(x, o.get("baselines")), target=target, n_steps=o.get("n_steps", 32),
        internal_batch_size=o.get("internal_batch_size", 256), return_convergence_delta=True)


@_method("smoothgrad", "SmoothGrad", "saliency averaged over noisy copies of the input",
         kinds=("vector", "image"), seeded=True, fast=True)
def _smoothgrad(model, x, target, **o):
    """|gradient| averaged over nt_samples copies x + N(0, stdevs²) (Captum's NoiseTunnel smoothgrad over
    Saliency), the noise drawn from the caller's generator: NoiseTunnel draws it from torch's global one."""
    s, sd = o.get("nt_samples", 16), o.get("stdevs", 0.15)
    xs = x.detach().repeat_interleave(s, 0)                                         # (N*S, ...)
    xs = (xs + sd * torch.randn(xs.shape, generator=o["generator"], dtype=x.dtype)).requires_grad_(True)
    grad, = torch.autograd.grad(_pick(model(xs), _expand(target, s)).sum(), xs)
    return grad.abs().reshape(len(x), s, *x.shape[1:]).mean(1), None


@_method("deeplift", "DeepLift", "contributions relative to a baseline through each non-linearity",
         kinds=("vector", "image"), delta="sum of attributions − (f(x) − f(baseline))", fast=True)
def _deeplift(model, x, target, **o):
    from captum.attr import DeepLift
    return DeepLift(model).attribute(x, baselines=_baseline(x, o.get("baselines")), target=target,
                                     return_convergence_delta=True)


@_method("guided_backprop", "Guided Backprop", "gradients with negative signals stopped at every ReLU",
         kinds=("image",), fast=True)
def _gbp(model, x, target, **o):
    from captum.attr import GuidedBackprop
    return GuidedBackprop(model).attribute(x, target=target), None


@_method("gradcam", "Grad-CAM", "a conv layer's maps weighted by their mean gradient, upsampled",
         kinds=("image",), layer=True, fast=True)
def _gradcam(model, x, target, **o):
    from captum.attr import LayerAttribution, LayerGradCam
    cam = LayerGradCam(model, o["layer"]).attribute(x, target=target, relu_attributions=True)
    return LayerAttribution.interpolate(cam, tuple(x.shape[-2:]), interpolate_mode="bilinear"), None


@_method("occlusion", "Occlusion", "score drop when a window of the input is blanked out",
         kinds=("image",), fast=False)
def _occlusion(model, x, target, **o):
    from captum.attr import Occlusion
    h = x.shape[-2]
    win = o.get("window", max(2, h // 4))
    stride = o.get("stride", max(1, win // 2))
    return Occlusion(model).attribute(x, sliding_window_shapes=(x.shape[1], win, win),
                                      strides=(x.shape[1], stride, stride), baselines=0, target=target), None


@_method("feature_ablation", "Feature Ablation", "score change when each feature is set to the baseline",
         kinds=("vector",), fast=True)
def _ablation(model, x, target, **o):
    from captum.attr import FeatureAblation
    return FeatureAblation(model).attribute(x, baselines=o.get("baselines", 0.0), target=target), None


@_method("shapley_sampling", "Shapley Value Sampling", "Shapley values estimated from random feature orders",
         kinds=("vector",), fast=False)
def _shapley(model, x, target, **o):
    from captum.attr import ShapleyValueSampling
    return ShapleyValueSampling(model).attribute(x, baselines=_baseline(x, o.get("baselines")), target=target,
                                                 n_samples=o.get("n_samples", 25)), None


@_method("gradient_shap", "GradientSHAP", "expected gradients: (x − b)·∇f at a random point between x and a "
         "baseline b drawn from the data, averaged over draws", kinds=("vector", "image"), seeded=True,
         delta="sum of attributions − (f(x) − mean f over the drawn baselines)", fast=True)
def _gshap(model, x, target, **o):
    """Expected gradients drawn from the caller's generator (Captum's GradientShap draws its baselines,
    points and noise from numpy's and torch's global generators, which sessions share).

    Same estimator and draw layout as Captum's: input row i owns expanded rows i*S .. i*S+S-1, each with
    baseline pool[idx], point alpha*x + (1-alpha)*b, attribution (x − b)·∇f(point); the mean over S is
    the attribution. Delta per input row: mean over its S samples of sum(attribution) − (f(x) − f(b)),
    which equals sum(averaged attribution) − (f(x) − mean f(b)).
    """
    gen, s = o["generator"], o.get("n_samples", 20)
    pool = (x if o.get("baselines") is None else o["baselines"]).detach().to(x.dtype)   # (K, *x.shape[1:])
    if tuple(pool.shape[1:]) != tuple(x.shape[1:]) or len(pool) == 0:
        raise ConfigError("baselines", f"GradientSHAP baselines must be rows shaped like the input, "
                                       f"got {tuple(pool.shape)} for inputs {tuple(x.shape)}")
    n, ones = len(x), [1] * (x.dim() - 1)
    idx = torch.randint(len(pool), (n * s,), generator=gen)                        # (N*S,) baseline rows
    alpha = torch.rand(n * s, generator=gen, dtype=torch.float64).to(x.dtype).view(-1, *ones)
    xs = x.detach().repeat_interleave(s, 0)                                         # (N*S, ...)
    if o.get("stdevs", 0.0):
        xs = xs + o["stdevs"] * torch.randn(xs.shape, generator=gen, dtype=x.dtype)
    base = pool[idx]
    t = _expand(target, s)
    point = (alpha * xs + (1 - alpha) * base).requires_grad_(True)
    grad, = torch.autograd.grad(_pick(model(point), t).sum(), point)
    per = (xs - base) * grad                                                        # (N*S, ...)
    with torch.no_grad():
        gap = _pick(model(xs), t) - _pick(model(base), t)                           # (N*S,)
    delta = per.detach().reshape(n * s, -1).sum(1) - gap
    return per.reshape(n, s, *x.shape[1:]).mean(1), delta.reshape(n, s).mean(1)


def _expand(target: Any, s: int) -> Any:
    """Target per expanded row: a per-row tensor or list repeated S times; a single class is kept."""
    if isinstance(target, (list, tuple)):
        target = torch.tensor(target)
    if isinstance(target, torch.Tensor) and target.numel() > 1:
        return target.reshape(-1).repeat_interleave(s)
    return target


def _pick(out: torch.Tensor, target: Any) -> torch.Tensor:
    """The explained score per row (M,): out[:, target], or the sum of outputs when there is no target."""
    if target is None:
        return out.reshape(len(out), -1).sum(1)
    if isinstance(target, torch.Tensor) and target.numel() > 1:
        return out.gather(1, target.reshape(-1, 1).to(torch.long))[:, 0]
    return out[:, int(target)]


@_method("kernel_shap", "KernelSHAP", "SHAP values from a weighted linear fit over feature coalitions (slow)",
         kinds=("vector",), fast=False)
def _kshap(model, x, target, **o):
    from captum.attr import KernelShap
    rows = [KernelShap(model).attribute(x[i:i + 1], baselines=_baseline(x[i:i + 1], o.get("baselines")),
                                        target=_row(target, i), n_samples=o.get("n_samples", 100))
            for i in range(len(x))]
    return torch.cat(rows), None


@_method("layer_integrated_gradients", "Layer Integrated Gradients",
         "IG at a layer's output, e.g. token embeddings (sum over the embedding axis for token scores)",
         kinds=("tokens",), layer=True, delta="sum of attributions − (f(x) − f(baseline))", fast=True)
def _lig(model, x, target, **o):
    from captum.attr import LayerIntegratedGradients
    return LayerIntegratedGradients(model, o["layer"]).attribute(
        x, baselines=o.get("baselines"), target=target, n_steps=o.get("n_steps", 32),
        return_convergence_delta=True)


@_method("layer_conductance", "Layer Conductance", "how much each unit of a layer carries the attribution",
         kinds=("vector",), layer=True, fast=True)
def _lcond(model, x, target, **o):
    from captum.attr import LayerConductance
    return LayerConductance(model, o["layer"]).attribute(x, baselines=_baseline(x, o.get("baselines")),
                                                         target=target, n_steps=o.get("n_steps", 32)), None


@_method("neuron_conductance", "Neuron Conductance", "each input's share of one hidden neuron's conductance",
         kinds=("vector",), layer=True, neuron=True, fast=True)
def _ncond(model, x, target, **o):
    from captum.attr import NeuronConductance
    return NeuronConductance(model, o["layer"]).attribute(x, neuron_selector=o["neuron"],
                                                          baselines=_baseline(x, o.get("baselines")),
                                                          target=target, n_steps=o.get("n_steps", 32)), None


def seeded_options(method: str, seed: int, data: torch.Tensor) -> dict[str, Any]:
    """The options a `seeded` method needs: a torch.Generator seeded from the run's seed and the data rows
    (e.g. the training split, [K, ...]) it draws baselines from; {} for every other method."""
    if not ATTRIBUTIONS.entry(method, "method").meta.get("seeded"):
        return {}
    return {"generator": torch.Generator().manual_seed(int(seed)), "baselines": data}


def _row(target: Any, i: int) -> Any:
    return target[i:i + 1] if isinstance(target, torch.Tensor) and target.dim() else target


def explain(model: nn.Module, inputs: torch.Tensor, target: Any = None, *, method: str = "integrated_gradients",
            layer: str | None = None, **options: Any) -> Explanation:
    """Attribute `model`'s output for `target` (class index, or a tensor of one per row) to `inputs`.

    `layer` names a submodule (dotted, as in named_modules) for layer methods; it is looked up in the
    eval-mode copy. Options go to the Captum method (n_steps, baselines, nt_samples, window, ...).
    """
    entry = ATTRIBUTIONS.entry(method, "method")
    copy = clone_model(model)
    for p in copy.parameters():
        p.requires_grad_(True)
    if entry.meta.get("layer"):
        if layer is None:
            raise ConfigError("layer", f"{entry.label} needs a layer")
        modules = dict(copy.named_modules())
        if layer not in modules:
            raise ConfigError("layer", f"no layer {layer!r}; choose one of: {', '.join(k for k in modules if k)}")
        options["layer"] = modules[layer]
    if entry.meta.get("neuron") and "neuron" not in options:
        raise ConfigError("neuron", f"{entry.label} needs a neuron index")
    if entry.meta.get("seeded") and not isinstance(options.get("generator"), torch.Generator):
        raise ConfigError("seed", f"{entry.label} draws random numbers: pass seeded_options(method, seed, data)")
    x = inputs if inputs.dtype in (torch.long, torch.int) else inputs.detach().clone().requires_grad_(True)
    attr, delta = entry.obj(copy, x, target, **options)
    return Explanation(method, attr.detach().numpy(), None if delta is None else delta.detach().numpy(), target)
