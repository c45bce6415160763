"""Presets of the Your data lab: scikit-learn's bundled tables with a small MLP that learns them in seconds."""

from __future__ import annotations

from playground.presets.base import preset

_TABULAR = {"lab": "tabular", "model.activation": "relu", "model.init": "kaiming_uniform", "train.optimizer": "adam",
            "train.lr": 0.01, "train.batch_size": 16, "data.train_fraction": 0.6, "data.val_fraction": 0.2}

preset("iris_mlp", "Iris flowers", "4 measurements -> 3 species; one hidden layer of 16 ReLUs, Adam",
       {**_TABULAR, "data.name": "iris", "model.hidden": (16,), "train.max_epochs": 100})
preset("wine_mlp", "Wine cultivars", "13 chemical measurements -> 3 cultivars; [32, 16] tanh, Adam",
       {**_TABULAR, "data.name": "wine", "model.hidden": (32, 16), "model.activation": "tanh",
        "model.init": "xavier_uniform", "train.max_epochs": 80})
preset("breast_cancer_mlp", "Breast cancer", "30 tumour features -> benign/malignant; dropout and early stopping",
       {**_TABULAR, "data.name": "breast_cancer", "model.hidden": (32, 16), "model.dropout": 0.2,
        "train.early_stopping": True, "train.patience": 20, "train.max_epochs": 150})
preset("wine_linear", "Wine, no hidden layer", "a linear softmax model: compare it with logistic regression",
       {**_TABULAR, "data.name": "wine", "model.hidden": (), "train.max_epochs": 80})
