"""CSV bytes to a `Table` of raw input columns: `parse_csv(raw, target, cfg)` picks the target column, infers
classification or regression, sorts the inputs into numeric and text (category) columns, drops id-like
text columns and (impute "drop") rows with missing numbers, and refuses malformed, oversized,
non-numeric or single-class files with a ConfigError on `data.source` that says what is wrong.
The separator (comma, semicolon or tab) is detected once from the first lines; a row with more or fewer
fields than the header is refused by its line number, never re-parsed. A number beyond float32
(±3.4e38) is refused naming its column (its scaling would overflow), an empty target column by name.
`read_rows(raw)` reads new rows to score, every cell as text. Also the tabular task and imputer
registries and the upload caps.

It fits nothing: fill values, categories and scaling are learnt from the training rows only, after the
split (playground/data/preprocess.py, called by playground/data/tabular.py).
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from playground.data.base import CLASSIFICATION, REGRESSION
from playground.data.preprocess import OutOfRange, numbers
from playground.registry import ConfigError, Registry

MAX_BYTES = 5 * 1024 * 1024   # an uploaded CSV larger than this is refused
MAX_ROWS = 20_000
MAX_COLUMNS = 100             # input columns of the file (before one-hot encoding)
MAX_FEATURES = 300            # model inputs after one-hot encoding
MIN_ROWS = 10
FIELD = "data.source"
SEPARATORS = (",", ";", "\t")   # tried in this order
SNIFF_LINES = 50                # the separator is the one that splits these first lines evenly

TASKS: Registry[str] = Registry("tabular task")
TASKS.add("auto", "auto", "Infer", "text or few whole-number values = classes; else regression")
TASKS.add(CLASSIFICATION, CLASSIFICATION, "Classification", "predict one of a few labels")
TASKS.add(REGRESSION, REGRESSION, "Regression", "predict a number")

IMPUTERS: Registry[str] = Registry("imputer")
IMPUTERS.add("mean", "mean", "Fill with the mean", "missing numbers become the column mean")
IMPUTERS.add("median", "median", "Fill with the median", "missing numbers become the column median")
IMPUTERS.add("drop", "drop", "Drop rows", "rows with any missing number are removed")


@dataclass(frozen=True, eq=False)
class Table:
    """Raw inputs `frame` (a DataFrame of N rows: the numeric and categorical columns), y int64 [N] (classes)
    or float32 [N] (regression). Nothing in it is fitted: missing numbers are still NaN."""

    frame: Any
    y: np.ndarray
    task: str
    numeric: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    class_names: tuple[str, ...] = ()
    target: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)   # what cleaning did, for the page to say


def _read(raw: bytes, as_text: bool = False):
    """A DataFrame of CSV bytes (every cell a string or NaN if `as_text`), or a ConfigError saying why not."""
    import pandas as pd

    if len(raw) > MAX_BYTES:
        raise ConfigError(FIELD, f"the file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB")
    if not raw.strip():
        raise ConfigError(FIELD, "the file is empty")
    if b"\x00" in raw[:4096]:
        raise ConfigError(FIELD, "this is a binary file, not a CSV text file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(FIELD, "the file is not UTF-8 text; save it as CSV (UTF-8)") from None
    sep = _separator(text)
    try:
        _check_rows(text, sep)
        df = pd.read_csv(io.StringIO(text), sep=sep, nrows=MAX_ROWS + 1, dtype=str if as_text else None)
    except (csv.Error, pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, TypeError, OSError) as err:
        if isinstance(err, ConfigError):   # _check_rows's own message
            raise
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(FIELD, f"could not read this file as CSV ({first[:160]})") from None
    if len(df) > MAX_ROWS:
        raise ConfigError(FIELD, f"more than {MAX_ROWS:,} rows; sample it down first")
    if df.shape[1] > MAX_COLUMNS + 1:
        raise ConfigError(FIELD, f"{df.shape[1]} columns; the limit is {MAX_COLUMNS + 1} (inputs + target)")
    df.columns = [str(c).strip() or f"column {i + 1}" for i, c in enumerate(df.columns)]
    if len(set(df.columns)) != len(df.columns):
        raise ConfigError(FIELD, "two columns have the same name")
    return df


def _rows(text: str, sep: str):
    """(line number, fields) of every non-blank row, the header first; line numbers count physical lines."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)   # "" keeps \r\n and \r rows whole
    for row in reader:
        if row and not (len(row) == 1 and not row[0].strip()):
            yield reader.line_num, row


def _separator(text: str) -> str:
    """The file's one separator: the first of SEPARATORS that splits the header into 2+ fields and every
    one of the next SNIFF_LINES rows into as many; else the first one in the header (comma if none), and
    `_check_rows` then names the row that disagrees."""
    for sep in SEPARATORS:
        try:
            widths = {len(row) for _, row in itertools.islice(_rows(text, sep), SNIFF_LINES + 1)}
        except csv.Error:   # e.g. a stray quote under this separator: not this one
            continue
        if len(widths) == 1 and widths.pop() > 1:
            return sep
    header = text.lstrip().split("\n", 1)[0]
    return next((c for c in SEPARATORS if c in header), ",")


def _check_rows(text: str, sep: str) -> None:
    """Refuse a ragged file: every row has as many fields as the header (a mixed tab/comma file fails here)."""
    width, named = 0, {",": "comma", ";": "semicolon", "\t": "tab"}[sep]
    for n, (line, row) in enumerate(_rows(text, sep)):
        if n == 0:
            width = len(row)
        elif len(row) != width:
            fields = f"{len(row)} field" + "s" * (len(row) != 1)
            raise ConfigError(FIELD, f"line {line} has {fields} but the header has {width} (separated by "
                                     f"{named}s); every row needs one value per column")
        if n > MAX_ROWS:
            return   # the row count is refused by the caller


