"""The Your data lab on a realistic CSV (500 rows, 76% one class, missing values, text columns): preprocessing
fitted on the training rows only (checked against scikit-learn's imputer, one-hot encoder and scaler fitted
on the same rows), its plain-data round trip, and the test metrics of the network and every baseline
checked against sklearn.metrics called directly."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from playground.baselines import fit_baselines
from playground.config import ExperimentConfig, with_values
from playground.data import tabular as tab
from playground.data.base import split_indices
from playground.data.preprocess import MISSING, Preprocessor
from playground.experiment import build
from playground.payloads.tabular import network_metrics, overfitting_warning

SEED = 0
RARE = "Atlantis"   # a city written into one test row only


def realistic_csv(seed: int = SEED, n: int = 500, cfg=None) -> bytes:
    """A churn-like table: numbers with blanks and stray words, text columns with blanks, an id column, and a
    target with about 76% "stay". One test row (under the default split of `seed`) gets a city no other row has."""
    rng = np.random.default_rng(seed)
    age = rng.normal(42, 12, n).round(0)
    income = rng.lognormal(10.5, 0.4, n).round(2)
    tenure = rng.integers(0, 120, n)
    city = rng.choice(["Leeds", "York", "Hull", "Bath"], n, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    plan = rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2]).astype(object)
    logit = -1.5 - 0.02 * (tenure - 60) + 0.8 * (plan == "basic") - 0.4 * (city == "York") + rng.normal(0, 1, n)
    p = 1 / (1 + np.exp(-logit))
    churn = np.where(rng.random(n) < p, "leave", "stay")
    df = pd.DataFrame({"customer_id": [f"C{i:05d}" for i in range(n)], "age": age, "income": income,
                       "tenure": tenure, "city": city, "plan": plan, "churn": churn})
    df.loc[rng.random(n) < 0.08, "age"] = np.nan
    df.loc[rng.random(n) < 0.10, "income"] = np.nan
    df["income"] = df["income"].astype(object)
    df.loc[rng.choice(n, 3, replace=False), "income"] = "unknown"   # stray words in a numeric column
    df.loc[rng.random(n) < 0.05, "city"] = np.nan
    cfg = cfg or _cfg().data
    test_rows = split_indices(n, cfg.train_fraction, cfg.val_fraction, np.random.default_rng(seed))[2]
    df.loc[test_rows[0], "city"] = RARE
    return df.to_csv(index=False).encode()


def _cfg(**values):
    return with_values(ExperimentConfig(), {"lab": "tabular", "data.name": "csv", "data.source": "churn.csv",
                                            "data.tabular.target": "churn", "data.train_fraction": 0.6,
                                            "data.val_fraction": 0.2, "model.hidden": (64, 64),
                                            "train.optimizer": "adam", "train.lr": 0.01, "train.batch_size": 16,
                                            "seed": SEED, **values})


def _raw_split(raw: bytes, cfg):
    """The raw frame (pandas directly) and the split's index arrays, as the lab draws them."""
    df = pd.read_csv(__import__("io").BytesIO(raw))
    return df, split_indices(len(df), cfg.data.train_fraction, cfg.data.val_fraction, np.random.default_rng(SEED))


def test_the_generated_table_is_realistic():
    df = pd.read_csv(__import__("io").BytesIO(realistic_csv()))
    assert len(df) == 500 and 0.72 <= (df["churn"] == "stay").mean() <= 0.80
    assert df["age"].isna().sum() > 20 and df["city"].isna().sum() > 10 and (df["income"] == "unknown").sum() == 3


@pytest.mark.parametrize("impute", ["mean", "median"])
def test_fill_values_and_categories_come_from_training_rows_only(impute):
    cfg = _cfg(**{"data.tabular.impute": impute})
    raw = realistic_csv()
    ds = tab.csv_dataset(raw, cfg.data, cfg.seed)
    prep: Preprocessor = ds.meta["preprocess"]
    df, (tr, _, te) = _raw_split(raw, cfg)
    income = pd.to_numeric(df["income"], errors="coerce")
    stat = (lambda s: s.median()) if impute == "median" else (lambda s: s.mean())
    assert prep.numeric == ("age", "income", "tenure") and prep.categorical == ("city", "plan")
    for col in ("age", "income"):
        values = pd.to_numeric(df[col], errors="coerce")
        assert prep.fill[prep.numeric.index(col)] == pytest.approx(stat(values.iloc[tr]), rel=1e-12)
        assert abs(stat(values.iloc[tr]) - stat(values)) > 1e-6, "all-row statistics would differ"
    assert income.iloc[te].notna().any()
    assert prep.categories[0] == (MISSING, "Bath", "Hull", "Leeds", "York") and RARE not in prep.categories[0]
    assert not any(RARE in name for name in ds.feature_names), "a category seen only in test rows gets no column"
    row = ds.test.x[0].numpy()   # the Atlantis row: every city input at its all-zero value after scaling
    city = [i for i, name in enumerate(ds.feature_names) if name.startswith("city=")]
    assert np.allclose(row[city], -np.asarray(prep.mean)[city] / np.asarray(prep.std)[city], atol=1e-6)
    assert prep.unknown_categories(df.iloc[te]) == {"city": [RARE]}
    assert any("training rows only" in note for note in ds.meta["notes"])


