"""Sequence tasks, all generated: forecasting, bit parity, the adding problem, copy and reverse.

Generators have the shape `make_x(n, seq_len, *, rng, ...) -> (x, y)` with randomness passed in.
Forecasting windows come from many random signals (x [N, L, 1] -> the next `horizon` values); a
held-out long signal goes in `meta["series"]` for the rollout view. Token tasks use id 0 as padding
(the attribution baseline), symbols 1..V, and one "recall" marker V+1. This module does not train.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from playground.data.base import CLASSIFICATION, DATASETS, REGRESSION, Dataset, DataSpec, make_splits, split_indices
from playground.registry import ConfigError

PAD = 0


# ---------------------------------------------------------------- signals for forecasting

def sine_mix(length: int, *, period: float, rng: np.random.Generator) -> np.ndarray:
    """Two or three sines (base period and its harmonics) with random phases and amplitudes."""
    t = np.arange(length)
    out = np.zeros(length)
    for k in range(1, int(rng.integers(2, 4)) + 1):
        out += rng.uniform(0.3, 1.0) / k * np.sin(2 * np.pi * k * t / period + rng.uniform(0, 2 * np.pi))
    return out


def sawtooth(length: int, *, period: float, rng: np.random.Generator) -> np.ndarray:
    """A ramp from -1 to 1 that drops back every period (random phase, period ±20%)."""
    p = period * rng.uniform(0.8, 1.2)
    return 2 * (((np.arange(length) + rng.uniform(0, p)) / p) % 1.0) - 1


def damped(length: int, *, period: float, rng: np.random.Generator) -> np.ndarray:
    """An oscillation that dies away and is kicked again at random times (decay time ~2 periods)."""
    t = np.arange(length)
    out = np.zeros(length)
    kicks = np.concatenate([[-rng.integers(0, int(period * 2) + 1)],
                            np.flatnonzero(rng.random(length) < 1.0 / (period * 3))])
    for k in kicks:
        dt = t - k
        amp, phase = rng.uniform(0.5, 1.0), rng.uniform(0, 2 * np.pi)
        out += np.where(dt >= 0, amp * np.exp(-np.maximum(dt, 0) / (2 * period)) *
                        np.sin(2 * np.pi * dt / period + phase), 0.0)
    return out


SIGNALS = {"sine": sine_mix, "sawtooth": sawtooth, "damped": damped}


def windows(signal: np.ndarray, seq_len: int, horizon: int, n: int, rng: np.random.Generator):
    """n random (window [L, 1], next `horizon` values [H]) pairs cut from one signal."""
    starts = rng.integers(0, len(signal) - seq_len - horizon + 1, n)
    x = np.stack([signal[s:s + seq_len] for s in starts])[..., None]
    y = np.stack([signal[s + seq_len:s + seq_len + horizon] for s in starts])
    return x.astype(np.float32), y.astype(np.float32)


def make_forecast(kind: str, n: int, seq_len: int, *, horizon: int, period: float, noise: float,
                  rng: np.random.Generator):
    """Windows from n/8 independent signals of one kind; noise is Gaussian, sd = noise."""
    gen = SIGNALS[kind]
    xs, ys = [], []
    per = 8
    for i in range(0, n, per):
        m = min(per, n - i)
        sig = gen(seq_len + horizon + 4 * per, period=period, rng=rng)
        sig = sig + rng.normal(0, noise, len(sig))
        x, y = windows(sig, seq_len, horizon, m, rng)
        xs.append(x)
        ys.append(y)
    return np.concatenate(xs), np.concatenate(ys)


# ---------------------------------------------------------------- memory and classification tasks

def make_parity(n: int, seq_len: int, *, rng: np.random.Generator):
    """Bits as tokens 1 (zero) and 2 (one); label = number of ones mod 2."""
    bits = rng.integers(0, 2, (n, seq_len))
    return (bits + 1).astype(np.int64), (bits.sum(1) % 2).astype(np.int64)


def make_adding(n: int, seq_len: int, *, rng: np.random.Generator):
    """Hochreiter's adding problem: x [N, L, 2] = (value in [0, 1], marker); y = sum of the two marked values.

    One marker falls in the first half and one in the second, so the answer needs memory across
    about L/2 steps. Always predicting 1.0 scores MSE ≈ 0.167; that is the bar to beat.
    """
    values = rng.random((n, seq_len))
    marks = np.zeros((n, seq_len))
    half = max(1, seq_len // 2)
    a = rng.integers(0, half, n)
    b = rng.integers(half, seq_len, n)
    marks[np.arange(n), a] = 1
    marks[np.arange(n), b] = 1
    x = np.stack([values, marks], -1).astype(np.float32)
    return x, (values * marks).sum(1, keepdims=True).astype(np.float32)


def make_recall(n: int, seq_len: int, *, vocab: int, reverse: bool, rng: np.random.Generator):
    """Copy or reverse: x = L symbols then L recall markers [N, 2L]; y = the symbols (or reversed) [N, L]."""
    sym = rng.integers(1, vocab + 1, (n, seq_len))
    x = np.concatenate([sym, np.full((n, seq_len), vocab + 1)], 1).astype(np.int64)
    return x, (sym[:, ::-1] if reverse else sym).astype(np.int64) - 1   # targets are classes 0..V-1


# ---------------------------------------------------------------- Datasets

def _dataset(x, y, cfg, rng, spec: DataSpec, **meta) -> Dataset:
    idx = split_indices(len(x), cfg.train_fraction, cfg.val_fraction, rng)
    train, val, test = make_splits(x, y, idx, spec.task)   # classes: y int64 [N] or [N, L]
    feature_names = meta.pop("feature_names", ())
    class_names = meta.pop("class_names", ())
    return Dataset(spec=spec, train=train, val=val, test=test, feature_names=feature_names,
                   class_names=class_names, meta={"family": "sequences", **meta})


def build_forecast(kind: str, cfg, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    s, L = cfg.sequence, cfg.seq_len
    x, y = make_forecast(kind, cfg.n_samples, L, horizon=s.horizon, period=s.period, noise=cfg.noise, rng=rng)
    held_out = SIGNALS[kind](L * 4, period=s.period, rng=rng) + rng.normal(0, cfg.noise, L * 4)
    spec = DataSpec(REGRESSION, (L, 1), s.horizon)
    return _dataset(x, y, cfg, rng, spec, kind="forecast", metric="r2", series=held_out.astype(np.float32),
                    feature_names=("value",))


def build_parity(cfg, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    x, y = make_parity(cfg.n_samples, cfg.seq_len, rng=rng)
    spec = DataSpec(CLASSIFICATION, (cfg.seq_len,), 2, vocab_size=3)
    return _dataset(x, y, cfg, rng, spec, kind="classify", metric="accuracy", tokens=("·", "0", "1"),
                    class_names=("even", "odd"))


def build_adding(cfg, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    x, y = make_adding(cfg.n_samples, cfg.seq_len, rng=rng)
    spec = DataSpec(REGRESSION, (cfg.seq_len, 2), 1)
    return _dataset(x, y, cfg, rng, spec, kind="regress", metric="mse", feature_names=("value", "marker"),
                    baseline_mse=1 / 6, baseline_mean=1.0)


def build_recall(reverse: bool, cfg, seed: int) -> Dataset:
    rng = np.random.default_rng(seed)
    v = cfg.sequence.vocab
    x, y = make_recall(cfg.n_samples, cfg.seq_len, vocab=v, reverse=reverse, rng=rng)
    spec = DataSpec(CLASSIFICATION, (2 * cfg.seq_len,), v, vocab_size=v + 2, output_len=cfg.seq_len)
    tokens = ("·", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"[:v], "?")
    return _dataset(x, y, cfg, rng, spec, kind="seq2seq", metric="token_accuracy", tokens=tokens,
                    class_names=tokens[1:v + 1])


# ---------------------------------------------------------------- a column of the person's own CSV

MAX_CSV_BYTES = 5_000_000
MAX_ROWS = 100_000


def read_csv_upload(files: list[tuple[str, bytes]]) -> bytes:
    """The UI's upload reader (ui/upload.py): the CSV's bytes, refused if too big or without a numeric column."""
    (name, content), = files[:1] or [("", b"")]
    if len(content) > MAX_CSV_BYTES:
        raise ConfigError("data.source", f"{name} is {len(content) / 1e6:.1f} MB; the limit is "
                                         f"{MAX_CSV_BYTES / 1e6:.0f} MB")
    try:
        read_series(content, "")   # parse now, so a bad file is refused before the model is rebuilt
    except ConfigError as err:
        raise ConfigError("data.source", err.message) from None
    return content


def read_series(content: bytes, column: str) -> tuple[np.ndarray, str]:
    """(values float64 [N], column name): the named column, else the first numeric one; NaNs dropped."""
    import io

    import pandas as pd

    try:
        df = pd.read_csv(io.BytesIO(content), nrows=MAX_ROWS)
    except Exception as err:
        raise ConfigError("data.source", f"not a readable CSV file ({type(err).__name__})") from None
    numeric = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    if column and column not in df.columns:
        raise ConfigError("data.sequence.column", f"no column {column!r}; columns: {', '.join(map(str, df.columns))}")
    name = column or (numeric[0] if numeric else "")
    if not name or name not in numeric:
        raise ConfigError("data.sequence.column", "pick a numeric column" if name else "the file has no numeric column")
    return df[name].dropna().to_numpy(np.float64), str(name)


def build_csv_series(cfg, seed: int, sources: dict | None = None) -> Dataset:
    """Forecast one column of the CSV this session uploaded (`sources[data.source]`): windows in time
    order (train first, then val, then test), standardised with the training part's mean and deviation."""
    raw = (sources or {}).get(cfg.source)
    if not isinstance(raw, bytes):
        raise ConfigError("data.source", "upload a CSV file first (uploads stay in the browser session that "
                                         "made them)")
    values, name = read_series(raw, cfg.sequence.column)
    L, h = cfg.seq_len, cfg.sequence.horizon
    n_windows = len(values) - L - h + 1
    if n_windows < 10:
        raise ConfigError("data.seq_len", f"column {name!r} has {len(values)} values: too few for windows of {L}+{h}")
    cut = int(len(values) * cfg.train_fraction)
    mean, std = values[:cut].mean(), values[:cut].std() or 1.0
    z = ((values - mean) / std).astype(np.float32)
    win = np.lib.stride_tricks.sliding_window_view(z, L + h)                  # (N, L+h)
    x, y = win[:, :L, None].copy(), win[:, L:].copy()
    n_train = max(1, int(n_windows * cfg.train_fraction))
    n_val = int(n_windows * cfg.val_fraction)
    idx = (np.arange(n_train), np.arange(n_train, n_train + n_val), np.arange(n_train + n_val, n_windows))
    train, val, test = make_splits(x, y, idx, REGRESSION)
    return Dataset(spec=DataSpec(REGRESSION, (L, 1), h), train=train, val=val, test=test, feature_names=(name,),
                   meta={"family": "sequences", "kind": "forecast", "metric": "r2", "column": name,
                         "series": z[-4 * L:] if len(z) >= 4 * L else z})


