"""Presets of the 2-D Playground lab: TF Playground's defaults for its four classification sets, and more."""

from __future__ import annotations

from playground.presets.base import preset

# TF Playground's defaults: inputs X1, X2; network [4, 2]; tanh; lr 0.03; batch 10; 50% training data.
TF_DEFAULTS = {"model.hidden": (4, 2), "model.activation": "tanh", "train.lr": 0.03, "train.batch_size": 10,
               "train.optimizer": "sgd", "model.init": "tf_uniform", "data.train_fraction": 0.5,
               "data.features": ("x1", "x2")}

for name, label in [("circle", "Circle"), ("xor", "Exclusive or"), ("gauss", "Gaussian"), ("spiral", "Spiral")]:
    preset(f"tf_{name}", f"TF Playground: {label}",
           f"TF Playground's default network on its {label.lower()} data: [4, 2] tanh, SGD lr 0.03, batch 10",
           {**TF_DEFAULTS, "data.name": name})

preset("tf_plane", "TF Playground: Plane (regression)", "linear target, [4, 2] tanh, MSE",
       {**TF_DEFAULTS, "data.name": "plane"})
preset("tf_multigauss", "TF Playground: Multi-Gaussian (regression)", "six bumps, [4, 2] tanh, MSE",
       {**TF_DEFAULTS, "data.name": "multigauss", "model.hidden": (8, 8), "train.optimizer": "adam",
        "train.lr": 0.01})
preset("spiral_solved", "Spiral, solved", "three ReLU layers of 16 with Adam: the spiral in a few seconds",
       {"data.name": "spiral", "data.n_samples": 600, "model.hidden": (16, 16, 16), "model.activation": "relu",
        "model.init": "kaiming_uniform", "train.optimizer": "adam", "train.lr": 0.01, "train.batch_size": 32})
preset("spiral_features", "Spiral with engineered features", "sin and radius features make a small net enough",
       {"data.name": "spiral", "data.features": ("x1", "x2", "sin_x1", "sin_x2", "radius"),
        "model.hidden": (6,), "train.optimizer": "adam", "train.lr": 0.03})
preset("xor_linear", "XOR with no hidden layer", "a linear model cannot split XOR: accuracy stays near 50%",
       {"data.name": "xor", "model.hidden": (), "train.optimizer": "adam", "train.lr": 0.03})
preset("blobs_5", "Five classes", "k-class softmax on five blobs",
       {"data.name": "blobs", "data.n_classes": 5, "data.noise": 0.2, "model.hidden": (8,),
        "model.activation": "relu", "train.optimizer": "adam", "train.lr": 0.01, "train.batch_size": 16})
preset("checkerboard_deep", "Checkerboard, deep", "many boundaries need width and depth",
       {"data.name": "checkerboard", "data.n_samples": 1000, "model.hidden": (32, 32, 32),
        "model.activation": "relu", "model.init": "kaiming_uniform", "train.optimizer": "adam",
        "train.lr": 0.005, "train.batch_size": 32})
preset("moons_dropout", "Noisy moons with dropout", "dropout and batch norm on a noisy two-moon set",
       {"data.name": "moons", "data.noise": 0.3, "model.hidden": (32, 32), "model.activation": "relu",
        "model.dropout": 0.2, "model.batch_norm": True, "train.optimizer": "adam", "train.lr": 0.01,
        "train.batch_size": 16, "train.early_stopping": True, "train.patience": 30})
preset("sigmoid_deep", "Vanishing gradients", "eight sigmoid layers: the first layers barely learn",
       {"data.name": "circle", "model.hidden": (8,) * 8, "model.activation": "sigmoid",
        "model.init": "normal_small", "train.lr": 0.1})
preset("diverge", "Too large a learning rate", "SGD with lr 3 on a regression: the loss explodes within "
       "a few steps, training stops and the last good weights are kept",
       {**TF_DEFAULTS, "data.name": "plane", "model.hidden": (8, 8), "model.activation": "relu", "train.lr": 3.0})
