"""Presets of the Basics labs (neuron, activations, backprop) and the 2-D Playground states their tours need.

The neuron lab reads data.* (a two-class 2-D set), model.activation and train.lr; the activations lab
reads model.activation, model.hidden (its length is the depth of the gradient demo) and model.init; the
backprop lab reads model.hidden/activation/init, train.lr and a regression set (one output).
"""

from __future__ import annotations

from playground.presets.base import preset

_NEURON = {"lab": "neuron", "data.n_samples": 100, "model.hidden": (), "train.lr": 0.1, "train.max_epochs": 50}
preset("neuron_gauss", "One neuron, two clouds", "a straight line separates the classes: the perceptron rule "
       "finds one in a few passes", {**_NEURON, "data.name": "gauss", "model.activation": "sigmoid"})
preset("neuron_xor", "One neuron against XOR", "no straight line splits XOR: the rule keeps making mistakes",
       {**_NEURON, "data.name": "xor", "model.activation": "sigmoid"})
preset("neuron_relu", "A ReLU neuron", "the same line, but the output is zero on one side and grows on the other",
       {**_NEURON, "data.name": "gauss", "data.noise": 0.2, "model.activation": "relu"})

_ACT = {"lab": "activations", "model.hidden": (16,) * 10, "train.max_epochs": 20}
preset("vanishing_sigmoid", "Vanishing gradients: sigmoid", "ten sigmoid layers: the first gets a gradient "
       "thousands of times smaller than the last", {**_ACT, "model.activation": "sigmoid"})
preset("relu_depth", "ReLU through depth", "ten ReLU layers with He init: the gradient reaches layer 1 intact",
       {**_ACT, "model.activation": "relu", "model.init": "kaiming_uniform"})
preset("act_linear", "Linear activation", "f(z) = z: never saturates, but stacked layers collapse into one",
       {**_ACT, "model.activation": "linear"})

_BP = {"lab": "backprop", "data.name": "plane", "data.n_samples": 40, "model.init": "xavier_uniform",
       "train.optimizer": "sgd", "train.batch_size": 0, "train.max_epochs": 50}
preset("backprop_sigmoid", "2-2-1 with sigmoid", "the textbook network: two inputs, two sigmoid neurons, one output",
       {**_BP, "model.hidden": (2,), "model.activation": "sigmoid", "train.lr": 0.5})
preset("backprop_relu", "2-3-1 with ReLU", "a ReLU neuron with z < 0 passes no gradient back: watch the zero",
       {**_BP, "model.hidden": (3,), "model.activation": "relu", "train.lr": 0.1, "seed": 3})
preset("backprop_deep", "2-2-2-1 with tanh", "two hidden layers: the chain rule multiplies one more factor per layer",
       {**_BP, "model.hidden": (2, 2), "model.activation": "tanh", "train.lr": 0.2})

# States of the 2-D Playground used by the tours (playground/tours.py).
_DEEP = {"data.name": "circle", "model.hidden": (8, 8, 8), "train.optimizer": "adam", "train.lr": 0.03,
         "train.max_epochs": 200}
preset("linear_deep", "Deep but linear", "three hidden layers with no non-linearity: the boundary stays a "
       "straight line", {**_DEEP, "model.activation": "linear"}, lab="playground")
preset("tanh_deep", "Deep with tanh", "the same three layers with tanh: the boundary bends around the circle",
       {**_DEEP, "model.activation": "tanh"}, lab="playground")
preset("relu_deep_fix", "Deep ReLU, He init", "eight ReLU layers with He init and Adam: every layer learns",
       {"data.name": "circle", "model.hidden": (8,) * 8, "model.activation": "relu", "model.init": "kaiming_uniform",
        "train.optimizer": "adam", "train.lr": 0.01, "train.max_epochs": 200}, lab="playground")