_TASKS = [
    ("sine", partial(build_forecast, "sine"), REGRESSION, "Forecast: sines",
     "predict the next values of a mixture of sines with noise"),
    ("sawtooth", partial(build_forecast, "sawtooth"), REGRESSION, "Forecast: sawtooth",
     "predict a ramp that drops back every period"),
    ("damped", partial(build_forecast, "damped"), REGRESSION, "Forecast: damped oscillation",
     "an oscillation that dies away and is kicked again at random"),
    ("csv_series", build_csv_series, REGRESSION, "Forecast: a column of your CSV",
     "upload a CSV and forecast one numeric column"),
    ("parity", build_parity, CLASSIFICATION, "Bit parity", "is the number of ones odd? (sequence classification)"),
    ("adding", build_adding, REGRESSION, "Adding problem",
     "add the two marked numbers of a long sequence (long-range memory)"),
    ("copy", partial(build_recall, False), CLASSIFICATION, "Copy", "repeat L symbols after seeing them all"),
    ("reverse", partial(build_recall, True), CLASSIFICATION, "Reverse", "repeat L symbols backwards"),
]
for _key, _fn, _task, _label, _doc in _TASKS:
    DATASETS.add(_key, _fn, _label, _doc, task=_task, family="sequences", upload=_key == "csv_series")
