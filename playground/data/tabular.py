"""Tabular data: scikit-learn's bundled iris, wine and breast-cancer sets, and CSV files.

CSV bytes become a `Table` of raw columns in playground/data/csv_table.py (`parse_csv`, re-exported here with
the caps and registries). `table_dataset` splits a Table, fits the preprocessing (fill values, categories,
scaling: playground/data/preprocess.py) on the training rows only and applies it to every split; the
fitted `Preprocessor` rides in `dataset.meta["preprocess"]`, so exports and `predict` score raw rows the
same way. `pca_plane` gives many-column data a 2-D plane for the boundary views.

Uploaded CSVs never enter a process-wide cache: the UI keeps the bytes in the user's session and
passes the Dataset to `experiment.build`. Only the CLI registers files by path
(`csv_experiment_config`). This module does not train and does not draw.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from playground.data.base import CLASSIFICATION, DATASETS, Dataset, DataSpec, make_splits, split_indices
from playground.data.csv_table import (  # noqa: F401  (re-exported: pages, the catalog and tests use tabular.*)
    FIELD,
    IMPUTERS,
    MAX_BYTES,
    MAX_COLUMNS,
    MAX_FEATURES,
    MAX_ROWS,
    MIN_ROWS,
    TASKS,
    Table,
    csv_columns,
    parse_csv,
    read_rows,
)
from playground.data.preprocess import Preprocessor
from playground.registry import ConfigError

# ---------------------------------------------------------------- splitting and standardising

def table_dataset(table: Table, cfg, seed: int = 0, family: str = "tabular") -> Dataset:
    """Split a Table by a DataConfig's fractions and seed; fit the preprocessing on the training rows only."""
    rng = np.random.default_rng(seed)
    idx = split_indices(len(table.y), cfg.train_fraction, cfg.val_fraction, rng)
    t = cfg.tabular
    prep = Preprocessor.fit(table.frame.iloc[idx[0]], table.y[idx[0]], numeric=table.numeric,
                            categorical=table.categorical, task=table.task, classes=table.class_names,
                            target=table.target, impute=t.impute, standardize=t.standardize)
    x, y = prep.transform(table.frame), prep.scale_target(table.y)   # regression: standardised; R² is unchanged
    meta: dict = {"family": family, "target": table.target, "preprocess": prep, "table": table, "split": idx,
                  "notes": table.notes + _fit_notes(table, prep)}   # table + split: train.py refits from raw rows
    train, val, test = make_splits(x, y, idx, table.task)
    n_out = len(table.class_names) if table.task == CLASSIFICATION else 1
    return with_plane(Dataset(spec=DataSpec(table.task, (x.shape[1],), n_out), train=train, val=val, test=test,
                              feature_names=prep.feature_names, class_names=table.class_names, meta=meta))


def _fit_notes(table: Table, prep: Preprocessor) -> tuple[str, ...]:
    """What the fitted preprocessing did, in words for the page."""
    notes = []
    holes = int(table.frame[list(table.numeric)].isna().sum().sum()) if table.numeric else 0
    if holes:
        notes.append(f"filled {holes} missing numbers with the column {prep.impute} of the training rows only")
    if table.categorical:
        n = sum(len(c) for c in prep.categories)
        notes.append(f"one-hot encoded {len(table.categorical)} text columns into {n} inputs, one per category seen "
                     "in the training rows (a category seen only in other rows gets all zeros)")
    return tuple(notes)


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

    bunch = getattr(sklearn.datasets, _SKLEARN[name][0])(as_frame=True)
    frame = bunch.data.astype(np.float64)
    return Table(frame, np.array(bunch.target, dtype=np.int64), CLASSIFICATION, tuple(str(c) for c in frame.columns),
                 (), tuple(str(c) for c in bunch.target_names), "target")


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
        with p.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)   # never more: a huge file (or /dev/zero) is refused by its first bytes
    except OSError as err:
        raise ConfigError(FIELD, f"cannot read {p}: {err.strerror or type(err).__name__}") from None
    if len(raw) > MAX_BYTES:
        raise ConfigError(FIELD, f"the file is over the limit of {MAX_BYTES / 2**20:g} MiB")
    _CLI_FILES[str(p)] = raw
    cfg = with_values(base_cfg, {"data.name": "csv", "data.source": str(p), "data.tabular.target": target or "",
                                 "model.kind": "mlp"})
    table = parse_csv(raw, cfg.data.tabular.target, cfg.data.tabular)   # refuses a bad file before training
    return with_values(cfg, {"data.tabular.target": table.target, "lab": "tabular"})
