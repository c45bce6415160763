"""Presets of the Overfitting clinic: small noisy data and a big network, so the overfit is plain to see."""

from __future__ import annotations

from playground.presets.base import preset

OVERFIT = {"lab": "regularization", "data.name": "moons", "data.noise": 0.7, "data.n_samples": 200,
           "data.train_fraction": 0.3, "data.val_fraction": 0.3, "model.hidden": (64, 64),
           "model.activation": "relu", "model.init": "kaiming_uniform", "train.optimizer": "adam",
           "train.lr": 0.01, "train.batch_size": 16, "train.max_epochs": 200}

preset("reg_overfit", "Overfitting moons", "60 noisy training points and two layers of 64: validation loss turns up",
       OVERFIT)
preset("reg_dropout", "Overfitting moons + dropout 0.3", "the same network with dropout after each hidden layer",
       {**OVERFIT, "model.dropout": 0.3})
preset("reg_l1", "Overfitting moons + L1", "an L1 penalty drives most weights to zero (see the histogram)",
       {**OVERFIT, "train.l1": 0.001})
preset("reg_early_stop", "Overfitting moons + early stopping", "stop 30 epochs after the best validation loss "
       "and restore those weights", {**OVERFIT, "train.early_stopping": True, "train.patience": 30})
preset("reg_spiral_small_data", "Spiral, little data", "the spiral from 100 points: a learning-curve lesson",
       {"lab": "regularization", "data.name": "spiral", "data.n_samples": 300, "data.train_fraction": 0.5,
        "data.val_fraction": 0.2, "model.hidden": (32, 32), "model.activation": "relu",
        "model.init": "kaiming_uniform", "train.optimizer": "adam", "train.lr": 0.01, "train.batch_size": 16,
        "train.max_epochs": 150})
