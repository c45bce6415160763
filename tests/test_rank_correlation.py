"""One Spearman's rho for the app (issue 12, item 1): the sanity check's `rank_correlation` and the Explain
hub's `agreement` give SciPy's spearmanr (average ranks for ties) on maps with many exact zeros, where
ranking by argsort(argsort(x)) gave tied values arbitrary ranks; 0 where either side is constant."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import spearmanr

from playground.insights import agreement
from playground.sanity import rank_correlation


def _sparse_map(rng: np.random.Generator, shape, zeros: float) -> np.ndarray:
    """A Grad-CAM-like map: ReLU'd values, a share `zeros` of them exactly 0."""
    a = np.abs(rng.normal(size=shape))
    a[rng.random(shape) < zeros] = 0.0
    return a


def _argsort_rho(a: np.ndarray, b: np.ndarray) -> float:
    """What the app computed before: ranks by argsort(argsort(x)), ties broken by position."""
    ra, rb = np.argsort(np.argsort(a.ravel())), np.argsort(np.argsort(b.ravel()))
    return float(np.corrcoef(ra, rb)[0, 1])


@pytest.mark.parametrize("zeros", [0.5, 0.7, 0.9])
def test_rank_correlation_is_spearmans_rho_on_maps_with_many_zeros(zeros):
    rng = np.random.default_rng(12)
    a, b = _sparse_map(rng, (8, 8), zeros), _sparse_map(rng, (8, 8), zeros)
    want = spearmanr(a.ravel(), b.ravel()).statistic
    assert rank_correlation(a.ravel(), b.ravel()) == pytest.approx(want, abs=1e-12)


def test_the_old_ranking_differs_from_spearman_on_tied_maps():
    """The case of the issue: two mostly-zero maps look alike to argsort ranks (the zeros of both are ranked
    by position, the same order), not to Spearman (they are zero in different places)."""
    rng = np.random.default_rng(0)
    a, b = _sparse_map(rng, (8, 8), 0.9), _sparse_map(rng, (8, 8), 0.9)
    old, want = _argsort_rho(a, b), spearmanr(a.ravel(), b.ravel()).statistic
    assert old - want > 0.3, (old, want)
    assert rank_correlation(a.ravel(), b.ravel()) == pytest.approx(want, abs=1e-12)


def test_known_answers_and_constant_sides():
    a = np.arange(10.0)
    assert rank_correlation(a, a * 3 + 1) == pytest.approx(1.0)
    assert rank_correlation(a, -a) == pytest.approx(-1.0)
    assert rank_correlation(a, np.zeros(10)) == 0.0
    assert rank_correlation(np.full(10, 2.0), a) == 0.0
    ties = np.array([0, 0, 0, 1, 2.0])
    assert rank_correlation(ties, ties) == pytest.approx(1.0)


def test_rows_give_one_rho_each():
    rng = np.random.default_rng(3)
    a, b = _sparse_map(rng, (6, 12), 0.6), _sparse_map(rng, (6, 12), 0.6)
    b[2] = 1.0                                                # a constant row -> 0, not NaN
    rho = rank_correlation(a, b)
    want = [0.0 if i == 2 else spearmanr(a[i], b[i]).statistic for i in range(6)]
    assert rho.shape == (6,)
    np.testing.assert_allclose(rho, want, atol=1e-12)


def test_agreement_is_the_mean_per_row_spearman():
    rng = np.random.default_rng(5)
    attrs = {"sal": _sparse_map(rng, (20, 6), 0.5), "ig": _sparse_map(rng, (20, 6), 0.5) - 0.3,
             "dl": np.round(rng.normal(size=(20, 6)), 0)}          # rounding: many ties
    m = agreement(attrs)
    names = list(attrs)
    for i in range(3):
        for j in range(3):
            want = 1.0 if i == j else np.mean([spearmanr(attrs[names[i]][r], attrs[names[j]][r]).statistic
                                               for r in range(20)])
            assert m[i, j] == pytest.approx(want, abs=1e-12)
