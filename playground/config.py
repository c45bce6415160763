"""The experiment config: one frozen dataclass tree that names every knob once, with its default.

Widgets, URLs, presets, JSON files, the CLI and tests all produce or consume an ExperimentConfig.
This module validates values (ranges and registry names) and converts the tree to and from a
nested dict, JSON, and a flat URL query of dotted keys. It does not build data or models.

Each knob is declared with `knob(default, lo, hi, registry=...)`; the metadata drives both
validation and coercion from strings, so a new field needs no code elsewhere in this file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Any, TypeVar

from playground.registry import ConfigError

C = TypeVar("C")


def knob(default: Any, lo: float | None = None, hi: float | None = None, *, registry: str | None = None,
         min_len: int = 0, max_len: int = 64, doc: str = "") -> Any:
    """A config field with its allowed range (numbers, or each item of a tuple) or registry name."""
    meta = {"lo": lo, "hi": hi, "registry": registry, "min_len": min_len, "max_len": max_len, "doc": doc}
    return field(default=default, metadata=meta)


# ---- family sections: each lab fills in its own section (fields via `knob`, defaults = that lab's)

@dataclass(frozen=True)
class ImageDataConfig:
    """Image data options (Images lab): augmentation of the training split and the size of uploads."""

    augment: tuple[str, ...] = knob((), registry="augmentations", max_len=8,
                                    doc="augmentations applied to extra copies of each training image")
    augment_copies: int = knob(1, 0, 4, doc="augmented copies added per training image (when augment is set)")
    size: int = knob(16, 4, 64, doc="side in pixels that uploaded folder images are resized to")


@dataclass(frozen=True)
class SequenceDataConfig:
    """Sequence and text task options (Sequences and Transformers labs); length is `data.seq_len`."""

    horizon: int = knob(1, 1, 50, doc="forecasting: future values predicted at once (1 = one step)")
    period: float = knob(20.0, 3.0, 200.0, doc="forecasting: base period of the signal, in steps")
    vocab: int = knob(8, 2, 32, doc="copy/reverse: number of distinct symbols")
    column: str = knob("", doc="CSV forecasting: the column to forecast (blank = the first numeric one)")


@dataclass(frozen=True)
class TabularDataConfig:
    """Tabular and CSV options (Your data lab). The CSV itself is named by `data.source`."""

    target: str = knob("", doc="CSV column to predict; empty = the last column")
    task: str = knob("auto", registry="tabular_tasks", doc="auto infers classification or regression")
    impute: str = knob("mean", registry="imputers", doc="what to do with missing numbers")
    standardize: bool = knob(True, doc="scale every input to mean 0, std 1 (train-split statistics)")
    max_categories: int = knob(20, 2, 200, doc="text columns with more distinct values are dropped (ids)")


@dataclass(frozen=True)
class CNNConfig:
    """Convolutional network options (Images lab). The head after the conv blocks is `model.hidden`;
    activation, batch norm and dropout come from the model section."""

    channels: tuple[int, ...] = knob((8, 16), 1, 128, min_len=1, max_len=6, doc="output channels per conv block")
    kernel: int = knob(3, 1, 9, doc="square kernel side of every conv")
    stride: int = knob(1, 1, 4, doc="stride of every conv")
    padding: int = knob(1, 0, 4, doc="zero padding of every conv (1 keeps the size with kernel 3)")
    pool: str = knob("max", registry="poolings", doc="2×2 pooling after every conv block")


@dataclass(frozen=True)
class RNNConfig:
    """Recurrent network options (Sequences lab); the cell is `model.kind` (rnn, lstm, gru)."""

    hidden_size: int = knob(32, 1, 512, doc="units in each recurrent layer")
    layers: int = knob(1, 1, 4, doc="stacked recurrent layers")
    bidirectional: bool = knob(False, doc="also read the sequence backwards (not for next-token tasks)")
    relu: bool = knob(False, doc="plain RNN only: ReLU instead of tanh")
    embed_dim: int = knob(16, 1, 256, doc="token tasks: size of the learned symbol embedding")


@dataclass(frozen=True)
class TransformerConfig:
    """Transformer options (Transformers lab); dropout is `model.dropout`."""

    d_model: int = knob(32, 4, 256, doc="width of every token vector")
    heads: int = knob(2, 1, 8, doc="attention heads per layer (must divide d_model)")
    layers: int = knob(2, 1, 6, doc="Transformer blocks")
    d_ff: int = knob(64, 4, 1024, doc="hidden size of each block's feed-forward network")
    positions: str = knob("sinusoidal", registry="positions", doc="how token positions are encoded")
    causal: bool = knob(False, doc="mask attention to earlier positions (decoder-only; required for text)")


# ---- the experiment tree

@dataclass(frozen=True)
class DataConfig:
    """What to learn from. `name` picks a dataset family entry; the rest are its common knobs."""

    name: str = knob("circle", registry="datasets", doc="dataset registry key")
    n_samples: int = knob(500, 10, 20000, doc="points generated (toy and sequence tasks)")
    noise: float = knob(0.0, 0.0, 1.0, doc="label/position noise; TF Playground's 0-50 is 0.0-0.5")
    n_classes: int = knob(3, 2, 10, doc="classes, for k-class generators")
    train_fraction: float = knob(0.5, 0.05, 0.95, doc="share of samples used for training")
    val_fraction: float = knob(0.1, 0.0, 0.5, doc="share used for validation; the rest is test")
    features: tuple[str, ...] = knob(("x1", "x2"), registry="features", min_len=1, max_len=32,
                                     doc="engineered inputs of 2-D datasets")
    seq_len: int = knob(20, 2, 512, doc="sequence length, for sequence tasks")
    source: str = knob("", doc="uploaded file id or column, for user data")
    image: ImageDataConfig = field(default_factory=ImageDataConfig)
    sequence: SequenceDataConfig = field(default_factory=SequenceDataConfig)
    tabular: TabularDataConfig = field(default_factory=TabularDataConfig)

    def __post_init__(self) -> None:
        if self.train_fraction + self.val_fraction > 0.95:
            raise ConfigError("data.val_fraction",
                              "train_fraction + val_fraction must leave at least 5% for the test split")


@dataclass(frozen=True)
class ModelConfig:
    """The network. `kind` picks a builder; MLP fields also describe the head of other families."""

    kind: str = knob("mlp", registry="models", doc="model registry key")
    hidden: tuple[int, ...] = knob((4, 2), 1, 512, max_len=16, doc="neurons per hidden layer")
    activation: str = knob("tanh", registry="activations", doc="activation of every hidden layer")
    layer_activations: tuple[str, ...] = knob((), registry="activations", max_len=16,
                                              doc="per-layer override of `activation`")
    dropout: float = knob(0.0, 0.0, 0.9, doc="dropout after every hidden layer")
    layer_dropout: tuple[float, ...] = knob((), 0.0, 0.9, max_len=16, doc="per-layer override of `dropout`")
    batch_norm: bool = knob(False, doc="batch norm before every hidden activation")
    layer_batch_norm: tuple[bool, ...] = knob((), max_len=16, doc="per-layer override of `batch_norm`")
    init: str = knob("xavier_uniform", registry="inits", doc="weight initialisation scheme")
    cnn: CNNConfig = field(default_factory=CNNConfig)
    rnn: RNNConfig = field(default_factory=RNNConfig)
    transformer: TransformerConfig = field(default_factory=TransformerConfig)


@dataclass(frozen=True)
class TrainConfig:
    """How to train: loss, optimizer, schedule, regularisation, stopping."""

    loss: str = knob("auto", registry="losses", doc="auto = cross-entropy or MSE by task")
    optimizer: str = knob("sgd", registry="optimizers", doc="optimizer registry key")
    lr: float = knob(0.03, 1e-6, 10.0, doc="learning rate")
    batch_size: int = knob(10, 0, 100000, doc="0 = full batch, 1 = one sample per step")
    momentum: float = knob(0.0, 0.0, 0.999, doc="SGD momentum (also RMSprop's)")
    nesterov: bool = knob(False, doc="Nesterov momentum for SGD")
    beta1: float = knob(0.9, 0.0, 0.9999, doc="Adam/AdamW first-moment decay")
    beta2: float = knob(0.999, 0.0, 0.99999, doc="Adam/AdamW second-moment decay (RMSprop alpha)")
    weight_decay: float = knob(0.0, 0.0, 1.0, doc="optimizer weight decay (decoupled for AdamW)")
    l1: float = knob(0.0, 0.0, 1.0, doc="L1 penalty on weights, added to the loss")
    l2: float = knob(0.0, 0.0, 1.0, doc="L2 penalty on weights, added to the loss")
    schedule: str = knob("constant", registry="schedules", doc="learning-rate schedule")
    step_size: int = knob(50, 1, 100000, doc="epochs per decay, for the step schedule")
    gamma: float = knob(0.5, 0.01, 1.0, doc="decay factor of step/exponential schedules")
    warmup_epochs: int = knob(0, 0, 10000, doc="linear warm-up epochs")
    grad_clip: float = knob(0.0, 0.0, 1000.0, doc="clip the gradient norm; 0 = off")
    early_stopping: bool = knob(False, doc="stop when validation loss stops improving")
    patience: int = knob(20, 1, 10000, doc="epochs without improvement before stopping")
    restore_best: bool = knob(True, doc="on early stop, restore the best-validation weights")
    max_epochs: int = knob(0, 0, 1_000_000, doc="stop after this many epochs; 0 = no limit")
    input_noise: float = knob(0.0, 0.0, 5.0, doc="std of Gaussian noise added to training inputs each step")


@dataclass(frozen=True)
class ExperimentConfig:
    """One experiment: everything right of it is deterministic given this and its seed."""

    lab: str = knob("playground", doc="which lab page this config opens in")
    seed: int = knob(0, 0, 2**31 - 1, doc="seeds data, initial weights and batch order")
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)


# Fields that may change while a model trains; any other change rebuilds data and model.
LIVE_FIELDS = frozenset({
    "train.lr", "train.momentum", "train.nesterov", "train.beta1", "train.beta2", "train.weight_decay",
    "train.l1", "train.l2", "train.grad_clip", "train.batch_size", "train.early_stopping",
    "train.patience", "train.restore_best", "train.max_epochs", "train.step_size", "train.gamma",
    "train.warmup_epochs", "train.schedule", "train.optimizer", "train.loss", "train.input_noise",
})


# ---------------------------------------------------------------- leaf coercion and validation

def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _coerce_scalar(tp: type, value: Any, name: str) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)) and value in (0, 1):
            return bool(value)
        s = str(value).strip().lower()
        if s in ("1", "true", "yes", "on"):
            return True
        if s in ("0", "false", "no", "off"):
            return False
        raise ConfigError(name, f"expected true or false, got {value!r}")
    if tp is int:
        if isinstance(value, bool):
            raise ConfigError(name, f"expected a whole number, got {value!r}")
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ConfigError(name, f"expected a whole number, got {value!r}") from None
        if not math.isfinite(f) or f != int(f):
            raise ConfigError(name, f"expected a whole number, got {value!r}")
        return int(f)
    if tp is float:
        try:
            f = float(value)
        except (TypeError, ValueError):
            raise ConfigError(name, f"expected a number, got {value!r}") from None
        if not math.isfinite(f):
            raise ConfigError(name, f"expected a finite number, got {value!r}")
        return f
    if tp is str:
        if not isinstance(value, (str, int, float)):
            raise ConfigError(name, f"expected text, got {value!r}")
        return str(value)
    raise ConfigError(name, f"unsupported type {tp}")


def _coerce(tp: Any, value: Any, name: str) -> Any:
    if typing.get_origin(tp) is tuple:
        item_tp = typing.get_args(tp)[0]
        if isinstance(value, str):
            value = [v for v in value.split(",") if v.strip() != ""]
        if not isinstance(value, (list, tuple)):
            raise ConfigError(name, f"expected a list, got {value!r}")
        return tuple(_coerce_scalar(item_tp, v.strip() if isinstance(v, str) else v, name) for v in value)
    return _coerce_scalar(tp, value, name)


def _registry_keys(name: str) -> list[str]:
    from playground.catalog import registry  # lazy: the catalog imports torch-heavy modules

    return registry(name).keys()


def _check(f: dataclasses.Field, value: Any, name: str) -> None:
    meta = f.metadata
    items = value if isinstance(value, tuple) else (value,)
    if isinstance(value, tuple) and not meta["min_len"] <= len(value) <= meta["max_len"]:
        raise ConfigError(name, f"expected {meta['min_len']} to {meta['max_len']} items, got {len(value)}")
    for v in items:
        if meta["lo"] is not None and not isinstance(v, bool) and not meta["lo"] <= v <= meta["hi"]:
            raise ConfigError(name, f"{v!r} is outside the allowed range [{meta['lo']}, {meta['hi']}]")
        if meta["registry"] and v not in (keys := _registry_keys(meta["registry"])):
            raise ConfigError(name, f"unknown value {v!r}; allowed: {', '.join(keys)}")


# ---------------------------------------------------------------- dict / JSON / URL round-trip

def from_dict(cls: type[C], data: Mapping[str, Any], prefix: str = "") -> C:
    """Build and validate a config dataclass from a (possibly partial) nested dict."""
    if not isinstance(data, Mapping):
        raise ConfigError(prefix.rstrip(".") or "config", f"expected a mapping, got {type(data).__name__}")
    hints = _hints(cls)
    known = {f.name: f for f in fields(cls)}
    for key in data:
        if key not in known:
            raise ConfigError(prefix + str(key), f"unknown setting; known: {', '.join(known)}")
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        f, tp, path = known[name], hints[name], prefix + name
        if is_dataclass(tp):
            kwargs[name] = from_dict(tp, value, path + ".")
        else:
            kwargs[name] = _coerce(tp, value, path)
            _check(f, kwargs[name], path)
    try:
        return cls(**kwargs)
    except ConfigError as err:
        raise ConfigError(err.field if "." in err.field else prefix + err.field, err.message) from None


def to_dict(cfg: Any) -> dict[str, Any]:
    """Nested plain dict (tuples become lists) that `from_dict` reads back to an equal config."""
    out: dict[str, Any] = {}
    for f in fields(cfg):
        v = getattr(cfg, f.name)
        out[f.name] = to_dict(v) if is_dataclass(v) else list(v) if isinstance(v, tuple) else v
    return out


def to_json(cfg: ExperimentConfig, indent: int | None = 2) -> str:
    return json.dumps(to_dict(cfg), indent=indent)


def from_json(text: str) -> ExperimentConfig:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigError("config", f"not valid JSON ({err.msg} at line {err.lineno})") from None
    return from_dict(ExperimentConfig, data)


def validate(cfg: C) -> C:
    """Re-check a config built directly (dataclass constructors check only cross-field rules)."""
    return from_dict(type(cfg), to_dict(cfg))


def flatten(cfg: Any, prefix: str = "") -> dict[str, Any]:
    """Dotted path -> leaf value, e.g. {'train.lr': 0.03, 'model.hidden': (4, 2)}."""
    out: dict[str, Any] = {}
    for f in fields(cfg):
        v = getattr(cfg, f.name)
        if is_dataclass(v):
            out.update(flatten(v, prefix + f.name + "."))
        else:
            out[prefix + f.name] = v
    return out


def _unflatten(flat: Mapping[str, Any]) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    for path, value in flat.items():
        node = tree
        *parents, leaf = path.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ConfigError(path, "is not a section")
        node[leaf] = value
    return tree


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return ",".join(_fmt(x) for x in v)
    if isinstance(v, bool):
        return "1" if v else "0"
    return repr(v) if isinstance(v, float) else str(v)


def to_query(cfg: ExperimentConfig) -> dict[str, str]:
    """Flat URL parameters holding only what differs from the defaults (short links)."""
    default = flatten(ExperimentConfig())
    return {k: _fmt(v) for k, v in flatten(cfg).items() if default.get(k) != v or k == "lab"}


def is_config_key(key: str) -> bool:
    return key in ("lab", "seed") or "." in key


def from_query(params: Mapping[str, str], base: ExperimentConfig | None = None) -> ExperimentConfig:
    """Parse URL parameters (non-config keys such as classroom flags are ignored) onto `base`."""
    flat = {k: v for k, v in params.items() if is_config_key(k)}
    return with_values(base or ExperimentConfig(), flat)


def with_values(cfg: ExperimentConfig, flat: Mapping[str, Any]) -> ExperimentConfig:
    """Copy of `cfg` with dotted-path values replaced; validates the whole result."""
    tree = to_dict(cfg)
    for path, value in _unflatten(flat).items():
        if isinstance(value, dict) and isinstance(tree.get(path), dict):
            tree[path] = _merge(tree[path], value)
        else:
            tree[path] = value
    return from_dict(ExperimentConfig, tree)


def _merge(base: dict[str, Any], new: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in new.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def parse_overrides(items: Iterable[str]) -> dict[str, str]:
    """['train.lr=0.1', ...] -> {'train.lr': '0.1'}; a malformed item raises ConfigError."""
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(item, "expected dotted.key=value")
        out[key.strip()] = value.strip()
    return out


def changed_fields(old: ExperimentConfig, new: ExperimentConfig) -> list[str]:
    a, b = flatten(old), flatten(new)
    return [k for k in b if a.get(k) != b[k]]


def needs_rebuild(old: ExperimentConfig, new: ExperimentConfig) -> list[str]:
    """Changed fields that cannot be applied to a model in training (data, model, seed)."""
    return [k for k in changed_fields(old, new) if k not in LIVE_FIELDS and k != "lab"]


def describe(cls: type = ExperimentConfig, prefix: str = "") -> list[tuple[str, Any, str]]:
    """(dotted path, default, doc) for every knob: the reference table of the README and CLI."""
    rows: list[tuple[str, Any, str]] = []
    for f in fields(cls):
        tp = _hints(cls)[f.name]
        if is_dataclass(tp):
            rows += describe(tp, prefix + f.name + ".")
        else:
            rows.append((prefix + f.name, f.default, f.metadata.get("doc", "")))
    return rows


__all__ = [
    "LIVE_FIELDS",
    "ConfigError",
    "DataConfig",
    "ExperimentConfig",
    "ModelConfig",
    "TrainConfig",
    "changed_fields",
    "describe",
    "flatten",
    "from_dict",
    "from_json",
    "from_query",
    "needs_rebuild",
    "parse_overrides",
    "replace",
    "to_dict",
    "to_json",
    "to_query",
    "validate",
    "with_values",
]
