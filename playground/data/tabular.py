"""Tabular data: scikit-learn's bundled iris, wine and breast-cancer sets, and CSV files.

`parse_csv(raw, target, cfg)` turns CSV bytes into a `Table` (numeric matrix, target, names, notes):
it picks the target column, infers classification or regression, one-hot encodes text columns,
fills or drops missing values, and refuses malformed, oversized, non-numeric or single-class files
with a ConfigError on `data.source` that says what is wrong. `table_dataset` splits a Table and
standardises it with train-split statistics.

Uploaded CSVs never enter a process-wide cache: the UI keeps the bytes in the user's session and
passes the Dataset to `experiment.build`. Only the CLI registers files by path
(`csv_experiment_config`). This module does not train and does not draw.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from playground.data.base import CLASSIFICATION, DATASETS, REGRESSION, Dataset, DataSpec, make_splits, split_indices
from playground.registry import ConfigError, Registry

MAX_BYTES = 5 * 1024 * 1024   # an uploaded CSV larger than this is refused
MAX_ROWS = 20_000
MAX_COLUMNS = 100             # input columns of the file (before one-hot encoding)
MAX_FEATURES = 300            # model inputs after one-hot encoding
MIN_ROWS = 10
FIELD = "data.source"

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
    """A cleaned table: x float32 [N, F], y int64 [N] (classes) or float32 [N] (regression)."""

    x: np.ndarray
    y: np.ndarray
    task: str
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    target: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)   # what cleaning did, for the page to say


# ---------------------------------------------------------------- CSV parsing

def _read(raw: bytes):
    import pandas as pd

    if len(raw) > MAX_BYTES:
        raise ConfigError(FIELD, f"the file is {len(raw) / 1e6:.1f} MB; the limit is {MAX_BYTES / 1e6:.0f} MB")
    if not raw.strip():
        raise ConfigError(FIELD, "the file is empty")
    if b"\x00" in raw[:4096]:
        raise ConfigError(FIELD, "this is a binary file, not a CSV text file")
    try:
        header = raw.split(b"\n", 1)[0]
        sep = next((c for c in (",", ";", "\t") if c.encode() in header), ",")
        df = pd.read_csv(io.BytesIO(raw), sep=sep, nrows=MAX_ROWS + 1)
    except UnicodeDecodeError:
        raise ConfigError(FIELD, "the file is not UTF-8 text; save it as CSV (UTF-8)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, TypeError, OSError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(FIELD, f"could not read this file as CSV ({first[:160]})") from None
    if len(df) > MAX_ROWS:
        raise ConfigError(FIELD, f"more than {MAX_ROWS:,} rows; sample it down first")
    if df.shape[1] > MAX_COLUMNS + 1:
        raise ConfigError(FIELD, f"{df.shape[1]} columns; the limit is {MAX_COLUMNS + 1} (inputs + target)")
    if df.shape[1] < 2:
        raise ConfigError(FIELD, "need at least two columns (inputs and a target); is the separator a comma?")
    df.columns = [str(c).strip() or f"column {i + 1}" for i, c in enumerate(df.columns)]
    if len(set(df.columns)) != len(df.columns):
        raise ConfigError(FIELD, "two columns have the same name")
    return df


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
    target = cfg.target or target or str(df.columns[-1])
    if target not in df.columns:
        raise ConfigError("data.tabular.target", f"no column {target!r}; the columns are: {', '.join(df.columns)}")
    notes: list[str] = []
    df = df.replace([np.inf, -np.inf], np.nan)
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
    num = x_df[numeric].astype(float)
    holes = int(num.isna().sum().sum())
    if holes and cfg.impute == "drop":
        keep = num.notna().all(axis=1)
        num, x_df, y_col = num[keep], x_df[keep], y_col[keep]
        notes.append(f"dropped {int((~keep).sum())} rows with missing numbers")
    elif holes:
        fill = num.mean() if cfg.impute == "mean" else num.median()
        num = num.fillna(fill.fillna(0.0))
        notes.append(f"filled {holes} missing numbers with the column {cfg.impute}")
    x = num
    if categorical:
        cats = pd.get_dummies(x_df[categorical].astype("string").fillna("(missing)"), prefix_sep="=", dtype=float)
        notes.append(f"one-hot encoded {len(categorical)} text columns into {cats.shape[1]} inputs")
        x = pd.concat([num, cats], axis=1)
    if x.shape[1] > MAX_FEATURES:
        raise ConfigError(FIELD, f"{x.shape[1]} inputs after encoding text columns; the limit is {MAX_FEATURES}")
    if len(x) < MIN_ROWS:
        raise ConfigError(FIELD, f"only {len(x)} usable rows; need at least {MIN_ROWS}")
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
    return Table(x.to_numpy(dtype=np.float32), y, task, tuple(str(c) for c in x.columns), class_names, target,
                 tuple(notes))


# ---------------------------------------------------------------- splitting and standardising

def table_dataset(table: Table, cfg, seed: int = 0, family: str = "tabular") -> Dataset:
    """Split a Table by a DataConfig's fractions and seed; standardise with train statistics."""
    rng = np.random.default_rng(seed)
    idx = split_indices(len(table.x), cfg.train_fraction, cfg.val_fraction, rng)
    x, y = table.x.copy(), table.y.copy()
    meta: dict = {"family": family, "target": table.target, "notes": table.notes}
    if cfg.tabular.standardize:
        mean, std = x[idx[0]].mean(0), x[idx[0]].std(0)
        std[std == 0] = 1.0
        x = (x - mean) / std
        meta.update(x_mean=mean, x_std=std)
    if table.task == REGRESSION:
        y_mean, y_std = float(y[idx[0]].mean()), float(y[idx[0]].std() or 1.0)
        y = (y - y_mean) / y_std          # the loss sees standardised targets; R² is unchanged
        meta.update(y_mean=y_mean, y_std=y_std)
    train, val, test = make_splits(x.astype(np.float32), y, idx, table.task)
    n_out = len(table.class_names) if table.task == CLASSIFICATION else 1
    return with_plane(Dataset(spec=DataSpec(table.task, (x.shape[1],), n_out), train=train, val=val, test=test,
                              feature_names=table.feature_names, class_names=table.class_names, meta=meta))


