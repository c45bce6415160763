"""The experiment config: one frozen dataclass tree that names every knob once, with its default.

Widgets, URLs, presets, JSON files, the CLI and tests all produce or consume an ExperimentConfig.
`tree` declares it, `knobs` coerces and checks leaf values from each knob's metadata (so a new field
needs no code elsewhere), and `convert` validates whole trees and converts them to and from a nested
dict, JSON, and a flat URL query of dotted keys. It does not build data or models.
"""

from dataclasses import replace

from playground.config.convert import (
    MAX_CONFIG_BYTES,
    changed_fields,
    describe,
    flatten,
    from_dict,
    from_json,
    from_query,
    is_config_key,
    needs_rebuild,
    parse_overrides,
    to_dict,
    to_json,
    to_query,
    validate,
    with_values,
)
from playground.config.tree import (
    LIVE_FIELDS,
    CNNConfig,
    DataConfig,
    ExperimentConfig,
    ImageDataConfig,
    ModelConfig,
    RNNConfig,
    SequenceDataConfig,
    TabularDataConfig,
    TrainConfig,
    TransformerConfig,
)
from playground.registry import ConfigError

__all__ = [
    "LIVE_FIELDS",
    "MAX_CONFIG_BYTES",
    "CNNConfig",
    "ConfigError",
    "DataConfig",
    "ExperimentConfig",
    "ImageDataConfig",
    "ModelConfig",
    "RNNConfig",
    "SequenceDataConfig",
    "TabularDataConfig",
    "TrainConfig",
    "TransformerConfig",
    "changed_fields",
    "describe",
    "flatten",
    "from_dict",
    "from_json",
    "from_query",
    "is_config_key",
    "needs_rebuild",
    "parse_overrides",
    "replace",
    "to_dict",
    "to_json",
    "to_query",
    "validate",
    "with_values",
]