def read_rows(raw: bytes):
    """New rows to score: a DataFrame whose cells are strings (NaN for blanks), so a text column whose new
    values happen to look like numbers keeps its categories' spelling; bad files raise a ConfigError."""
    return _read(raw, as_text=True)


def csv_columns(raw: bytes) -> list[str]:
    """The column names of CSV bytes (the whole file is checked, so a bad file is refused here)."""
    return [str(c) for c in _read(raw).columns]


def _infer_task(y, requested: str) -> str:
    import pandas as pd

    if requested != "auto":
        return requested
    if not pd.api.types.is_numeric_dtype(y) or pd.api.types.is_bool_dtype(y):
        return CLASSIFICATION
    values = y.to_numpy(dtype=float)
    whole = np.all(np.equal(np.mod(values, 1), 0))
    return CLASSIFICATION if whole and y.nunique() <= min(20, max(2, len(y) // 5)) else REGRESSION


def parse_csv(raw: bytes, target: str = "", cfg=None) -> Table:
    """Read and clean CSV bytes; `cfg` is a TabularDataConfig (its target wins over `target`)."""
    import pandas as pd

    from playground.config import TabularDataConfig

    cfg = cfg or TabularDataConfig()
    df = _read(raw)
    if df.shape[1] < 2:
        raise ConfigError(FIELD, "need at least two columns (inputs and a target); is the separator a comma?")
    target = cfg.target or target or str(df.columns[-1])
    if target not in df.columns:
        raise ConfigError("data.tabular.target", f"no column {target!r}; the columns are: {', '.join(df.columns)}")
    notes: list[str] = []
    df = df.replace([np.inf, -np.inf], np.nan)
    if df[target].isna().all():
        raise ConfigError("data.tabular.target", f"the target column {target!r} is empty: no row has a value")
    missing_y = int(df[target].isna().sum())
    if missing_y:
        df = df[df[target].notna()]
        notes.append(f"dropped {missing_y} rows with no {target!r} value")
    y_col = df[target]
    task = _infer_task(y_col, cfg.task)
    if task == REGRESSION and not pd.api.types.is_numeric_dtype(y_col):
        y_num = pd.to_numeric(y_col, errors="coerce")
        if y_num.isna().any():
            raise ConfigError("data.tabular.task", f"{target!r} holds text, so it cannot be a regression target")
        y_col = y_num
    x_df = df.drop(columns=[target])
    numeric, categorical, dropped = [], [], []
    for col in x_df.columns:
        s = x_df[col]
        if pd.api.types.is_bool_dtype(s):
            x_df[col] = s.astype(float)
            numeric.append(col)
        elif pd.api.types.is_numeric_dtype(s):
            numeric.append(col)
        else:
            as_num = pd.to_numeric(s, errors="coerce")
            if as_num.notna().sum() >= 0.95 * s.notna().sum() and s.notna().any():
                x_df[col] = as_num   # numbers with a few stray words: the words become missing
                numeric.append(col)
            elif s.nunique(dropna=True) <= cfg.max_categories:
                categorical.append(col)
            else:
                dropped.append(col)
    if dropped:
        notes.append(f"dropped text columns with more than {cfg.max_categories} distinct values (ids or free "
                     f"text): {', '.join(dropped[:6])}" + (" …" if len(dropped) > 6 else ""))
    if not numeric and not categorical:
        raise ConfigError(FIELD, "no usable input columns: every column besides the target is free text "
                                 "(too many distinct values to encode as categories)")
    try:
        numbers(x_df, numeric)   # refuses a number beyond float32 (scaling it would overflow)
        if task == REGRESSION:
            numbers(pd.DataFrame({target: y_col}), [target])
    except OutOfRange as err:
        raise ConfigError(FIELD, err.describe()) from None
    holes = int(x_df[numeric].astype(float).isna().sum().sum())
    if holes and cfg.impute == "drop":
        keep = x_df[numeric].astype(float).notna().all(axis=1)
        x_df, y_col = x_df[keep], y_col[keep]
        notes.append(f"dropped {int((~keep).sum())} rows with missing numbers")
    n_inputs = len(numeric) + sum(x_df[c].astype("string").fillna("").nunique() for c in categorical)
    if n_inputs > MAX_FEATURES:
        raise ConfigError(FIELD, f"{n_inputs} inputs after encoding text columns; the limit is {MAX_FEATURES}")
    if len(x_df) < MIN_ROWS:
        raise ConfigError(FIELD, f"only {len(x_df)} usable rows; need at least {MIN_ROWS}")
    if task == CLASSIFICATION:
        labels = y_col.astype("string")
        classes = sorted(labels.unique())
        if len(classes) < 2:
            raise ConfigError("data.tabular.target", f"{target!r} has only one class ({classes[0]!r}); "
                                                     "a classifier needs at least two")
        if len(classes) > 50:
            raise ConfigError("data.tabular.task", f"{target!r} has {len(classes)} classes; over 50 looks like a "
                                                   "number, so choose regression")
        lookup = {c: i for i, c in enumerate(classes)}
        y = labels.map(lookup).to_numpy(dtype=np.int64)
        class_names = tuple(str(c) for c in classes)
    else:
        y = y_col.to_numpy(dtype=np.float32)
        class_names = ()
        if float(np.std(y)) == 0.0:
            raise ConfigError("data.tabular.target", f"{target!r} is constant; there is nothing to predict")
    frame = x_df[numeric + categorical].reset_index(drop=True)
    return Table(frame, y, task, tuple(numeric), tuple(categorical), class_names, target, tuple(notes))