# ---------------------------------------------------------------- the PCA plane (2-D views of many columns)

@dataclass(frozen=True)
class Plane:
    mean: np.ndarray          # (F,)
    components: np.ndarray    # (2, F), orthonormal rows
    explained: tuple[float, float]
    points: dict[str, np.ndarray]   # split -> (N, 2)
    extent: tuple[float, float, float, float]

    def lift(self, xy: np.ndarray) -> np.ndarray:
        """Plane points (M, 2) -> model inputs (M, F): the inverse PCA."""
        return (self.mean + xy @ self.components).astype(np.float32)


def pca_plane(dataset: Dataset) -> Plane:
    """The first two principal components of the training inputs (a zero axis if there is one feature)."""
    x = dataset.train.x.numpy().reshape(len(dataset.train), -1).astype(np.float64)
    mean = x.mean(0)
    _, s, vt = np.linalg.svd(x - mean, full_matrices=False)
    comps = np.zeros((2, x.shape[1]))
    comps[:min(2, len(vt))] = vt[:2]
    var = s ** 2 / max((s ** 2).sum(), 1e-12)
    explained = (float(var[0]) if len(var) else 0.0, float(var[1]) if len(var) > 1 else 0.0)
    f = x.shape[1]
    pts = {n: ((dataset.split(n).x.numpy().reshape(len(dataset.split(n)), f) - mean) @ comps.T).astype(np.float32)
           for n in ("train", "val", "test")}   # an empty split (val_fraction 0) gives (0, 2)
    allp = np.concatenate([p for p in pts.values() if len(p)])
    lo, hi = allp.min(0), allp.max(0)
    pad = np.maximum((hi - lo) * 0.08, 0.5)
    extent = (float(lo[0] - pad[0]), float(hi[0] + pad[0]), float(lo[1] - pad[1]), float(hi[1] + pad[1]))
    return Plane(mean.astype(np.float32), comps.astype(np.float32), explained, pts, extent)


