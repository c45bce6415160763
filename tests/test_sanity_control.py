"""The sanity check's control and flags (issue 12, Build): Adebayo et al.'s model-independent map (a Sobel
edge detector of the input) never changes under randomisation and is flagged; on a trained digits CNN
Saliency and Grad-CAM drop, while Integrated Gradients and DeepLift stay input-shaped and are flagged, as
the page says; every similarity is SciPy's spearmanr of the maps, ties included."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import ndimage
from scipy.stats import spearmanr

from playground.experiment import build
from playground.presets import get_preset
from playground.sanity import CONTROL, FLAG_AT, cascading_randomization, edge_map
from playground.views import images as views

METHODS = ["saliency", "gradcam", "integrated_gradients", "deeplift", "gradient_shap"]


@pytest.fixture(scope="module")
def trained():
    exp = build(get_preset("digits_cnn"))        # the preset's seed; three short epochs
    exp.trainer.run_epochs(3)
    return exp


@pytest.fixture(scope="module")
def result(trained):
    x, y = trained.dataset.test.x[:1], int(trained.dataset.test.y[0])
    return cascading_randomization(trained.model, x, y, METHODS, layer=trained.model.conv_layer_names()[-1],
                                   seed=trained.cfg.seed, data=trained.dataset.train.x)


def test_edge_map_is_the_sobel_magnitude():
    img = np.random.default_rng(0).random((2, 8, 8)).astype(np.float32)     # two channels, summed
    want = sum(np.hypot(ndimage.sobel(c.astype(np.float64), 0), ndimage.sobel(c.astype(np.float64), 1)) for c in img)
    np.testing.assert_allclose(edge_map(torch.from_numpy(img[None])), want, rtol=1e-6)


def test_the_control_never_changes_and_is_flagged(result):
    row = result.methods.index(CONTROL)
    assert np.allclose(result.similarity[row], 1.0)
    assert result.flagged[row]


def test_saliency_and_gradcam_drop_ig_and_deeplift_stay(result):
    flags = dict(zip(result.methods, result.flagged))
    low = {m: float(s[1:].min()) for m, s in zip(result.methods, result.similarity)}
    assert low["saliency"] < FLAG_AT and low["gradcam"] < FLAG_AT, low
    assert not flags["saliency"] and not flags["gradcam"]
    assert flags["integrated_gradients"] and flags["deeplift"], low     # Adebayo et al.'s known result


def test_similarities_are_scipys_spearman_of_the_maps(result):
    ties = 0
    for m, sims in zip(result.methods, result.similarity):
        first = result.maps[m][0].ravel()
        for sim, later in zip(sims, result.maps[m]):
            ties += len(later.ravel()) - len(np.unique(later))
            want = spearmanr(first, later.ravel()).statistic
            assert sim == pytest.approx(0.0 if np.isnan(want) else want, abs=1e-5), m
    assert ties > 0, "the maps have tied values (Grad-CAM's zeros), the case the old ranking got wrong"


def test_gradient_shap_draws_the_same_baselines_at_every_stage(trained, result):
    x, y = trained.dataset.test.x[:1], int(trained.dataset.test.y[0])
    again = cascading_randomization(trained.model, x, y, ["gradient_shap"], seed=trained.cfg.seed,
                                    data=trained.dataset.train.x)
    np.testing.assert_array_equal(again.maps["gradient_shap"][0], result.maps["gradient_shap"][0])


def test_the_view_names_the_failing_methods(trained):
    x = trained.dataset.test.x[:1]
    layer = trained.model.conv_layer_names()[-1]
    figure, failed = views.sanity_view(trained, x, int(trained.dataset.test.y[0]),
                                       ["saliency", "gradcam", "integrated_gradients"], layer)
    assert "Edge detector (control)" in failed and "Integrated Gradients" in failed and "Saliency" not in failed
    names = [t.name for t in figure.data]
    assert "Edge detector (control) — fails" in names and "Saliency" in names
    assert str(FLAG_AT) in views.SANITY_HELP and "DeepLift" in views.SANITY_TEXT
