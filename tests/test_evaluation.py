"""The one-sync epoch evaluator gives the same numbers as evaluating each split with the loss and metric."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from playground.data.base import CLASSIFICATION, REGRESSION, Dataset, DataSpec, Split
from playground.evaluation import EpochEvaluator, compute_metric, per_sample_loss
from playground.objectives import TokenCrossEntropy


def _dataset(x: torch.Tensor, y: torch.Tensor, task: str, sizes=(30, 12, 9)) -> Dataset:
    a, b = sizes[0], sizes[0] + sizes[1]
    splits = [Split(x[:a], y[:a]), Split(x[a:b], y[a:b]), Split(x[b:b + sizes[2]], y[b:b + sizes[2]])]
    return Dataset(DataSpec(task, tuple(x.shape[1:]), 3), *splits)


def _reference(model, ds: Dataset, loss_fn, metric: str) -> dict[str, float]:
    out = {}
    with torch.no_grad():
        for name in ("train", "val", "test"):
            split = ds.split(name)
            if len(split) == 0:
                out[f"{name}_loss"] = out[f"{name}_{metric}"] = float("nan")
                continue
            pred = model(split.x)
            out[f"{name}_loss"] = loss_fn(pred, split.y).item()
            out[f"{name}_{metric}"] = compute_metric(pred, split.y, ds.task, metric)
    return out


def _assert_same(got: dict[str, float], want: dict[str, float]) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        if math.isnan(value):
            assert math.isnan(got[key]), key
        else:
            assert got[key] == pytest.approx(value, rel=1e-5, abs=1e-6), key


@pytest.mark.parametrize("loss_fn", [nn.MSELoss(), nn.HuberLoss(delta=0.3), nn.L1Loss()])
@pytest.mark.parametrize("metric", ["r2", "mse"])
def test_regression_losses_and_metrics_match_per_split(loss_fn, metric):
    torch.manual_seed(0)
    x, y = torch.randn(51, 4), torch.randn(51, 2)
    ds, model = _dataset(x, y, REGRESSION), nn.Linear(4, 2)
    got, extra = EpochEvaluator(ds, REGRESSION, metric)(model, loss_fn, [torch.tensor(2.5)])
    _assert_same(got, _reference(model, ds, loss_fn, metric))
    assert extra == [2.5]


def test_classification_matches_and_an_empty_split_is_nan():
    torch.manual_seed(1)
    x, y = torch.randn(40, 3), torch.randint(0, 3, (40,))
    ds, model = _dataset(x, y, CLASSIFICATION, sizes=(30, 0, 10)), nn.Linear(3, 3)
    got, _ = EpochEvaluator(ds, CLASSIFICATION, "accuracy")(model, TokenCrossEntropy())
    want = _reference(model, ds, TokenCrossEntropy(), "accuracy")
    _assert_same(got, want)
    assert math.isnan(got["val_loss"]) and not math.isnan(got["test_accuracy"])


class _PerPosition(nn.Module):
    """Tokens [B, L] -> logits [B, L, 5]."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(5, 5)

    def forward(self, x):
        return self.emb(x)


def test_token_outputs_match_per_split():
    torch.manual_seed(2)
    x, y = torch.randint(0, 5, (50, 7)), torch.randint(0, 5, (50, 7))
    ds, model = _dataset(x, y, CLASSIFICATION), _PerPosition()
    got, _ = EpochEvaluator(ds, CLASSIFICATION, "token_accuracy")(model, TokenCrossEntropy())
    _assert_same(got, _reference(model, ds, TokenCrossEntropy(), "token_accuracy"))


def test_large_per_position_outputs_are_evaluated_in_chunks_with_the_same_scores(monkeypatch):
    import playground.evaluation as ev

    monkeypatch.setattr(ev, "CHUNK", 8)     # 51 samples: chunks of 8, the last one short
    torch.manual_seed(3)
    x, y = torch.randint(0, 5, (60, 7)), torch.randint(0, 5, (60, 7))
    ds, model = _dataset(x, y, CLASSIFICATION), _PerPosition()
    wide = Dataset(DataSpec(CLASSIFICATION, (7,), 40, vocab_size=5, output_len=7), ds.train, ds.val, ds.test)
    chunked = EpochEvaluator(wide, CLASSIFICATION, "token_accuracy")
    assert chunked._chunk == 8                              # 7 positions x 40 classes > CHUNK_ABOVE values
    assert EpochEvaluator(ds, CLASSIFICATION, "token_accuracy")._chunk == 51   # small outputs: one forward
    got, _ = chunked(model, TokenCrossEntropy())
    _assert_same(got, _reference(model, ds, TokenCrossEntropy(), "token_accuracy"))


def test_losses_it_cannot_split_take_the_per_split_path():
    torch.manual_seed(3)
    x, y = torch.randn(51, 4), torch.randint(0, 3, (51,))
    ds, model = _dataset(x, y, CLASSIFICATION), nn.Linear(4, 3)
    smoothed = nn.CrossEntropyLoss(label_smoothing=0.2)
    assert per_sample_loss(smoothed, model(x), y) is None
    got, _ = EpochEvaluator(ds, CLASSIFICATION, "accuracy")(model, smoothed)
    _assert_same(got, _reference(model, ds, smoothed, "accuracy"))


def test_it_evaluates_in_eval_mode_and_restores_training_mode():
    torch.manual_seed(4)
    x, y = torch.randn(51, 4), torch.randn(51, 1)
    ds = _dataset(x, y, REGRESSION)
    model = nn.Sequential(nn.Linear(4, 8), nn.Dropout(0.9), nn.Linear(8, 1)).train()
    ev = EpochEvaluator(ds, REGRESSION, "r2")
    first, _ = ev(model, nn.MSELoss())
    second, _ = ev(model, nn.MSELoss())
    assert first == second          # dropout off: deterministic
    assert model.training


def test_the_playgrounds_own_dropout_counts_as_mode_dependent():
    from playground.evaluation import mode_matters
    from playground.models.layers import Dropout

    assert mode_matters(nn.Sequential(nn.Linear(2, 2), Dropout(0.5)))
    assert not mode_matters(nn.Sequential(nn.Linear(2, 2), nn.ReLU()))
