"""Every registry by name, for validation and generated dropdowns. Importing it registers everything.

Config fields name their registry ("datasets", "models", ...); this is the one place that maps those
names to the Registry objects, so config.py stays free of torch imports.
"""

from __future__ import annotations

from playground.registry import Registry


def registries() -> dict[str, Registry]:
    from playground import data, explain, models, training

    return {
        "datasets": data.DATASETS,
        "features": data.FEATURES,
        "models": models.MODELS,
        "activations": models.ACTIVATIONS,
        "inits": models.INITS,
        "losses": training.LOSSES,
        "optimizers": training.OPTIMIZERS,
        "schedules": training.SCHEDULES,
        "attributions": explain.ATTRIBUTIONS,
        "tabular_tasks": data.tabular.TASKS,
        "imputers": data.tabular.IMPUTERS,
    }


def registry(name: str) -> Registry:
    return registries()[name]
