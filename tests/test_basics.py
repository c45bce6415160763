"""Known answers for the Basics labs' library: the backprop stepper equals autograd, softmax and
cross-entropy numbers, activation derivatives, vanishing gradients, and the perceptron rule."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.basics import activations as A
from playground.basics import backprop as bp
from playground.basics import neuron as N
from playground.basics import stepper_text as stepper
from playground.config import ModelConfig
from playground.data.base import REGRESSION, DataSpec
from playground.models import ACTIVATIONS, build_model
from playground.registry import ConfigError

X = np.array([[0.5, -1.0], [1.5, 0.2], [-0.7, 0.9]], np.float32)
T = np.array([0.3, -0.2, 0.8], np.float32)


def tiny(hidden=(3, 2), activation="tanh", seed=1):
    return build_model(ModelConfig(hidden=hidden, activation=activation), DataSpec(REGRESSION, (2,), 1), seed)


# ---- backpropagation stepper

@pytest.mark.parametrize("activation", ACTIVATIONS.keys())
def test_chain_rule_equals_autograd_for_every_activation(activation):
    model = tiny(activation=activation)
    tr = bp.trace(model, X, T, activation)
    loss, dW, db = bp.autograd_grads(model, X, T)
    assert tr.loss == pytest.approx(loss, rel=1e-6)
    np.testing.assert_allclose(tr.yhat, tr.model_output, atol=1e-6)          # same forward as the module
    for mine, theirs in zip(tr.dW + tr.db, dW + db):
        np.testing.assert_allclose(mine, theirs, atol=1e-5, rtol=1e-4)


def test_known_answer_one_hidden_linear_neuron():
    # x = (1, 2), h = 0.5·1 - 1·2 + 0.5 = -1, ŷ = 2·h + 1 = -1, t = 1: L = 4, ∂L/∂ŷ = -4
    model = tiny(hidden=(1,), activation="linear")
    for layer, row, col, v in [(0, 0, 0, 0.5), (0, 0, 1, -1.0), (0, 0, None, 0.5), (1, 0, 0, 2.0), (1, 0, None, 1.0)]:
        bp.set_parameter(model, layer, row, col, v)
    tr = bp.trace(model, np.array([[1.0, 2.0]]), np.array([1.0]), "linear")
    assert tr.loss == pytest.approx(4.0)
    assert tr.dL_dyhat[0] == pytest.approx(-4.0)
    np.testing.assert_allclose(tr.dW[1], [[4.0]])                  # ∂L/∂ŷ · h = -4 · -1
    np.testing.assert_allclose(tr.delta[0], [[-8.0]])              # ∂L/∂ŷ · w2 · f'(z) = -4 · 2 · 1
    np.testing.assert_allclose(tr.dW[0], [[-8.0, -16.0]])          # δ · x
    np.testing.assert_allclose(tr.db[0], [-8.0])


def test_sigmoid_local_derivative_is_a_times_one_minus_a():
    tr = bp.trace(tiny(hidden=(2,), activation="sigmoid"), X, T, "sigmoid")
    a = tr.a[1]
    np.testing.assert_allclose(tr.fprime[0], a * (1 - a), atol=1e-7)
    assert tr.fprime_formula == "a(1 - a)"


def test_update_equals_torch_sgd():
    model, ref = tiny(), tiny()
    tr = bp.trace(model, X, T, "tanh")
    bp.sgd_update(model, tr, lr=0.1)
    opt = torch.optim.SGD(ref.parameters(), lr=0.1)
    torch.nn.functional.mse_loss(ref(torch.tensor(X)), torch.tensor(T)[:, None]).backward()
    opt.step()
    for p, q in zip(model.parameters(), ref.parameters()):
        torch.testing.assert_close(p, q, atol=1e-6, rtol=1e-5)


def test_stages_and_their_text_cover_the_whole_pass():
    model = tiny(hidden=(2,), activation="relu")
    tr = bp.trace(model, X[:1], T[:1], "relu")
    stages = stepper.stages(len(tr.weights))
    assert [s[0] for s in stages] == ["input", "forward", "forward", "loss", "backward", "backward", "update"]
    for st in stages:
        lines = stepper.explain_stage(tr, st)
        assert lines and all(isinstance(s, str) for s in lines)
        sizes, names, values, edges, _ = stepper.graph_labels(tr, st)
        assert names[0] == ["x1", "x2"] and names[-1] == ["ŷ"]
        assert sizes == [2, 2, 1] and len(values) == 3 and edges[0].shape == (2, 2)
    loss_text = " ".join(stepper.explain_stage(tr, ("loss", -1)))
    assert f"{tr.loss:.5f}" in loss_text
    back = " ".join(stepper.explain_stage(tr, ("backward", 0)))
    assert f"{tr.dW[0][0, 0]:.5f}" in back
    assert "(-" not in f"{stepper._p(0.5)}" and stepper._p(-0.5) == "(-0.500)"


def test_stepper_refuses_what_it_cannot_draw():
    with pytest.raises(ConfigError):
        bp.check_small((5,))
    with pytest.raises(ConfigError):
        bp.check_small((2, 2, 2, 2))
    bn = build_model(ModelConfig(hidden=(2,), batch_norm=True), DataSpec(REGRESSION, (2,), 1))
    with pytest.raises(ValueError):
        bp.trace(bn, X, T, "tanh")
    with pytest.raises(ValueError):
        bp.set_parameter(tiny(), 0, 0, 0, float("nan"))
    names = bp.parameter_names(tiny(hidden=(2,)))
    assert len(names) == 2 * 2 + 2 + 2 + 1 and names[0][0] == "w(x1→h1.1)"


# ---- activations

def test_known_derivatives():
    z = np.array([-1.0, 0.0, 1.0], np.float32)
    _, d = A.curve("sigmoid", z)
    assert d[1] == pytest.approx(0.25)
    _, d = A.curve("tanh", z)
    assert d[1] == pytest.approx(1.0)
    f, d = A.curve("relu", z)
    np.testing.assert_allclose(f, [0, 0, 1]) and np.testing.assert_allclose(d[[0, 2]], [0, 1])
    _, d = A.curve("leaky_relu", z)
    np.testing.assert_allclose(d[[0, 2]], [0.1, 1.0], rtol=1e-6)


@pytest.mark.parametrize("activation", ACTIVATIONS.keys())
def test_every_activation_has_finite_curves(activation):
    z = np.linspace(-6, 6, 121, dtype=np.float32)
    f, d = A.curve(activation, z)
    assert f.shape == d.shape == z.shape and np.isfinite(f).all() and np.isfinite(d).all()


def test_saturation_ranges():
    z = np.linspace(-6, 6, 1201, dtype=np.float32)
    _, d = A.curve("sigmoid", z)
    (lo, hi), (lo2, hi2) = A.saturated_ranges(z, d)   # σ(1-σ) = 0.05 at |z| = ln(0.947/0.053) = 2.887
    assert lo == -6 and hi2 == 6 and hi == pytest.approx(-2.887, abs=0.01) and lo2 == pytest.approx(2.887, abs=0.01)
    assert A.saturated_ranges(z, A.curve("linear", z)[1]) == []
    assert len(A.summary(ACTIVATIONS.keys(), z)) == len(ACTIVATIONS)


def test_softmax_cross_entropy_known_answer():
    r = A.softmax_ce([1.0, 2.0, 3.0], target=2)
    np.testing.assert_allclose(r.probs, [0.0900306, 0.2447285, 0.6652410], atol=1e-6)
    assert r.cross_entropy == pytest.approx(-np.log(0.6652410), abs=1e-6)
    np.testing.assert_allclose(r.grad, r.probs - np.array([0, 0, 1]), atol=1e-6)
    hot = A.softmax_ce([1.0, 2.0, 3.0], target=2, temperature=0.1)   # low temperature: nearly one-hot
    assert hot.probs[2] > 0.9999
    flat = A.softmax_ce([1.0, 2.0, 3.0], target=0, temperature=100.0)
    np.testing.assert_allclose(flat.probs, [1 / 3] * 3, atol=0.01)
    with pytest.raises(ValueError):
        A.softmax_ce([1.0, 2.0], target=5)


def test_vanishing_gradients_sigmoid_versus_relu():
    sig = A.layer_gradients("sigmoid", 10, seed=0)
    relu = A.layer_gradients("relu", 10, init="kaiming_uniform", seed=0)
    assert sig.shape == (10,) and sig[0] / sig[-1] < 1e-3          # sigmoid: layer 1 gets almost nothing
    assert relu[0] / relu[-1] > 0.05                               # ReLU + He init: it gets through
    np.testing.assert_array_equal(A.layer_gradients("sigmoid", 4, seed=3), A.layer_gradients("sigmoid", 4, seed=3))


# ---- one neuron

def _separable(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-5, 5, (n * 3, 2)).astype(np.float32)
    margin = x[:, 0] + 2 * x[:, 1] - 1
    x = x[np.abs(margin) > 1][:n]                                   # keep a margin around the true line
    return x, (x[:, 0] + 2 * x[:, 1] - 1 > 0).astype(np.int64)


def test_neuron_output_and_formula():
    pts = np.array([[1.0, 2.0], [-3.0, 0.5]], np.float32)
    np.testing.assert_allclose(N.neuron_output((2.0, -1.0), 0.5, "linear", pts), [0.5, -6.0])
    np.testing.assert_allclose(N.neuron_output((2.0, -1.0), 0.5, "relu", pts), [0.5, 0.0])
    text = N.formula((2.0, -1.0), 0.5, "sigmoid", (1.0, 2.0))
    assert "2.00" in text and "z = 0.500" in text and "y = 0.622" in text


def test_perceptron_rule_converges_on_separable_data():
    x, y = _separable()
    w, b, errors = N.rule_fit((0.0, 0.0), 0.0, x, y, "perceptron", lr=0.1, max_epochs=100)
    assert errors[-1] == 0 and len(errors) < 100
    assert N.accuracy(w, b, x, y) == 1.0


def test_perceptron_never_solves_xor():
    x = np.array([[1, 1], [-1, -1], [1, -1], [-1, 1]], np.float32) * 3
    y = np.array([1, 1, 0, 0])
    _, _, errors = N.rule_fit((0.1, 0.2), 0.0, x, y, "perceptron", lr=0.1, max_epochs=30)
    assert len(errors) == 30 and min(errors) > 0


def test_rule_steps_known_answers():
    x, y = np.array([[2.0, -1.0]], np.float32), np.array([1])
    s = N.rule_step((0.0, 1.0), -0.5, x, y, 0, "perceptron", lr=0.5)   # z = -1.5 < 0: wrong, add lr·x
    assert s.output == 0 and s.dw == pytest.approx((1.0, -0.5)) and s.db == pytest.approx(0.5)
    s = N.rule_step((0.0, 1.0), -0.5, x, y, 0, "logistic", lr=0.5)     # autograd: -lr (σ(z) - y) x
    p = 1 / (1 + np.exp(1.5))
    assert s.output == pytest.approx(p, rel=1e-5)
    assert s.dw == pytest.approx((-0.5 * (p - 1) * 2, -0.5 * (p - 1) * -1), rel=1e-5)
    assert s.b == pytest.approx(-0.5 - 0.5 * (p - 1), rel=1e-5)
    with pytest.raises(ValueError):
        N.rule_step((0.0, 1.0), 0.0, x, y, 0, "hebb", lr=0.5)


def test_logistic_rule_learns_separable_data():
    x, y = _separable(seed=1)
    w, b, _ = N.rule_fit((0.0, 0.0), 0.0, x, y, "logistic", lr=0.1, max_epochs=30)
    assert N.accuracy(w, b, x, y) >= 0.95


def test_neuron_needs_two_class_2d_data():
    from playground.config import ExperimentConfig, with_values
    from playground.experiment import build

    exp = build(with_values(ExperimentConfig(), {"data.name": "plane"}))
    with pytest.raises(ConfigError) as err:
        N.two_class_points(exp.dataset)
    assert err.value.field == "data.name"
    x, y = N.two_class_points(build(ExperimentConfig()).dataset)
    assert x.shape[1] == 2 and set(np.unique(y)) == {0, 1}
