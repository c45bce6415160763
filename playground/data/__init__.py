"""Datasets: the registry and `make_dataset`. Importing this package registers every family."""

from __future__ import annotations

from playground.data.base import CLASSIFICATION, DATASETS, REGRESSION, Dataset, DataSpec, Split
from playground.data.features import FEATURES, featurize
from playground.registry import import_families

import_families(__name__, ("toy2d", "images", "sequences", "text", "tabular"))  # each registers itself


def make_dataset(cfg, seed: int = 0) -> Dataset:
    """Build the dataset a DataConfig names; deterministic in (cfg, seed)."""
    return DATASETS.get(cfg.name, "data.name")(cfg, seed)


__all__ = ["CLASSIFICATION", "DATASETS", "FEATURES", "REGRESSION", "DataSpec", "Dataset", "Split",
           "featurize", "make_dataset"]