def with_plane(ds: Dataset) -> Dataset:
    """Give a tabular Dataset the 2-D fields (points, extent, featurize) on its PCA plane, so 2-D views work."""
    plane = pca_plane(ds)
    return replace(ds, points=plane.points, extent=plane.extent, featurize=plane.lift, meta={**ds.meta, "plane": plane})


# ---------------------------------------------------------------- bundled scikit-learn sets

_SKLEARN = {"iris": ("load_iris", "Iris", "150 flowers, 4 measurements, 3 species"),
            "wine": ("load_wine", "Wine", "178 wines, 13 chemical measurements, 3 cultivars"),
            "breast_cancer": ("load_breast_cancer", "Breast cancer", "569 tumours, 30 features, benign/malignant")}


def sklearn_table(name: str) -> Table:
    import sklearn.datasets

    bunch = getattr(sklearn.datasets, _SKLEARN[name][0])()
    return Table(bunch.data.astype(np.float32), bunch.target.astype(np.int64), CLASSIFICATION,
                 tuple(str(f) for f in bunch.feature_names), tuple(str(c) for c in bunch.target_names),
                 "target")


def _make_sklearn(name: str):
    def make(cfg, seed: int) -> Dataset:
        return table_dataset(sklearn_table(name), cfg, seed)
    return make


for _key, (_fn, _label, _doc) in _SKLEARN.items():
    DATASETS.add(_key, _make_sklearn(_key), _label, _doc, task=CLASSIFICATION, family="tabular")


def example_csv(seed: int = 0) -> bytes:
    """A small demo CSV from scikit-learn's bundled diabetes table: a text column and a few blanks."""
    import sklearn.datasets

    df = sklearn.datasets.load_diabetes(as_frame=True, scaled=False).frame
    df["sex"] = np.where(df["sex"] > 1.5, "male", "female")
    rng = np.random.default_rng(seed)
    for col in ("bmi", "bp", "s5"):
        df.loc[rng.random(len(df)) < 0.03, col] = np.nan
    return df.rename(columns={"target": "progression"}).to_csv(index=False).encode()


# ---------------------------------------------------------------- CSV by path (CLI only)

_CLI_FILES: dict[str, bytes] = {}   # path -> bytes, filled only by csv_experiment_config (a one-user process)


def csv_dataset(raw: bytes, cfg, seed: int = 0) -> Dataset:
    """A Dataset from CSV bytes and a DataConfig (target and cleaning from cfg.tabular)."""
    ds = table_dataset(parse_csv(raw, cfg.tabular.target, cfg.tabular), cfg, seed, family="csv")
    ds.meta["source_bytes"] = raw   # the run store keeps it, so a stored CSV run can be rebuilt anywhere
    return ds


def _make_csv(cfg, seed: int, sources: dict | None = None) -> Dataset:
    """The CSV named by `data.source`: from this session's uploads (`sources`) or a file the CLI read."""
    raw = (sources or {}).get(cfg.source) or _CLI_FILES.get(cfg.source)
    if raw is None:
        raise ConfigError(FIELD, "this CSV is not loaded here; upload it again in the Your data lab "
                                 "(uploads stay in the browser session that made them)")
    return csv_dataset(raw, cfg, seed)


DATASETS.add("csv", _make_csv, "Your CSV", "a CSV file you upload", family="tabular", task="auto", upload=True)


def csv_experiment_config(path: str | Path, target: str | None, base_cfg):
    """The CLI's `--data FILE.csv --target COLUMN`: base_cfg retargeted at the CSV, validated by parsing."""
    from playground.config import with_values

    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as err:
        raise ConfigError(FIELD, f"cannot read {p}: {err.strerror}") from None
    _CLI_FILES[str(p)] = raw
    cfg = with_values(base_cfg, {"data.name": "csv", "data.source": str(p), "data.tabular.target": target or "",
                                 "model.kind": "mlp"})
    table = parse_csv(raw, cfg.data.tabular.target, cfg.data.tabular)   # refuses a bad file before training
    return with_values(cfg, {"data.tabular.target": table.target, "lab": "tabular"})
