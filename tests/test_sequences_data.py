"""Sequence and text tasks: shapes, dtypes, determinism and known answers for every entry of the family."""

import math

import numpy as np
import pytest
import torch

from playground.config import ExperimentConfig, with_values
from playground.data import DATASETS, make_dataset
from playground.data import text as textdata
from playground.data.sequences import make_adding, make_parity, make_recall
from playground.evaluation import compute_metric
from playground.objectives import make_loss, metric_name

SEQ = [k for k in DATASETS.keys(family="sequences") if not DATASETS.entry(k).meta.get("upload")]  # generated


def data_cfg(name: str, **over):
    values = {"data.name": name, "data.seq_len": 12, "data.n_samples": 200, **over}
    return with_values(ExperimentConfig(), values).data


def test_family_is_complete():
    assert set(SEQ) >= {"sine", "sawtooth", "damped", "parity", "adding", "copy", "reverse", "alice"}


@pytest.mark.parametrize("name", SEQ)
def test_shapes_dtypes_and_splits(name):
    ds = make_dataset(data_cfg(name), seed=0)
    spec = ds.spec
    for split in (ds.train, ds.val, ds.test):
        assert len(split) > 0
        assert tuple(split.x.shape[1:]) == spec.input_shape
        assert split.x.dtype == (torch.long if spec.vocab_size else torch.float32)
        if spec.vocab_size:
            assert int(split.x.min()) >= 0 and int(split.x.max()) < spec.vocab_size
        if spec.output_len:
            assert tuple(split.y.shape[1:]) == (spec.output_len,)
        elif spec.task == "classification":
            assert split.y.dim() == 1
        else:
            assert tuple(split.y.shape[1:]) == (spec.n_outputs,)
        assert torch.isfinite(split.x.float()).all() and torch.isfinite(split.y.float()).all()
    assert ds.meta["metric"] in ("accuracy", "token_accuracy", "r2", "mse")


@pytest.mark.parametrize("name", SEQ)
def test_same_seed_same_data_other_seed_other_data(name):
    a, b, c = (make_dataset(data_cfg(name), seed=s) for s in (3, 3, 4))
    assert torch.equal(a.train.x, b.train.x) and torch.equal(a.train.y, b.train.y)
    assert not torch.equal(a.train.x, c.train.x)


def test_forecast_horizon_sets_outputs():
    ds = make_dataset(data_cfg("damped", **{"data.sequence.horizon": 5}), seed=0)
    assert ds.spec.n_outputs == 5 and ds.train.y.shape[1] == 5
    assert len(ds.meta["series"]) == 4 * 12


def test_adding_target_is_sum_of_marked_values():
    x, y = make_adding(50, 20, rng=np.random.default_rng(0))
    assert (x[:, :, 1].sum(1) == 2).all()
    first = x[:, :10, 1].sum(1)
    assert (first == 1).all()                                   # one marker in each half
    np.testing.assert_allclose(y[:, 0], (x[:, :, 0] * x[:, :, 1]).sum(1), rtol=1e-6)


def test_parity_and_recall_known_answers():
    x, y = make_parity(100, 9, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(y, (x == 2).sum(1) % 2)
    x, y = make_recall(20, 4, vocab=5, reverse=True, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(y + 1, x[:, :4][:, ::-1])
    assert (x[:, 4:] == 6).all()                                # recall markers
    x, y = make_recall(20, 4, vocab=5, reverse=False, rng=np.random.default_rng(2))
    np.testing.assert_array_equal(y + 1, x[:, :4])


def test_text_round_trip_and_unigram_entropy():
    vocab = textdata.vocabulary("abc ")
    assert textdata.decode(textdata.encode("a cab", vocab), vocab) == "a cab"
    assert textdata.unigram_entropy(textdata.encode("aabb", vocab), len(vocab)) == pytest.approx(math.log(2))
    ds = make_dataset(data_cfg("alice", **{"data.seq_len": 16}), seed=0)
    assert "Alice" in ds.meta["text"] and 2.0 < ds.meta["unigram_entropy"] < 4.0
    assert torch.equal(ds.train.x[:, 1:], ds.train.y[:, :-1])   # y is x shifted by one character


def test_text_too_long_is_a_config_error():
    from playground.registry import ConfigError

    with pytest.raises(ConfigError) as err:
        make_dataset(data_cfg("alice", **{"data.seq_len": 500, "data.val_fraction": 0.0,
                                          "data.train_fraction": 0.95}), seed=0)
    assert err.value.field == "data.seq_len"


def test_token_loss_and_metric_for_per_position_outputs():
    out = torch.tensor([[[5.0, 0.0], [0.0, 5.0], [5.0, 0.0]]])  # (1, 3, 2)
    y = torch.tensor([[0, 1, 1]])
    assert compute_metric(out, y, "classification", "token_accuracy") == pytest.approx(2 / 3)
    loss = make_loss("auto", "classification")(out, y)
    ref = torch.nn.functional.cross_entropy(out[0], y[0])
    assert loss.item() == pytest.approx(ref.item())
    assert metric_name("regression", {"metric": "mse"}) == "mse"
    assert metric_name("regression", {}) == "r2"
    assert compute_metric(torch.ones(4, 1), torch.zeros(4, 1), "regression", "mse") == pytest.approx(1.0)


def test_csv_column_forecasting_from_this_sessions_upload():
    from playground.data.sequences import read_csv_upload

    rows = "\n".join(f"{i},{np.sin(i / 5):.5f},x" for i in range(300))
    raw = read_csv_upload([("levels.csv", f"day,level,tag\n{rows}\n".encode())])
    cfg = data_cfg("csv_series", **{"data.source": "upload-abc", "data.sequence.column": "level",
                                    "data.sequence.horizon": 2})
    ds = make_dataset(cfg, seed=0, sources={"upload-abc": raw})
    assert ds.spec.input_shape == (12, 1) and ds.spec.n_outputs == 2 and ds.meta["column"] == "level"
    n = len(ds.train) + len(ds.val) + len(ds.test)
    assert n == 300 - 12 - 2 + 1
    # windows keep time order: the first test window starts right after the last validation window
    assert torch.equal(ds.val.x[-1, 1:, 0], ds.test.x[0, :-1, 0])
    assert abs(float(ds.train.x.mean())) < 0.2                  # standardised with the training part


@pytest.mark.parametrize("content", [b"a,b\nx,y\n", b"\x00" * 10, b"v\n" + b"1\n" * 3_000_000])
def test_bad_csv_refused_with_a_message(content):
    from playground.data.sequences import read_csv_upload
    from playground.registry import ConfigError

    with pytest.raises(ConfigError) as err:
        read_csv_upload([("bad.csv", content)])
    assert err.value.field == "data.source"


def test_csv_source_must_be_this_sessions_upload():
    from playground.registry import ConfigError

    for source, sources in (("", None), ("/etc/passwd", {}), ("upload-x", {"upload-y": b"v\n1\n"})):
        with pytest.raises(ConfigError) as err:
            make_dataset(data_cfg("csv_series", **{"data.source": source}), seed=0, sources=sources)
        assert err.value.field == "data.source"
