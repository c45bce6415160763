"""Presets of the Optimizers lab: networks worth racing optimizers, batch sizes and schedules on."""

from __future__ import annotations

from playground.presets.base import preset

preset("opt_moons", "Race on noisy moons", "two ReLU layers of 16 on noisy moons; race Adam against SGD",
       {"lab": "optimizers", "data.name": "moons", "data.noise": 0.2, "model.hidden": (16, 16),
        "model.activation": "relu", "model.init": "kaiming_uniform", "train.optimizer": "adam", "train.lr": 0.01,
        "train.batch_size": 16, "train.max_epochs": 100})
preset("opt_spiral_momentum", "Spiral with momentum", "three ReLU layers on the spiral, SGD with momentum 0.9",
       {"lab": "optimizers", "data.name": "spiral", "data.n_samples": 600, "model.hidden": (16, 16, 16),
        "model.activation": "relu", "model.init": "kaiming_uniform", "train.optimizer": "momentum",
        "train.lr": 0.03, "train.momentum": 0.9, "train.batch_size": 32, "train.max_epochs": 150})
preset("opt_circle_cosine", "Cosine schedule with warm-up", "SGD lr 0.3 on the circle, 5 warm-up epochs, cosine decay",
       {"lab": "optimizers", "data.name": "circle", "model.hidden": (8, 8), "train.optimizer": "sgd",
        "train.lr": 0.3, "train.schedule": "cosine", "train.warmup_epochs": 5, "train.batch_size": 16,
        "train.max_epochs": 80})
