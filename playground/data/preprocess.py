"""The fitted preprocessing of a table: raw columns in, model inputs out, and model outputs back to labels.

`Preprocessor.fit(train_rows, ...)` learns, from the training rows only: the fill value of each numeric
column (mean or median of its training values; 0 if it has none), the categories of each text column (the
values seen in training rows, a blank counting as the category "(missing)"), and, when standardising, the
mean and std of every model input. `transform(rows)` applies them to any rows: a category never seen in
the training rows gets all zeros in its column's one-hot inputs (before scaling), a number that is not a
number becomes missing and is filled. It also carries the target's name, classes and scaling, so
`decode(outputs)` turns network outputs into labels or values.

The fitted state is plain data (`to_dict`/`from_dict`: str, float, lists), so it travels inside a
weights_only checkpoint, a run folder and a JSON file beside an ONNX model. It does not read files, split
rows or train (playground/data/csv_table.py reads, playground/data/tabular.py splits and fits).
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

MISSING = "(missing)"          # the category of a blank text cell
CLASSIFICATION, REGRESSION = "classification", "regression"   # as playground.data.base (no import: no torch here)
_TRUE, _FALSE = {"true"}, {"false"}


LIMIT = float(np.finfo(np.float32).max)   # ~3.4e38: the network computes in float32; past it a value is inf


class MissingColumns(ValueError):
    """Rows to transform lack columns the preprocessing was fitted on (`args[0]`: their names)."""


class OutOfRange(ValueError):
    """A finite number too large for float32 (|v| > LIMIT): its mean, std and scaled value would overflow
    (a column of ±1e308 made the PCA's SVD fail, or scaled every value to 0). `args`: column, row, value."""

    def describe(self) -> str:
        col, row, value = self.args
        return (f"column {col!r}, row {row}: {value:g} is beyond ±{LIMIT:.1e}, the largest number the network "
                "computes with; rescale the column (other units) or remove the value")


def check_range(values: np.ndarray, columns, index) -> None:
    """Raise OutOfRange for the first finite |value| > LIMIT of `values` (N, k); `index`: the rows' labels."""
    big = np.isfinite(values) & (np.abs(values) > LIMIT)
    if big.any():
        i, j = np.argwhere(big)[0]
        raise OutOfRange(columns[j], int(index[i]) + 1, float(values[i, j]))


def numbers(frame, columns) -> np.ndarray:
    """Numeric columns as float64 (N, k); text that is not a number, inf and blanks -> NaN; a finite number
    beyond float32 raises OutOfRange (row = the frame's index label + 1: the data row as read)."""
    import pandas as pd

    out = np.empty((len(frame), len(columns)))
    for j, col in enumerate(columns):
        s = frame[col]
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(float)
        elif not pd.api.types.is_numeric_dtype(s):   # text (a file read as text, or stray words): True/False too
            low = s.astype("string").str.strip().str.lower()
            s = pd.to_numeric(s, errors="coerce").mask(low.isin(_TRUE), 1.0).mask(low.isin(_FALSE), 0.0)
        out[:, j] = s.to_numpy(dtype=float, na_value=np.nan)
    check_range(out, list(columns), frame.index)
    out[~np.isfinite(out)] = np.nan
    return out


def texts(frame, column) -> np.ndarray:
    """A text column as strings (N,), a blank -> "(missing)"."""
    return frame[column].astype("string").fillna(MISSING).to_numpy(dtype=object)


@dataclass(frozen=True)
class Preprocessor:
    """Fitted on training rows; every field is plain data (see `to_dict`)."""

    numeric: tuple[str, ...] = ()                     # numeric input columns, in model-input order
    fill: tuple[float, ...] = ()                      # their fill values (training-rows mean or median)
    categorical: tuple[str, ...] = ()                 # text input columns, one-hot after the numbers
    categories: tuple[tuple[str, ...], ...] = ()      # per text column: training rows' values, sorted
    mean: tuple[float, ...] = ()                      # per model input; () = no scaling
    std: tuple[float, ...] = ()
    impute: str = "mean"                              # mean, median or drop (drop: rows with holes left the
                                                      # table before the split; a new row's holes get the mean)
    target: str = ""
    task: str = CLASSIFICATION
    classes: tuple[str, ...] = ()                     # class names, index = network output
    y_mean: float = 0.0                               # regression: the network predicts (y - y_mean) / y_std
    y_std: float = 1.0

    # -- fitting ---------------------------------------------------------------------------

    @classmethod
    def fit(cls, rows, y: np.ndarray, *, numeric: tuple[str, ...], categorical: tuple[str, ...], task: str,
            classes: tuple[str, ...] = (), target: str = "", impute: str = "mean",
            standardize: bool = True) -> Preprocessor:
        """Learn every statistic from `rows` (a DataFrame of the training rows only) and their targets `y`."""
        num = numbers(rows, numeric)                                        # (N_train, k), NaN = missing
        with warnings.catch_warnings():   # a column with no value in the training rows: NaN, filled with 0 below
            warnings.simplefilter("ignore", RuntimeWarning)
            stat = np.nanmedian(num, 0) if impute == "median" else np.nanmean(num, 0)
        fill = tuple(float(v) if np.isfinite(v) else 0.0 for v in np.atleast_1d(stat)) if numeric else ()
        cats = tuple(tuple(sorted(set(texts(rows, c)))) for c in categorical)
        y_mean, y_std = 0.0, 1.0
        if task == REGRESSION:
            yf = np.asarray(y, dtype=np.float64)
            y_mean, y_std = float(yf.mean()), float(yf.std() or 1.0)
        prep = cls(tuple(numeric), fill, tuple(categorical), cats, impute=impute, target=target, task=task,
                   classes=tuple(classes), y_mean=y_mean, y_std=y_std)
        if not standardize:
            return prep
        x = prep._assemble(rows)                                            # (N_train, F) before scaling
        std = x.std(0)
        std[std == 0] = 1.0                                                 # a constant input stays put
        return cls(**{**prep._fields(), "mean": tuple(map(float, x.mean(0))), "std": tuple(map(float, std))})

    # -- applying --------------------------------------------------------------------------

    @property
    def columns(self) -> tuple[str, ...]:
        """The raw input columns a row must have."""
        return self.numeric + self.categorical

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Model input names: the numeric columns, then `column=category` for each one-hot input."""
        return self.numeric + tuple(f"{c}={v}" for c, cats in zip(self.categorical, self.categories) for v in cats)

    def _assemble(self, rows) -> np.ndarray:
        """Filled numbers and one-hot categories, float64 (N, F), before scaling."""
        missing = [c for c in self.columns if c not in rows.columns]
        if missing:
            raise MissingColumns(missing)
        num = numbers(rows, self.numeric)
        num = np.where(np.isnan(num), np.asarray(self.fill, dtype=float), num)
        parts = [num]
        for col, cats in zip(self.categorical, self.categories):
            values = texts(rows, col)
            parts.append((values[:, None] == np.asarray(cats, dtype=object)[None, :]).astype(float))  # unseen: 0s
        return np.concatenate(parts, 1) if parts else np.zeros((len(rows), 0))

    def transform(self, rows) -> np.ndarray:
        """Any rows (a DataFrame with at least `columns`) -> model inputs float32 (N, F)."""
        x = self._assemble(rows)
        if self.mean:
            x = (x - np.asarray(self.mean)) / np.asarray(self.std)
        return x.astype(np.float32)

    def unknown_categories(self, rows) -> dict[str, list[str]]:
        """Per text column, the values in `rows` the training rows never had (they get all-zero one-hots)."""
        out = {}
        for col, cats in zip(self.categorical, self.categories):
            new = sorted(set(texts(rows, col)) - set(cats))
            if new:
                out[col] = new
        return out

    def scale_target(self, y: np.ndarray) -> np.ndarray:
        """Regression targets as the loss sees them, float32: (y - y_mean) / y_std (classes: unchanged)."""
        if self.task != REGRESSION:
            return np.array(y)
        return ((np.asarray(y, dtype=np.float64) - self.y_mean) / self.y_std).astype(np.float32)

    def decode(self, outputs: np.ndarray) -> dict[str, np.ndarray]:
        """Network outputs (N, k) -> {"prediction": labels or values (N,), "proba": (N, k) for classes}."""
        out = np.asarray(outputs, dtype=np.float64)
        if self.task == CLASSIFICATION:
            z = np.exp(out - out.max(1, keepdims=True))
            proba = z / z.sum(1, keepdims=True)
            return {"prediction": np.asarray(self.classes, dtype=object)[proba.argmax(1)], "proba": proba}
        return {"prediction": out[:, 0] * self.y_std + self.y_mean}

    # -- plain data ------------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able: str, float and (nested) lists only."""
        return asdict(self) | {k: [list(c) for c in self.categories] if k == "categories" else list(v)
                               for k, v in self._fields().items() if isinstance(v, tuple)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Preprocessor:
        """The inverse of `to_dict`; a malformed dict raises ValueError."""
        try:
            kw = {f.name: d[f.name] for f in fields(cls) if f.name in d}
            for k in ("numeric", "categorical", "classes"):
                kw[k] = tuple(str(v) for v in kw.get(k, ()))
            for k in ("fill", "mean", "std"):
                kw[k] = tuple(float(v) for v in kw.get(k, ()))
            kw["categories"] = tuple(tuple(str(v) for v in c) for c in kw.get("categories", ()))
            for k in ("y_mean", "y_std"):
                kw[k] = float(kw.get(k, 0.0 if k == "y_mean" else 1.0))
            prep = cls(**kw)
        except (KeyError, TypeError, ValueError) as err:
            raise ValueError(f"malformed preprocessing ({err})") from None
        n = len(prep.numeric) + sum(len(c) for c in prep.categories)
        if (len(prep.fill) != len(prep.numeric) or len(prep.categories) != len(prep.categorical)
                or len(prep.mean) not in (0, n) or len(prep.std) != len(prep.mean)):
            raise ValueError("malformed preprocessing (its lists do not fit together)")
        return prep