def test_preprocessing_matches_sklearn_fitted_on_the_training_rows():
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cfg = _cfg()
    raw = realistic_csv()
    ds = tab.csv_dataset(raw, cfg.data, cfg.seed)
    df, (tr, va, te) = _raw_split(raw, cfg)
    df["income"] = pd.to_numeric(df["income"], errors="coerce")
    df[["city", "plan"]] = df[["city", "plan"]].fillna(MISSING)
    ref = make_pipeline(
        ColumnTransformer([("num", SimpleImputer(strategy="mean"), ["age", "income", "tenure"]),
                           ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), ["city", "plan"])]),
        StandardScaler()).fit(df.iloc[tr])
    for name, idx in (("train", tr), ("val", va), ("test", te)):
        np.testing.assert_allclose(ds.split(name).x.numpy(), ref.transform(df.iloc[idx]), atol=1e-5)


def test_the_fitted_state_is_plain_json_and_round_trips():
    cfg = _cfg()
    ds = tab.csv_dataset(realistic_csv(), cfg.data, cfg.seed)
    prep = ds.meta["preprocess"]
    text = json.dumps(prep.to_dict())   # str, float and lists only
    back = Preprocessor.from_dict(json.loads(text))
    assert back == prep
    df = tab.read_rows(realistic_csv())   # raw rows read as text, as `predict` reads them
    np.testing.assert_allclose(back.transform(df), prep.transform(pd.read_csv(__import__("io").BytesIO(
        realistic_csv()))), atol=1e-6)
    with pytest.raises(ValueError, match="malformed"):
        Preprocessor.from_dict({**prep.to_dict(), "fill": [1.0]})


def test_metrics_of_network_and_baselines_match_sklearn():
    from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, roc_auc_score

    cfg = _cfg()
    exp = build(cfg, tab.csv_dataset(realistic_csv(), cfg.data, cfg.seed))
    exp.trainer.run_epochs(5)
    ds = exp.dataset
    y = ds.test.y.numpy()
    fitted = fit_baselines(ds)
    assert fitted[0].key == "majority"
    assert fitted[0].test_metrics["accuracy"] == pytest.approx(float((y == np.bincount(ds.train.y.numpy()).argmax())
                                                                     .mean()))
    assert fitted[0].test_metrics["accuracy"] > 0.7, "76% stay: the floor a classifier must beat"
    x = ds.test.x.numpy()
    out = exp.model.eval()(ds.test.x).softmax(-1).detach().numpy()
    cases = [("network", network_metrics(exp), out.argmax(1), out[:, 1])]
    for b in fitted:
        est = b.estimator
        score = est.predict_proba(x)[:, 1] if hasattr(est, "predict_proba") else est.decision_function(x)
        cases.append((b.key, b.test_metrics, est.predict(x), score))
    for name, got, pred, score in cases:
        want = {"accuracy": accuracy_score(y, pred), "balanced_accuracy": balanced_accuracy_score(y, pred),
                "macro_f1": f1_score(y, pred, average="macro", labels=np.union1d(y, pred)),
                "roc_auc": roc_auc_score(y, score)}
        assert got == pytest.approx(want, abs=1e-9), name
    assert exp.trainer.history.last()["test_accuracy"] == pytest.approx(cases[0][1]["accuracy"])


def test_multiclass_roc_auc_is_one_vs_rest_macro():
    from sklearn.metrics import f1_score, roc_auc_score

    cfg = with_values(ExperimentConfig(), {"data.name": "wine", "seed": 1})
    exp = build(cfg)
    exp.trainer.run_epochs(3)
    y = exp.dataset.test.y.numpy()
    proba = exp.model.eval()(exp.dataset.test.x).softmax(-1).detach().numpy().astype(np.float64)
    got = network_metrics(exp)
    assert got["roc_auc"] == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"), abs=1e-9)
    assert got["macro_f1"] == pytest.approx(f1_score(y, proba.argmax(1), average="macro",
                                                     labels=np.union1d(y, proba.argmax(1))), abs=1e-9)


def test_the_lab_warns_when_validation_loss_rises_on_the_realistic_csv():
    cfg = _cfg()
    exp = build(cfg, tab.csv_dataset(realistic_csv(), cfg.data, cfg.seed))
    exp.trainer.run_epochs(5)
    assert overfitting_warning(exp.trainer.history) == "", "too early to call"
    exp.trainer.run_epochs(145)
    val, train = exp.trainer.history["val_loss"], exp.trainer.history["train_loss"]
    assert min(val) < 0.5 * val[-1] and train[-1] < 0.1 * train[0], "the real curve: a clear case of overfitting"
    assert "Overfitting" in overfitting_warning(exp.trainer.history)


def test_the_page_lists_every_metric_for_the_network_and_the_majority_baseline(tmp_path, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("PLAYGROUND_DATA_DIR", str(tmp_path))
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=120).run()
    at = at.switch_page("pages/tabular.py").run()
    at.button(key="tabular:step").click().run()
    assert not at.exception and not at.error
    table = _table(at, "tabular:metrics")   # the live table chart: one list of cells per column
    assert list(table) == ["model", "accuracy", "balanced accuracy", "macro F1", "ROC AUC"]
    assert table["model"][:2] == ["Neural network", "Majority class / mean"]
    exp = at.session_state["lab:tabular"].exp
    assert float(table["accuracy"][0]) == pytest.approx(network_metrics(exp)["accuracy"], abs=5e-4)


def _table(at, key: str) -> dict[str, list[str]]:
    """The header -> cells of the table trace in the live chart `key`."""
    import json

    chart = next(c for c in at.get("bidi_component") if c.proto.id.endswith(key))
    trace = json.loads(json.loads(chart.proto.json)["traces"][0])
    return dict(zip(trace["header"]["values"], trace["cells"]["values"]))
