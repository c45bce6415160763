"""Presets of the transfer lab: a backbone pretrained on one task, adapted to another with few labels.

Every preset uses the shipped backbones' architecture (conv 8, 16, 32 on 16×16 images, no hidden head layer),
so "your settings" and the compared strategies start from the same weights. The leader's own strategy is the
linear probe (every backbone block frozen, a new output layer); the lab adds the other strategies beside it.
"""

from __future__ import annotations

from playground.presets.base import preset

BASE = {"lab": "transfer", "data.name": "digits_5_9", "data.train_fraction": 0.6, "data.val_fraction": 0.15,
        "data.image.labels_per_class": 10, "model.kind": "cnn", "model.cnn.channels": (8, 16, 32),
        "model.cnn.kernel": 3, "model.cnn.padding": 1, "model.cnn.stride": 1, "model.cnn.pool": "max",
        "model.activation": "relu", "model.hidden": (), "model.backbone": "digits_0_4",
        "model.init": "kaiming_uniform", "train.optimizer": "adam", "train.lr": 0.003, "train.batch_size": 16,
        "train.max_epochs": 60, "train.freeze": 3}

preset("transfer_digits", "Digits 0-4 → 5-9, 10 labels a class", "a backbone that learned to read 0-4 reads "
       "5-9 from 50 labelled images", BASE)
preset("transfer_digits_5", "Digits 0-4 → 5-9, 5 labels a class", "the headline: 25 labels, a linear probe "
       "against training from scratch", {**BASE, "data.image.labels_per_class": 5, "train.max_epochs": 80})
preset("transfer_digits_many", "Digits 0-4 → 5-9, every label", "with plenty of labels, fine-tuning catches the "
       "probe and training from scratch catches up", {**BASE, "data.image.labels_per_class": 0,
                                                      "train.max_epochs": 25})
preset("transfer_shapes", "Shapes → digits 5-9", "a backbone that learned drawn shapes: strokes and corners, "
       "not digits", {**BASE, "model.backbone": "shapes"})
preset("transfer_textures", "Textures → digits 5-9 (far)", "a backbone that learned brick, grass and gravel: "
       "far from pen strokes, so it helps little", {**BASE, "model.backbone": "textures"})
preset("transfer_faces", "Digits 0-4 → faces (far)", "digit strokes as features for face or not-face",
       {**BASE, "data.name": "faces", "data.image.labels_per_class": 10})
