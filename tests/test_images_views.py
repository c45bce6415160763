"""Images lab views and figures: known answers for the metrics and helpers, every figure builds from a real
experiment (CNN and pixel MLP), and the Images page under AppTest."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from streamlit.testing.v1 import AppTest

from playground.experiment import build
from playground.figures import images as figs
from playground.presets import PRESETS, get_preset
from playground.views import images as views

ROOT = Path(__file__).resolve().parents[1]


def test_confusion_matrix_and_per_class_accuracy_known_answer():
    y = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 0, 2])
    m = views.confusion_matrix(y, pred, 3)
    assert m.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert views.per_class_accuracy(m).tolist() == [0.5, 1.0, 0.5]
    assert views.per_class_accuracy(np.zeros((2, 2), int)).tolist() == [0.0, 0.0]


def test_mosaic_places_tiles_with_nan_gaps():
    tiles = np.arange(3 * 2 * 2, dtype=np.float32).reshape(3, 2, 2)
    out = figs.mosaic(tiles, cols=2, gap=1)
    assert out.shape == (5, 5)
    assert out[0, 0] == 0 and out[0, 3] == 4 and out[3, 0] == 8 and np.isnan(out[2, 0]) and np.isnan(out[3, 3])


def test_paint_sets_selected_cells_and_ignores_points_outside():
    canvas = np.zeros((8, 8), np.float32)
    out = views.paint(canvas, [{"x": 2, "y": 5}, {"x": 7.0, "y": 0.0}, {"x": 20, "y": 1}], 1.0)
    assert out[5, 2] == 1 and out[0, 7] == 1 and out.sum() == 2 and canvas.sum() == 0


def test_as_batch_and_pretty_names():
    assert views.as_batch(np.ones((8, 8)), (3, 8, 8)).shape == (1, 3, 8, 8)
    assert views.pretty("convs.1.conv") == "conv 2" and views.pretty("head_layers.0.act") == "dense 1"
    assert views.pretty("out") == "output"


@pytest.mark.parametrize("preset", ["digits_cnn", "digits_mlp"])
def test_every_view_builds_a_figure(preset):
    exp = build(get_preset(preset))
    exp.trainer.run_epochs(1)
    res = views.test_results(exp)
    assert res.probs.shape == (len(exp.dataset.test), 10) and np.allclose(res.probs.sum(1), 1, atol=1e-5)
    assert res.matrix.sum() == len(exp.dataset.test)
    x = exp.dataset.test.x[:1]
    built = [*views.metric_views(exp, res), views.misclassified_view(exp, res)[0], views.filters_view(exp),
             views.layer_stats_view(exp)]
    maps = views.feature_maps_view(exp, x)
    assert (maps is None) == (preset == "digits_mlp")
    layer = (views.conv_layers(exp.model) or [None])[-1]
    rows = views.explain_image(exp, x, 3, views.FAST_DEFAULT, layer)
    assert {r.method for r in rows} == set(views.FAST_DEFAULT) - ({"gradcam"} if layer is None else set())
    assert all(r.map.shape == (8, 8) and np.isfinite(r.map).all() for r in rows)
    assert next(r for r in rows if r.method == "integrated_gradients").delta is not None
    built += [views.explain_view(x, rows, "x"), views.probabilities_view(res.probs[0], exp.dataset.class_names),
              views.sanity_view(exp, x, 3, ["saliency", "gradcam"], layer)[0], figs.pad_figure(np.zeros((8, 8)))]
    assert all(isinstance(f, go.Figure) and f.data for f in built if f is not None)


def test_gallery_lists_only_wrong_predictions():
    exp = build(get_preset("digits_cnn"))
    res = views.test_results(exp)                        # untrained: many mistakes
    gallery, wrong = views.misclassified_view(exp, res, limit=5)
    assert wrong == int((res.pred != res.y).sum()) > 5
    assert len(gallery.layout.annotations) == 5
    first = gallery.layout.annotations[0].text
    true, pred = first.split("→")
    assert true != pred


def test_image_presets_train_headless_above_chance():
    exp = build(get_preset("digits_cnn"))
    exp.trainer.run_epochs(4)
    assert exp.trainer.history.last()["test_accuracy"] > 0.8
    assert {"digits_cnn", "digits_mlp"} <= set(PRESETS.keys(lab="images"))


def test_moved_accuracy_shows_what_augmentation_buys():
    plain, augmented = build(get_preset("digits_cnn")), build(get_preset("digits_augmented"))
    for exp in (plain, augmented):
        exp.trainer.run_epochs(15)
    p_test, p_moved = views.moved_accuracy(plain, views.test_results(plain))
    a_test, a_moved = views.moved_accuracy(augmented, views.test_results(augmented))
    assert p_test == pytest.approx(plain.trainer.history.last()["test_accuracy"])
    assert p_moved < p_test - 0.2                 # moved digits fool the plain CNN (~0.5 after 40 epochs)
    assert a_moved > p_moved + 0.15 and a_test > 0.9   # the augmented one (~0.9) much less, and still fits
    assert views.moved_accuracy(plain, views.test_results(plain)) == (p_test, p_moved)   # fixed draws


# ---------------------------------------------------------------- the page

def _page() -> AppTest:
    torch.set_num_threads(1)
    return AppTest.from_file(str(ROOT / "pages" / "images.py"), default_timeout=120)


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_page_trains_and_shows_every_view():
    at = _page().run()
    _ok(at)
    assert len(at.get("plotly_chart")) >= 4                 # curves, confusion, per class, gallery
    assert at.metric[0].value == "0"
    at.button(key="images:step").click().run()
    _ok(at)
    assert at.metric[0].value == "1"
    assert any("shifted" in c.value for c in at.caption)    # accuracy on moved test digits
    at.segmented_control(key="images:view").set_value("Inside the network").run()
    _ok(at)
    assert len(at.get("plotly_chart")) == 3                 # filters, feature maps, layer stats
    at.number_input(key="images:index").set_value(5).run()
    _ok(at)
    at.segmented_control(key="images:view").set_value("Explanations").run()
    _ok(at)
    assert len(at.get("plotly_chart")) == 2                 # prediction, attribution panel
    at.selectbox(key="images:target").set_value("3").run()
    at.button(key="images:sanity").click().run()
    _ok(at)
    assert len(at.get("plotly_chart")) == 3
    assert any("Fails the check" in c.value and "Edge detector (control)" in c.value for c in at.caption)
    at.segmented_control(key="images:view").set_value("Your digit").run()
    _ok(at)
    assert any("Draw a digit" in i.value for i in at.info)


def test_page_rebuilds_for_the_mlp_and_refuses_an_impossible_cnn():
    at = _page().run()
    at.selectbox(key="images:model.kind").set_value("mlp").run()
    _ok(at)
    assert any("rebuilt" in i.value for i in at.info)
    at.selectbox(key="images:model.kind").set_value("cnn").run()
    at.text_input(key="images:model.cnn.channels").set_value("4, 4, 4, 4").run()
    assert not at.exception
    assert any("conv block 4" in e.value for e in at.error)  # named, and the old model keeps working
    at.button(key="images:step").click().run()
    assert not at.exception


def test_a_link_to_someone_elses_upload_falls_back_to_the_default():
    at = _page()
    at.query_params.update({"lab": "images", "data.name": "image_upload", "data.source": "upload-123"})
    at.run()
    _ok(at)
    assert any("data.source" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) >= 3


def test_frames_are_pngs_of_the_same_data():
    from PIL import Image

    from playground.figures import image_frames as frames

    exp = build(get_preset("digits_cnn"))
    res = views.test_results(exp)
    x = exp.dataset.test.x[:1]
    pngs = [views.confusion_frame(exp, res), views.misclassified_frame(exp, res)[0], views.filters_frame(exp),
            views.feature_maps_frame(exp, x)]
    for png in pngs:
        with Image.open(io.BytesIO(png)) as img:
            assert img.format == "PNG" and img.width > 50 and img.height > 50
    assert views.feature_maps_frame(build(get_preset("digits_mlp")), x) is None
    assert frames.viridis_rgb(np.array([0.0, 1.0])).tolist() == [[68, 1, 84], [253, 231, 37]]
    assert frames.ink_rgb(np.array([0.0]))[0].tolist() == [255, 255, 255]


def test_page_draws_png_frames_while_playing_and_plotly_when_paused():
    at = _page().run()
    at.button(key="images:play").click().run()
    _ok(at)
    assert len(at.get("image")) == 3                         # curves, confusion matrix and gallery as frames
    assert int(at.metric[0].value) >= 1                     # the fragment trained
    at.segmented_control(key="images:view").set_value("Inside the network").run()
    _ok(at)
    assert len(at.get("image")) == 2                         # filters and feature maps as frames
    at.button(key="images:play").click().run()              # pause
    _ok(at)
    assert len(at.get("image")) == 0 and len(at.get("plotly_chart")) == 3


def test_layer_rows_sum_to_the_model_parameters():
    from playground.models import count_parameters

    exp = build(get_preset("digits_cnn"))
    table, summary = views.layer_rows(exp)
    assert table[-1]["output"] == "10" and f"{count_parameters(exp.model):,} parameters" in summary
