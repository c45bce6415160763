"""Guided tours: short sequences of steps, each loading a preset into its lab and saying what to notice.

TOURS maps a key to a tuple of TourStep. `step_link(tour, i)` gives the lab and URL parameters that open
step i (the preset's config as `config.to_query` writes it, plus `tour` and `step`), so a tour step is an
ordinary shareable link. The banner and Back/Next links are drawn by playground/ui/classroom.py.
"""

from __future__ import annotations

from dataclasses import dataclass

from playground.config import to_query
from playground.presets import PRESETS
from playground.registry import Registry


@dataclass(frozen=True)
class TourStep:
    preset: str     # PRESETS key; its config's `lab` is the page the step opens
    notice: str     # what to do and what to notice, in a sentence or two


TOURS: Registry[tuple[TourStep, ...]] = Registry("tour")


def tour(key: str, label: str, description: str, steps: list[tuple[str, str]]) -> None:
    TOURS.add(key, tuple(TourStep(p, n) for p, n in steps), label, description)


def step_link(key: str, index: int) -> tuple[str, dict[str, str]]:
    """(lab key, URL parameters) that open step `index` of tour `key`."""
    steps = TOURS.get(key, "tour")
    if not 0 <= index < len(steps):
        raise IndexError(f"tour {key!r} has steps 0..{len(steps) - 1}, not {index}")
    cfg = PRESETS.get(steps[index].preset, "preset")
    return cfg.lab, {**to_query(cfg), "tour": key, "step": str(index)}


tour("nonlinearity", "Why depth needs non-linearity", "stacking linear layers buys nothing; one bend changes all", [
    ("linear_deep", "Three hidden layers, but every activation is linear. Press **Play**: the boundary stays a "
                    "straight line and accuracy stalls near 50%. A stack of linear maps is one linear map."),
    ("tanh_deep", "The same three layers with **tanh**. Press **Play**: the boundary bends around the inner disc "
                  "within seconds. Nothing changed but the activation."),
    ("act_linear", "Here is why: the linear activation's f′ is 1 everywhere, so each layer only rescales and adds. "
                   "Pick tanh or ReLU in the list to see a curve that bends."),
])
tour("xor", "XOR needs a hidden layer", "one neuron draws one line; XOR needs two", [
    ("neuron_xor", "One neuron draws one straight line (dashed). Press **Run to convergence**: the perceptron "
                   "rule keeps making mistakes on XOR, because no single line separates the four quadrants."),
    ("xor_linear", "A network with no hidden layer is that same single line. Press **Play**: test accuracy "
                   "stays near 50% whatever the optimizer does."),
    ("tf_xor", "Add hidden layers of 4 and 2 tanh neurons. Press **Play**: each hidden neuron draws its own "
               "line (see its square), the output combines them, and accuracy climbs toward 100%."),
])
tour("vanishing", "Vanishing gradients", "why deep sigmoid networks did not train, and what fixed it", [
    ("vanishing_sigmoid", "Ten sigmoid layers: the gradient reaching layer 1 is orders of magnitude below the "
                          "last layer's (log scale). σ′ is at most 0.25, and the chain rule multiplies one factor "
                          "per layer."),
    ("sigmoid_deep", "Eight sigmoid layers on the circle. Press **Play** and watch the gradient chart: the first "
                     "layers' lines sit decades below the last, and the loss hardly moves."),
    ("relu_deep_fix", "The same depth with ReLU (f′ = 1 where active), He initialisation and Adam. Press "
                      "**Play**: gradients reach every layer and the circle is learned."),
])
tour("backprop", "Follow one gradient", "from the forward pass to the weight update, number by number", [
    ("backprop_sigmoid", "Press **Next stage** to walk the forward pass, the loss and the backward pass. Every "
                         "gradient is the upstream gradient times a local derivative; the check at the bottom "
                         "shows autograd gets the same numbers."),
    ("backprop_relu", "A ReLU network: find a hidden neuron whose z is negative. Its f′ is 0, so no gradient "
                      "flows back through it and its input weights get a zero gradient."),
    ("neuron_gauss", "The logistic rule on one neuron is this backward pass in its smallest form: "
                     "∂L/∂w = (p − y)·x. Press **Step** to apply it sample by sample."),
])
tour("transfer", "Why transfer learning needs fewer labels", "reuse what a network learned on another task", [
    ("transfer_digits_5", "A backbone learned to read digits 0-4. Here it meets 5-9 with only **5 labelled images a "
                          "class**. Press **Play**: the linear probe (backbone frozen, a new output layer) climbs far "
                          "above the same network trained from scratch, which memorises its 25 images."),
    ("transfer_digits_many", "The same task with **every label**. Press **Play**: fine-tuning overtakes the frozen "
                             "probe, and training from scratch closes most of the gap. Pretraining matters most "
                             "when labels are few."),
    ("transfer_textures", "A backbone pretrained on brick, grass and gravel textures. Press **Play**: its features "
                          "are far from pen strokes, so the probe gains little or nothing over scratch. Transfer "
                          "needs related tasks."),
    ("transfer_digits", "Open **Embedding**: each test image as a point, placed by the backbone's features. Before "
                        "fine-tuning the classes already form clusters; after, they separate further. Then try "
                        "**Label efficiency** to measure all of this over seeds."),
])
