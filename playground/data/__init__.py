"""Datasets: the registry and `make_dataset`. Importing this package registers every family."""

from __future__ import annotations

from playground.data.base import CLASSIFICATION, DATASETS, REGRESSION, Dataset, DataSpec, Split
from playground.data.features import FEATURES, featurize
from playground.registry import import_families

import_families(__name__, ("toy2d", "images", "transfer", "sequences", "text", "tabular"))  # each registers itself


def make_dataset(cfg, seed: int = 0, sources: dict | None = None) -> Dataset:
    """Build the dataset a DataConfig names; deterministic in (cfg, seed).

    `sources` maps upload ids (`data.source`) to a person's uploaded data, kept per session by the UI;
    entries registered with meta `upload=True` receive it.
    """
    entry = DATASETS.entry(cfg.name, "data.name")
    return entry.obj(cfg, seed, sources) if entry.meta.get("upload") else entry.obj(cfg, seed)


__all__ = ["CLASSIFICATION", "DATASETS", "FEATURES", "REGRESSION", "DataSpec", "Dataset", "Split",
           "featurize", "make_dataset"]
