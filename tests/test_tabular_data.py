"""Tabular data: the bundled sets, CSV parsing and its refusals, the CLI's CSV config, baselines and the PCA plane."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.baselines import BASELINES, fit_baselines
from playground.config import ExperimentConfig, with_values
from playground.data import DATASETS, csv_table, make_dataset
from playground.data import tabular as tab
from playground.data.tabular import pca_plane
from playground.experiment import build
from playground.registry import ConfigError


def _csv(rows: list[str]) -> bytes:
    return ("\n".join(rows) + "\n").encode()


def _grid_csv(n: int = 40) -> bytes:
    return _csv(["a,b,colour,label"] + [f"{i},{(i * 7) % 11},{'red' if i % 3 else 'blue'},{i % 2}" for i in range(n)])


@pytest.mark.parametrize("name", DATASETS.keys(family="tabular"))
def test_registry_contract(name):
    if name == "csv":
        with pytest.raises(ConfigError, match="upload it again"):
            make_dataset(with_values(ExperimentConfig(), {"data.name": "csv", "data.source": "/etc/passwd"}).data)
        return
    cfg = with_values(ExperimentConfig(), {"data.name": name}).data
    a, b = make_dataset(cfg, 3), make_dataset(cfg, 3)
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.test.y, b.test.y), "same seed, same data"
    assert a.train.x.dtype == torch.float32 and a.train.x.shape[1] == a.spec.input_shape[0] == len(a.feature_names)
    assert not torch.isnan(a.train.x).any()
    assert abs(float(a.train.x.mean())) < 1e-4 and abs(float(a.train.x.std(0).mean()) - 1) < 0.05  # standardised
    assert len(a.train) + len(a.val) + len(a.test) == {"iris": 150, "wine": 178, "breast_cancer": 569}[name]
    assert a.spec.n_outputs == len(a.class_names) >= 2


def test_csv_encodes_categories_and_infers_classification():
    t = tab.parse_csv(_grid_csv())
    assert t.task == "classification" and t.target == "label" and t.class_names == ("0", "1")
    assert (t.numeric, t.categorical) == (("a", "b"), ("colour",))
    cfg = with_values(ExperimentConfig(), {"data.tabular.standardize": False}).data
    ds = tab.table_dataset(t, cfg)
    assert ds.feature_names == ("a", "b", "colour=blue", "colour=red")
    x = ds.train.x.numpy()
    assert set(np.unique(x[:, 2:])) == {0.0, 1.0} and (x[:, 2] + x[:, 3] == 1).all()


def test_csv_regression_target_and_text_labels():
    raw = _csv(["x,y"] + [f"{i},{i * 0.37 + 1}" for i in range(30)])
    assert tab.parse_csv(raw).task == "regression"
    raw = _csv(["x,kind"] + [f"{i},{'cat' if i % 2 else 'dog'}" for i in range(30)])
    t = tab.parse_csv(raw)
    assert t.task == "classification" and t.class_names == ("cat", "dog")


def test_missing_values_are_filled_or_dropped():
    rows = ["a,b,y"] + [f"{'' if i % 5 == 0 else i},{i % 4},{i % 2}" for i in range(40)]
    cfg = with_values(ExperimentConfig(), {"data.tabular.standardize": False}).data
    ds = tab.csv_dataset(_csv(rows), cfg)
    assert any("filled 8 missing" in n for n in ds.meta["notes"])
    assert not any(torch.isnan(ds.split(s).x).any() for s in ("train", "val", "test"))
    cfg = with_values(ExperimentConfig(), {"data.tabular.impute": "drop"}).data.tabular
    dropped = tab.parse_csv(_csv(rows), cfg=cfg)
    assert len(dropped.y) == 32 and any("dropped 8 rows" in n for n in dropped.notes)


@pytest.mark.parametrize(("raw", "message"), [
    (b"", "empty"),
    (b"\x00\x01\x02PK binary", "binary"),
    (b'a,b,y\n1,2,"unclosed\n3,4,5\n', "could not read"),
    (b"just one column\n1\n2\n3\n", "at least two columns"),
    (_csv(["a,y"] + [f"{i},same" for i in range(30)]), "only one class"),
    (_csv(["id,comment,y"] + [f"id{i},text number {i},{i % 2}" for i in range(40)]), "no usable input columns"),
    (_csv(["a,y", "1,0", "2,1", "3,0"]), "need at least"),
    (_csv(["a,y"] + [f"{i},{i % 2}" for i in range(tab.MAX_ROWS + 5)]), "rows"),
    (_csv([",".join(f"c{i}" for i in range(tab.MAX_COLUMNS + 5))] + ["1," * (tab.MAX_COLUMNS + 4) + "1"] * 12),
     "columns"),
])
def test_bad_csvs_are_refused_with_their_message(raw, message):
    with pytest.raises(ConfigError, match=message) as err:
        tab.parse_csv(raw)
    assert err.value.field.startswith("data.")


def test_huge_file_is_refused_before_parsing(monkeypatch):
    monkeypatch.setattr(csv_table, "MAX_BYTES", 1000)   # where parse_csv reads it
    with pytest.raises(ConfigError, match="limit is"):
        tab.parse_csv(_grid_csv(200))


def test_unknown_target_names_the_columns():
    with pytest.raises(ConfigError, match="the columns are: a, b, colour, label") as err:
        tab.parse_csv(_grid_csv(), target="price")
    assert err.value.field == "data.tabular.target"


def test_csv_experiment_config_trains(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(_grid_csv(60))
    cfg = tab.csv_experiment_config(path, "label", ExperimentConfig())
    assert (cfg.data.name, cfg.data.source, cfg.data.tabular.target, cfg.lab) == ("csv", str(path), "label", "tabular")
    exp = build(cfg)
    assert exp.dataset.spec.input_shape == (4,) and exp.dataset.meta["family"] == "csv"
    exp.trainer.run_epochs(2)
    assert np.isfinite(exp.trainer.history.last()["test_loss"])


def test_baselines_score_iris_and_draw_on_the_plane():
    ds = make_dataset(with_values(ExperimentConfig(), {"data.name": "iris", "data.train_fraction": 0.6}).data, 0)
    fitted = fit_baselines(ds)
    assert [b.key for b in fitted] == BASELINES.keys()
    assert all(b.test_score > 0.8 for b in fitted[1:]), [(b.key, b.test_score) for b in fitted]
    assert fitted[0].key == "majority" and fitted[0].test_score < 0.4   # three balanced classes: about a third
    plane = pca_plane(ds)
    assert plane.explained[0] > plane.explained[1] > 0 and sum(plane.explained) <= 1 + 1e-6
    lifted = plane.lift(plane.points["train"])        # points lie near their lift's projection
    back = (lifted - plane.mean) @ plane.components.T
    assert np.allclose(back, plane.points["train"], atol=1e-4)
    assert np.allclose(ds.points["test"], plane.points["test"]) and ds.featurize is not None, "2-D fields filled"
    proba = fitted[1].predict_grid(lifted)
    assert proba.shape == (len(ds.train), 3) and np.allclose(proba.sum(1), 1, atol=1e-5)
