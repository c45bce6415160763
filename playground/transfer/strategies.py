"""Transfer strategies as config overrides, and the lab's RunGroup of them from identical starting weights.

A strategy is a function cfg -> dotted overrides of the four transfer knobs (model.backbone, train.freeze,
train.lr_scales, train.unfreeze_every), counted in blocks (models/blocks.py): the backbone is the CNN's conv
blocks, the head its hidden layers and output. Non-scratch strategies keep the config's own model.backbone (the
page picks it); with none they train on the seeded random conv weights. `describe(cfg)` names the strategy a
config is, `strategy_group` trains the lab's experiment beside the chosen ones. It does not train or draw.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playground.config import ExperimentConfig, with_values
from playground.experiment import Experiment
from playground.group import RunGroup
from playground.registry import ConfigError, Registry

Overrides = dict[str, Any]
STRATEGIES: Registry[Callable[[ExperimentConfig], Overrides]] = Registry("strategy")
ULMFIT_FACTOR = 2.6     # discriminative fine-tuning: each block's lr is this much below the next (ULMFiT)
UNFREEZE_EVERY = 2      # gradual unfreezing: epochs per unfrozen block, unless the config sets its own
YOURS = "your settings"


def backbone_blocks(cfg: ExperimentConfig) -> int:
    """Conv blocks of the CNN (the backbone); ConfigError for any other model."""
    if cfg.model.kind != "cnn":
        raise ConfigError("model.kind", f"transfer strategies need a CNN (a conv backbone), not {cfg.model.kind!r}")
    return len(cfg.model.cnn.channels)


def head_blocks(cfg: ExperimentConfig) -> int:
    """Blocks after the backbone: the hidden layers of the head and the output layer."""
    return len(cfg.model.hidden) + 1


def _knobs(backbone: str, freeze: int = 0, scales: tuple[float, ...] = (), every: int = 0) -> Overrides:
    return {"model.backbone": backbone, "train.freeze": freeze, "train.lr_scales": scales,
            "train.unfreeze_every": every}


def scratch(cfg: ExperimentConfig) -> Overrides:
    backbone_blocks(cfg)
    return _knobs("")


def linear_probe(cfg: ExperimentConfig) -> Overrides:
    # every block but the output layer: conv blocks and the head's hidden layers
    return _knobs(cfg.model.backbone, backbone_blocks(cfg) + head_blocks(cfg) - 1)


def last_block(cfg: ExperimentConfig) -> Overrides:
    return _knobs(cfg.model.backbone, backbone_blocks(cfg) - 1)


def discriminative(cfg: ExperimentConfig) -> Overrides:
    # conv block i of n (from 0) learns at lr / 2.6^(n - i); the head (past the list) at lr
    n = backbone_blocks(cfg)
    return _knobs(cfg.model.backbone, 0, tuple(round(ULMFIT_FACTOR ** -(n - i), 4) for i in range(n)))


def gradual(cfg: ExperimentConfig) -> Overrides:
    return _knobs(cfg.model.backbone, backbone_blocks(cfg), (), cfg.train.unfreeze_every or UNFREEZE_EVERY)


STRATEGIES.add("scratch", scratch, "From scratch", "No backbone: every weight starts random and trains on your "
               "labels alone.")
STRATEGIES.add("linear_probe", linear_probe, "Linear probe", "The pretrained backbone is frozen and only the "
               "last layer learns, so the old features are reused as they are.")
STRATEGIES.add("last_block", last_block, "Fine-tune the last block", "The backbone's early blocks stay frozen; "
               "its last conv block and the head adapt to the new task.")
STRATEGIES.add("discriminative", discriminative, "Fine-tune, smaller early learning rates", "Everything trains, "
               "but early blocks (general edges and strokes) learn 2.6× slower per block than the next.")
STRATEGIES.add("gradual", gradual, "Gradual unfreezing", "The head trains first; every few epochs one more "
               "backbone block, from the top, starts to train too.")


def overrides(cfg: ExperimentConfig, name: str) -> Overrides:
    return STRATEGIES.get(name, "strategy")(cfg)


def _value(cfg: ExperimentConfig, dotted: str) -> Any:
    for part in dotted.split("."):
        cfg = getattr(cfg, part)
    return cfg


def describe(cfg: ExperimentConfig) -> str:
    """The strategy `cfg` is (its label), else "your settings". Compares the knobs' values (with_values
    would validate a whole config per strategy: ~18 ms a run, too slow for every live tick)."""
    for name in STRATEGIES:
        if all(_value(cfg, k) == v for k, v in overrides(cfg, name).items()):
            return STRATEGIES.label(name)
    return YOURS


def strategy_group(exp: Experiment, names: list[str], cache: dict, sources: dict | None = None) -> RunGroup:
    """The lab's experiment (labelled by `describe`) and one run per chosen strategy whose config differs from
    it and from the runs before it, all from its Dataset object and seed (identical starting weights, bar
    scratch's backbone); rebuilt when the experiment or the choice changes (views/clinic.py::twin_group).
    `sources`: the session's uploads and run backbones, as for build()."""
    key = (exp.uid, tuple(names))
    if cache.get("strategy_key") != key:
        runs: dict[str, Overrides] = {}
        seen = [exp.cfg]        # no two runs with one config (e.g. last_block = scratch with one conv block)
        for name in names:
            values = overrides(exp.cfg, name)
            if (cfg := with_values(exp.cfg, values)) not in seen:
                seen.append(cfg)
                runs[STRATEGIES.label(name)] = values
        cache["strategy_group"] = RunGroup.variants(exp, runs, leader_label=leader_label(exp.cfg), sources=sources)
        cache["strategy_key"] = key
    group = cache["strategy_group"]
    label = leader_label(exp.cfg)
    if next(iter(group.runs)) != label:   # the leader's strategy changed live (freeze, scales): same runs
        group.runs = {label: group.leader, **{k: v for k, v in list(group.runs.items())[1:]}}
    return group


def leader_label(cfg: ExperimentConfig) -> str:
    """The lab's own run: "<strategy> (yours)", or "your settings" when it is none of them."""
    name = describe(cfg)
    return name if name == YOURS else f"{name} (yours)"


def headless_group(exp: Experiment) -> RunGroup:
    """What `python -m playground train` trains for a transfer preset: the lab's default comparison."""
    return strategy_group(exp, list(STRATEGIES), {})
