"""Every registry by name, for validation and generated dropdowns. Importing it registers everything.

Config fields name their registry ("datasets", "models", ...); this is the one place that maps those
names to the Registry objects, so config.py stays free of torch imports.
"""

from __future__ import annotations

from playground.registry import Registry


def registries() -> dict[str, Registry]:
    from playground import data, explain, models, objectives, optimizers, sweeps
    from playground.data.images import AUGMENTATIONS
    from playground.labs import LABS
    from playground.models.cnn import POOLINGS
    from playground.models.transformer import POSITIONS
    from playground.optim import functions

    return {
        "datasets": data.DATASETS,
        "features": data.FEATURES,
        "models": models.MODELS,
        "activations": models.ACTIVATIONS,
        "inits": models.INITS,
        "losses": objectives.LOSSES,
        "optimizers": optimizers.OPTIMIZERS,
        "schedules": optimizers.SCHEDULES,
        "attributions": explain.ATTRIBUTIONS,
        "positions": POSITIONS,
        "tabular_tasks": data.tabular.TASKS,
        "imputers": data.tabular.IMPUTERS,
        "augmentations": AUGMENTATIONS,
        "poolings": POOLINGS,
        "test_functions": functions.FUNCTIONS,
        "samplers": sweeps.SAMPLERS,
        "labs": LABS,
    }


def registry(name: str) -> Registry:
    return registries()[name]
