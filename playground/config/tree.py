"""The experiment config tree: one frozen dataclass per section, every knob named once with its default.

Each lab fills in its own family section; `ExperimentConfig` holds them all. Dataclass constructors
check only cross-field rules; ranges and registry names are checked by `convert.from_dict`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.config.knobs import knob
from playground.registry import ConfigError

# ---- family sections: each lab fills in its own section (fields via `knob`, defaults = that lab's)

@dataclass(frozen=True)
class ImageDataConfig:
    """Image data options (Images lab): augmentation of the training split and the size of uploads."""

    augment: tuple[str, ...] = knob((), registry="augmentations", max_len=8,
                                    doc="augmentations applied (in turn) to the training images")
    augment_copies: int = knob(0, 0, 4, doc="0: fresh random transforms of every training image each epoch; "
                                            "1-4: that many fixed augmented copies, made once, added instead")
    augment_share: float = knob(0.5, 0.05, 1.0, doc="fresh augmentation: the share of training images newly "
                                                    "transformed each epoch (the rest are seen as they are)")
    size: int = knob(16, 4, 64, doc="side in pixels that uploaded folder images are resized to")
    labels_per_class: int = knob(0, 0, 100000, doc="keep only this many labelled training images per class "
                                                   "(label-efficiency studies; chosen by the seed); 0 = all")


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
    backbone: str = knob("", doc="pretrained weights for the conv blocks: a shipped backbone's name, or "
                                 "run:<id> of a CNN run in your history; empty = trained from scratch")
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
    freeze: int = knob(0, 0, 32, doc="freeze the first N blocks of the network from the input side (conv "
                                     "blocks, then head layers): their weights do not train")
    lr_scales: tuple[float, ...] = knob((), 0.0, 10.0, max_len=32, doc="per-block multiplier of lr from the "
                                        "input side (discriminative fine-tuning); blocks past the list use 1")
    unfreeze_every: int = knob(0, 0, 100000, doc="gradual unfreezing: every N epochs the last frozen block "
                                                 "starts to train, from the output side; 0 = off")


@dataclass(frozen=True)
class ExperimentConfig:
    """One experiment: everything right of it is deterministic given this and its seed."""

    lab: str = knob("playground", registry="labs", doc="which lab page this config opens in")
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
    "train.freeze", "train.lr_scales", "train.unfreeze_every",
})
