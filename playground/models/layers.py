"""Building blocks shared by every model family: the activation and initialisation registries, and a
Dropout whose masks come from the Trainer's own seeded generator (`Dropout`, `DropoutGenerator`).

Activations are registered as nn.Module factories (one module instance per use, never functional or
in-place: Captum's DeepLift and GuidedBackprop depend on it). This module builds no networks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import torch
from torch import nn

from playground.registry import Registry

ACTIVATIONS: Registry[Callable[[], nn.Module]] = Registry("activation")
_ACTS = [
    ("relu", nn.ReLU, "ReLU", "max(0, z): cheap, does not saturate for z > 0, can die", False),
    ("leaky_relu", lambda: nn.LeakyReLU(0.1), "Leaky ReLU", "max(0.1z, z): a ReLU that cannot die", False),
    ("elu", nn.ELU, "ELU", "smooth for z < 0, mean activations nearer zero", False),
    ("gelu", nn.GELU, "GELU", "z·Φ(z), the Transformer's activation", False),
    ("silu", nn.SiLU, "SiLU / Swish", "z·σ(z), smooth and non-monotonic", False),
    ("mish", nn.Mish, "Mish", "z·tanh(softplus(z))", False),
    ("selu", nn.SELU, "SELU", "self-normalising ELU", False),
    ("softplus", nn.Softplus, "Softplus", "log(1 + eᶻ), a smooth ReLU", False),
    ("sigmoid", nn.Sigmoid, "Sigmoid", "1/(1+e⁻ᶻ): saturates at both ends, gradient ≤ 0.25", True),
    ("tanh", nn.Tanh, "Tanh", "zero-centred sigmoid: saturates at ±1", True),
    ("hardtanh", nn.Hardtanh, "Hard tanh", "clip(z, -1, 1)", True),
    ("softsign", nn.Softsign, "Softsign", "z/(1+|z|)", True),
    ("linear", nn.Identity, "Linear", "no non-linearity: stacked layers collapse to one", False),
]
for _k, _f, _label, _doc, _sat in _ACTS:
    ACTIVATIONS.add(_k, _f, _label, _doc, saturating=_sat)


def _bias_zero(init: Callable[[torch.Tensor], object]) -> Callable[[nn.Module], None]:
    def apply(m: nn.Module) -> None:
        init(m.weight)
        if getattr(m, "bias", None) is not None:
            nn.init.zeros_(m.bias)
    return apply


INITS: Registry[Callable[[nn.Module], None] | None] = Registry("init")
INITS.add("default", None, "PyTorch default", "Kaiming-uniform with a=√5, as nn.Linear does")
INITS.add("xavier_uniform", _bias_zero(nn.init.xavier_uniform_), "Xavier (uniform)", "Glorot: keeps variance for tanh")
INITS.add("xavier_normal", _bias_zero(nn.init.xavier_normal_), "Xavier (normal)", "Glorot, Gaussian")
INITS.add("kaiming_uniform", _bias_zero(lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu")),
          "He (uniform)", "keeps variance for ReLU")
INITS.add("kaiming_normal", _bias_zero(lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")),
          "He (normal)", "keeps variance for ReLU, Gaussian")
INITS.add("orthogonal", _bias_zero(nn.init.orthogonal_), "Orthogonal", "orthogonal weight matrices")
INITS.add("tf_uniform", _bias_zero(lambda w: nn.init.uniform_(w, -0.5, 0.5)), "Uniform ±0.5 (TF Playground)",
          "TF Playground's init: every weight uniform in [-0.5, 0.5]")
INITS.add("normal_small", _bias_zero(lambda w: nn.init.normal_(w, 0.0, 0.01)), "Small normal (σ=0.01)",
          "tiny weights: signals and gradients shrink layer by layer")
INITS.add("zeros", _bias_zero(nn.init.zeros_), "Zeros", "every neuron equal: symmetry is never broken")


def init_weights(model: nn.Module, scheme: str) -> None:
    """Apply an init scheme to every Linear and Conv layer (biases to zero)."""
    fn = INITS.get(scheme, "model.init")
    if fn is None:
        return
    for m in model.modules():
        if isinstance(m, (nn.Linear, nn.Conv1d, nn.Conv2d)):
            fn(m)


# ---------------------------------------------------------------- dropout from the Trainer's generator

_LOCAL = threading.local()   # per thread: each Streamlit session trains in its own script thread
_GLOBAL_RNG = threading.RLock()   # torch ops release the GIL: two sessions seeding the global generator
# for fused dropout at once would draw each other's masks, so they take turns (one step each)


class Dropout(nn.Dropout):
    """nn.Dropout drawing its masks from the generator a DropoutGenerator has set in this thread (the
    Trainer's, seeded from the run's seed), so a run's dropout is reproducible from its seed whatever else
    uses torch's global generator (other sessions, probes, Captum). Outside one it is nn.Dropout."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gen = getattr(_LOCAL, "gen", None)
        if gen is None or not self.training or self.p == 0:
            return super().forward(x)
        keep = 1.0 - self.p
        if keep <= 0:
            return torch.zeros_like(x)
        return x * torch.empty_like(x).bernoulli_(keep, generator=gen).div_(keep)


def fused_dropout(model: nn.Module) -> bool:
    """Whether the model has dropout inside a fused kernel (between stacked RNN layers), which only draws
    from torch's global generator."""
    return any(isinstance(m, nn.RNNBase) and m.dropout > 0 and m.num_layers > 1 for m in model.modules())


@contextmanager
def seeded(seed: int | None) -> Iterator[None]:
    """Torch's global generator seeded with `seed` (None: left as it is) in this block and restored after, one
    thread at a time: initialisation draws from it, and two sessions (threads) building models at once would
    otherwise interleave their draws, or restore the generator under each other, and get weights their seed
    does not give. Every save-and-restore of the global generator goes through here."""
    with _GLOBAL_RNG, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        yield


class DropoutGenerator:
    """`with DropoutGenerator(gen, model): model(x)`: Dropout layers in this thread draw from `gen`
    meanwhile. If `model` has fused dropout, the global generator is also seeded from `gen` for the
    duration and restored after (~10 us; a forward of such a model takes milliseconds)."""

    def __init__(self, gen: torch.Generator, model: nn.Module | None = None):
        self.gen, self.fused = gen, model is not None and fused_dropout(model)
        self._saved: torch.Tensor | None = None

    def __enter__(self) -> None:
        _LOCAL.gen = self.gen
        if self.fused:
            _GLOBAL_RNG.acquire()
            self._saved = torch.random.get_rng_state()
            torch.manual_seed(int(torch.randint(2**62, (1,), generator=self.gen)))

    def __exit__(self, *exc) -> None:
        _LOCAL.gen = None
        if self._saved is not None:
            torch.random.set_rng_state(self._saved)
            self._saved = None
            _GLOBAL_RNG.release()
