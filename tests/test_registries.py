"""Each registry against one contract: every entry builds, has the right shapes, is seeded, has no NaN."""

import math

import numpy as np
import pytest
import torch

from playground.catalog import registries
from playground.config import DataConfig, ExperimentConfig, ModelConfig, TrainConfig, replace
from playground.data import DATASETS, FEATURES, make_dataset
from playground.experiment import build
from playground.models import ACTIVATIONS, INITS, MODELS, build_model
from playground.objectives import LOSSES
from playground.optimizers import OPTIMIZERS, SCHEDULES, lr_at

GENERATED = [k for k in DATASETS if not DATASETS.entry(k).meta.get("upload")]


def test_every_registry_has_labels_and_descriptions():
    for name, reg in registries().items():
        assert len(reg) > 0, name
        for e in reg.entries():
            assert e.label and e.key == e.key.lower(), (name, e.key)


@pytest.mark.parametrize("key", GENERATED)
def test_dataset_contract(key):
    cfg = DataConfig(name=key, n_samples=120)
    ds = make_dataset(cfg, seed=3)
    again = make_dataset(cfg, seed=3)
    other = make_dataset(cfg, seed=4)
    n = len(ds.train) + len(ds.val) + len(ds.test)
    assert len(ds.train) > 0 and len(ds.test) > 0
    for split in ("train", "val", "test"):
        s = ds.split(split)
        assert tuple(s.x.shape[1:]) == ds.spec.input_shape
        assert len(s.x) == len(s.y)
        assert torch.equal(s.x, again.split(split).x), "same seed, same data"
        if s.x.is_floating_point():
            assert torch.isfinite(s.x).all()
    assert not torch.equal(ds.train.x, other.train.x), "another seed, other data"
    if ds.task == "classification":
        assert ds.spec.n_outputs == len(ds.class_names)
        assert int(ds.train.y.max()) < ds.spec.n_outputs
    assert n > 0


@pytest.mark.parametrize("key", FEATURES.keys())
def test_feature_contract(key):
    xy = np.random.default_rng(0).uniform(-6, 6, (50, 2))
    col = FEATURES.get(key)(xy)
    assert col.shape == (50,) and np.isfinite(col).all()


@pytest.mark.parametrize("key", ACTIVATIONS.keys())
def test_activation_contract(key):
    a, b = ACTIVATIONS.get(key)(), ACTIVATIONS.get(key)()
    assert a is not b, "a new module per use (Captum needs it)"
    z = torch.linspace(-5, 5, 101, requires_grad=True)
    y = a(z)
    y.sum().backward()
    assert y.shape == z.shape and torch.isfinite(y).all() and torch.isfinite(z.grad).all()
    assert not getattr(a, "inplace", False)


@pytest.mark.parametrize("key", INITS.keys())
def test_init_contract(key):
    cfg = ModelConfig(hidden=(5,), init=key)
    ds = make_dataset(DataConfig(n_samples=40))
    m1, m2 = build_model(cfg, ds.spec, seed=1), build_model(cfg, ds.spec, seed=1)
    for p1, p2 in zip(m1.parameters(), m2.parameters()):
        assert torch.equal(p1, p2) and torch.isfinite(p1).all()


@pytest.mark.parametrize("key", [k for k in MODELS if MODELS.entry(k).meta.get("inputs") == "vector"])
@pytest.mark.parametrize("hidden", [(), (3,), (8, 8, 8)])
def test_vector_model_contract(key, hidden):
    ds = make_dataset(DataConfig(n_samples=60))
    model = build_model(ModelConfig(kind=key, hidden=hidden), ds.spec, seed=0)
    out = model(ds.train.x)
    assert out.shape == (len(ds.train), ds.spec.n_outputs) and torch.isfinite(out).all()


@pytest.mark.parametrize("key", OPTIMIZERS.keys())
def test_optimizer_contract_lowers_loss(key):
    cfg = ExperimentConfig(data=DataConfig(name="gauss", n_samples=200), model=ModelConfig(hidden=(4,)),
                           train=TrainConfig(optimizer=key, lr=0.05 if key != "sgd" else 0.1, batch_size=20))
    exp = build(cfg)
    first = exp.trainer.history["train_loss"][0]
    exp.trainer.run_epochs(15)
    assert exp.trainer.history["train_loss"][-1] < first


@pytest.mark.parametrize("key", SCHEDULES.keys())
def test_schedule_contract(key):
    cfg = replace(TrainConfig(schedule=key, lr=0.1, step_size=10, warmup_epochs=3), max_epochs=50)
    rates = [lr_at(cfg, e) for e in range(120)]
    assert all(math.isfinite(r) and 0 <= r <= 0.1 + 1e-12 for r in rates)
    assert rates[0] < 0.1, "warm-up starts below the base rate"


@pytest.mark.parametrize("key", LOSSES.keys())
def test_loss_contract(key):
    task = LOSSES.entry(key).meta.get("task", "classification")
    name = "circle" if task == "classification" else "plane"
    exp = build(ExperimentConfig(data=DataConfig(name=name, n_samples=80), train=TrainConfig(loss=key)))
    assert math.isfinite(exp.trainer.history["train_loss"][0])
