"""Engineered input features of 2-D data (TF Playground's seven and more) and the featurizer.

A feature maps plane points xy [N, 2] to one column [N]. The registry key is what configs and URLs
store; the label is what the UI shows. This module does not generate data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from playground.registry import Registry

FEATURES: Registry[Callable[[np.ndarray], np.ndarray]] = Registry("feature")

_TABLE: list[tuple[str, str, Callable[[np.ndarray], np.ndarray], str]] = [
    ("x1", "X₁", lambda p: p[:, 0], "the first coordinate"),
    ("x2", "X₂", lambda p: p[:, 1], "the second coordinate"),
    ("x1_sq", "X₁²", lambda p: p[:, 0] ** 2, "square of X₁"),
    ("x2_sq", "X₂²", lambda p: p[:, 1] ** 2, "square of X₂"),
    ("x1x2", "X₁X₂", lambda p: p[:, 0] * p[:, 1], "product of the coordinates"),
    ("sin_x1", "sin(X₁)", lambda p: np.sin(p[:, 0]), "sine of X₁"),
    ("sin_x2", "sin(X₂)", lambda p: np.sin(p[:, 1]), "sine of X₂"),
    ("cos_x1", "cos(X₁)", lambda p: np.cos(p[:, 0]), "cosine of X₁"),
    ("cos_x2", "cos(X₂)", lambda p: np.cos(p[:, 1]), "cosine of X₂"),
    ("radius", "‖X‖", lambda p: np.hypot(p[:, 0], p[:, 1]), "distance from the origin"),
    ("sin_angle", "sin∠X", lambda p: np.sin(np.arctan2(p[:, 1], p[:, 0])), "sine of the polar angle"),
    ("cos_angle", "cos∠X", lambda p: np.cos(np.arctan2(p[:, 1], p[:, 0])), "cosine of the polar angle"),
    ("x1_cu", "X₁³/10", lambda p: p[:, 0] ** 3 / 10, "scaled cube of X₁"),
    ("x2_cu", "X₂³/10", lambda p: p[:, 1] ** 3 / 10, "scaled cube of X₂"),
]
for _key, _label, _fn, _doc in _TABLE:
    FEATURES.add(_key, _fn, _label, _doc)


def featurize(xy: np.ndarray, features: Sequence[str]) -> np.ndarray:
    """Plane points [N, 2] -> model inputs float32 [N, len(features)]."""
    return np.stack([FEATURES.get(f)(xy) for f in features], 1).astype(np.float32)
