"""Images lab payload, views and figures: the payload against sklearn and the model, known answers for the
helpers, every figure builds from a real experiment (CNN and pixel MLP), and the Images page under AppTest."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
from streamlit.testing.v1 import AppTest

from playground.experiment import build
from playground.figures import images as figs
from playground.payloads import images as pl
from playground.presets import PRESETS, get_preset
from playground.views import images as views

ROOT = Path(__file__).resolve().parents[1]


def test_confusion_matrix_and_per_class_accuracy_known_answer():
    y = np.array([0, 0, 1, 1, 2, 2])
    pred = np.array([0, 1, 1, 1, 0, 2])
    m = pl.confusion_matrix(y, pred, 3)
    assert m.tolist() == [[1, 1, 0], [0, 2, 0], [1, 0, 1]]
    assert pl.per_class_accuracy(m).tolist() == [0.5, 1.0, 0.5]
    assert pl.per_class_accuracy(np.zeros((2, 2), int)).tolist() == [0.0, 0.0]


@pytest.fixture(scope="module")
def trained():
    exp = build(get_preset("digits_cnn"))
    exp.trainer.run_epochs(1)
    return exp


def test_payload_metrics_match_sklearn_and_the_model(trained):
    from sklearn.metrics import confusion_matrix, recall_score

    p = pl.images_payload(trained, ("metrics", "gallery"))
    assert pickle.loads(pickle.dumps(p)).matrix.tolist() == p.matrix.tolist()
    test = trained.dataset.test
    with torch.no_grad():
        logits = trained.model.eval()(test.x)
    trained.model.train()
    pred, confidence = logits.argmax(1).numpy(), torch.softmax(logits, 1).max(1).values.numpy()
    y = test.y.numpy()
    assert p.matrix.tolist() == confusion_matrix(y, pred, labels=range(10)).tolist()
    assert np.allclose(pl.per_class_accuracy(p.matrix), recall_score(y, pred, labels=range(10), average=None,
                                                                     zero_division=0))
    assert p.accuracy == pytest.approx(float((pred == y).mean()))
    assert p.accuracy == pytest.approx(trained.trainer.history.last()["test_accuracy"])
    assert 0 <= p.moved_accuracy <= 1 and p.where == "after epoch 1" and p.epoch == 1
    wrong = np.flatnonzero(pred != y)
    assert p.n_wrong == len(wrong) and len(p.wrong) == min(len(wrong), pl.GALLERY)
    assert p.wrong.dtype == np.uint8 and p.wrong.shape[1:] == (8, 8)
    assert (p.wrong_true != p.wrong_pred).all() and p.history is None and p.filters is None
    first = wrong[np.argmax(confidence[wrong])]                                  # the most confident mistake
    assert (p.wrong_true[0], p.wrong_pred[0]) == (y[first], pred[first])
    assert np.abs(p.wrong[0].astype(int) - test.x[first, 0].numpy() * 255).max() <= 0.5


def test_payload_filters_maps_and_stats_come_from_the_weights(trained):
    x = trained.dataset.test.x[3:4]
    p = pl.images_payload(trained, ("filters", "maps", "stats"), image=x)
    pickle.loads(pickle.dumps(p))
    model = trained.model
    assert np.allclose(p.filters, model.convs[0].conv.weight.detach().sum(1).numpy())
    with torch.no_grad():
        conv1 = torch.relu(model.convs[0].conv(x))[0].numpy()                   # (8, 8, 8): the first block's maps
    lo, hi = conv1.min((1, 2), keepdims=True), conv1.max((1, 2), keepdims=True)
    want = np.where(hi > lo, (conv1 - lo) / np.where(hi > lo, hi - lo, 1), 0)
    assert [m.shape for m in p.maps] == [(1, 8, 8), (8, 8, 8), (16, 4, 4)] and len(p.map_titles) == 3
    assert np.allclose(p.maps[1], want, atol=1e-6)
    assert p.stats["names"] and len(p.stats["grad_norm"]) == len(p.stats["grad_names"]) == 4
    assert (p.stats["dead"] >= 0).all() and (p.stats["dead"] <= 1).all()
    mlp = build(get_preset("digits_mlp"))
    q = pl.images_payload(mlp, ("maps", "filters"))
    assert q.maps is None and q.filters.shape[1:] == (8, 8)
    with pytest.raises(ValueError, match="unknown payload parts"):
        pl.images_payload(mlp, ("frames",))


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
    x = exp.dataset.test.x[:1]
    live = [pl.images_payload(exp, parts, image=x) for parts in views.LIVE_PARTS.values()]
    specs = [views.curves_view(live[0]), views.confusion_view(live[0]), views.per_class_view(live[0]),
             views.gallery_view(live[0]), views.filters_view(live[1]), views.layer_stats_view(live[1])]
    maps = views.feature_maps_view(live[1], "test image #0")
    assert (maps is None) == (preset == "digits_mlp")
    for spec in specs + [maps] * (maps is not None):
        assert spec["data"] and spec["layout"]["height"] > 100, "a live chart has a fixed height"
        go.Figure(spec)                                                     # valid Plotly
        assert spec is specs[0] or "after epoch 1" in str(spec["layout"]["title"]), "labelled with where"
    layer = (views.conv_layers(exp.model) or [None])[-1]
    rows = views.explain_image(exp, x, 3, views.FAST_DEFAULT, layer)
    assert {r.method for r in rows} == set(views.FAST_DEFAULT) - ({"gradcam"} if layer is None else set())
    assert all(r.map.shape == (8, 8) and np.isfinite(r.map).all() for r in rows)
    assert next(r for r in rows if r.method == "integrated_gradients").delta is not None
    probs = pl.predict(exp.model, x)[0]
    built = [views.explain_view(x, rows, "x"), views.probabilities_view(probs, exp.dataset.class_names),
             views.sanity_view(exp, x, 3, ["saliency", "gradcam"], layer)[0], figs.pad_figure(np.zeros((8, 8)))]
    assert all(isinstance(f, go.Figure) and f.data for f in built)


def test_gallery_keeps_its_grid_and_lists_only_wrong_predictions():
    exp = build(get_preset("digits_cnn"))
    p = pl.images_payload(exp, ("gallery",))             # untrained: many mistakes
    spec = views.gallery_view(p)
    assert p.n_wrong > pl.GALLERY and len(spec["layout"]["annotations"]) == pl.GALLERY
    true, pred = spec["layout"]["annotations"][0]["text"].split("→")
    assert true != pred
    few = dataclasses.replace(p, wrong=p.wrong[:3], wrong_true=p.wrong_true[:3], wrong_pred=p.wrong_pred[:3], n_wrong=3)
    small = views.gallery_view(few)
    assert small["data"][0]["z"].shape == spec["data"][0]["z"].shape, "the same grid however many are wrong"
    assert small["layout"]["height"] == spec["layout"]["height"] and len(small["layout"]["annotations"]) == 3


def test_image_presets_train_headless_above_chance():
    exp = build(get_preset("digits_cnn"))
    exp.trainer.run_epochs(4)
    assert exp.trainer.history.last()["test_accuracy"] > 0.8
    assert {"digits_cnn", "digits_mlp"} <= set(PRESETS.keys(lab="images"))


def test_moved_accuracy_shows_what_augmentation_buys():
    plain, augmented = build(get_preset("digits_cnn")), build(get_preset("digits_augmented"))
    for exp in (plain, augmented):
        exp.trainer.run_epochs(15)
    p_test, p_moved = pl.moved_accuracy(plain, pl.test_results(plain))
    a_test, a_moved = pl.moved_accuracy(augmented, pl.test_results(augmented))
    assert p_test == pytest.approx(plain.trainer.history.last()["test_accuracy"])
    assert p_moved < p_test - 0.2                 # moved digits fool the plain CNN (~0.5 after 40 epochs)
    assert a_moved > p_moved + 0.15 and a_test > 0.9   # the augmented one (~0.9) much less, and still fits
    assert pl.moved_accuracy(plain, pl.test_results(plain)) == (p_test, p_moved)   # fixed draws


# ---------------------------------------------------------------- the page

def _page() -> AppTest:
    torch.set_num_threads(1)
    return AppTest.from_file(str(ROOT / "pages" / "images.py"), default_timeout=120)


def _charts(at: AppTest) -> list:
    """The live charts (playground/ui/chart.py: one Components v2 element per view)."""
    return at.get("bidi_component")


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def test_page_trains_and_shows_every_view():
    at = _page().run()
    _ok(at)
    assert len(_charts(at)) == 4                            # curves, confusion, per class, gallery
    assert at.metric[0].value == "0"
    at.button(key="images:step").click().run()
    _ok(at)
    assert at.metric[0].value == "1"
    assert any("shifted" in c.value for c in at.caption)    # accuracy on moved test digits
    at.segmented_control(key="images:view").set_value("Inside the network").run()
    _ok(at)
    assert len(_charts(at)) == 3                            # filters, feature maps, layer stats
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
    at.segmented_control(key="images:view").set_value("Inside the network").run()
    _ok(at)
    assert len(_charts(at)) == 2 and any("no feature maps" in i.value for i in at.info)   # unit templates, stats
    at.segmented_control(key="images:view").set_value("Training").run()
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
    assert len(_charts(at)) == 4


def test_page_feeds_the_same_live_charts_playing_and_paused():
    at = _page().run()
    at.button(key="images:play").click().run()
    at.run()                                                # the click's own run draws; the next one ticks
    _ok(at)
    assert int(at.metric[0].value) >= 1                     # the fragment trained
    assert len(_charts(at)) == 4 and not at.get("image") and not at.get("plotly_chart")
    at.segmented_control(key="images:view").set_value("Inside the network").run()
    _ok(at)
    assert len(_charts(at)) == 3 and not at.get("image")     # filters, feature maps, layer statistics
    at.button(key="images:play").click().run()              # pause
    _ok(at)
    assert len(_charts(at)) == 3 and not at.get("plotly_chart")


def test_layer_rows_sum_to_the_model_parameters():
    from playground.models import count_parameters

    exp = build(get_preset("digits_cnn"))
    table, summary = views.layer_rows(exp)
    assert table[-1]["output"] == "10" and f"{count_parameters(exp.model):,} parameters" in summary
