"""Figures of the Runs and Explain pages: pure builders with the data they were given."""

from __future__ import annotations

import numpy as np

from playground.figures.attributions import agreement_figure, attribution_heatmap, importance_figure, sample_figure
from playground.figures.runs import parallel_figure, runs_curves_figure


def test_runs_curves_overlay_and_mixed_metrics():
    hists = {"a": {"epoch": [0, 1, 2], "val_loss": [1.0, 0.5, 0.4], "train_loss": [1.0, 0.4, 0.3],
                   "val_accuracy": [0.3, 0.8, 0.9]},
             "b": {"epoch": [0, 1], "val_loss": [2.0, 1.0], "train_loss": [2.0, 0.9], "val_r2": [-1.0, 0.5]}}
    fig = runs_curves_figure(hists)
    names = [(t.name, list(t.y)) for t in fig.data]
    assert ("a", [0.3, 0.8, 0.9]) in names and ("b", [-1.0, 0.5]) in names, "each run shows its own score"
    assert len(fig.data) == 6


def test_parallel_skips_shared_settings_but_keeps_the_colour():
    rows = [{"lr": 0.1, "batch": 16, "score": 0.9}, {"lr": 0.01, "batch": 16, "score": 0.8}]
    fig = parallel_figure(rows, "score")
    assert [d.label for d in fig.data[0].dimensions] == ["lr", "score"]
    assert list(fig.data[0].line.color) == [np.float32(0.9), np.float32(0.8)]


def test_attribution_figures_order_and_sign():
    names = ["a", "b", "c"]
    fig = importance_figure(names, np.array([0.1, 0.5, 0.3]), title="t")
    assert list(fig.data[0].y) == ["b", "c", "a"]
    fig = sample_figure(names, np.array([0.2, -0.6, 0.0]), np.array([1.0, 2.0, 3.0]), title="s")
    assert fig.data[0].y[0] == "b" and fig.data[0].marker.color[0] != fig.data[0].marker.color[1]
    fig = attribution_heatmap(names, np.array([[1.0, -2.0, 0.0]]), ["#0"], title="h")
    assert fig.data[0].zmin == -2.0 and fig.data[0].zmax == 2.0
    m = np.array([[1.0, 0.5], [0.5, 1.0]])
    assert agreement_figure(["x", "y"], m).data[0].z.shape == (2, 2)


def test_curves_before_training_show_the_first_point_on_an_epoch_axis_from_zero():
    from playground.figures.curves import curves_figure

    one = {"epoch": [0], "train_loss": [0.69], "val_loss": [0.70], "train_accuracy": [0.5], "val_accuracy": [0.48]}
    fig = curves_figure(one, "accuracy")
    assert all(t.mode == "lines+markers" for t in fig.data)           # a lone point is drawn as a dot
    assert fig.layout.xaxis.range[0] < 0 < fig.layout.xaxis.range[1] == 1
    many = curves_figure({k: v * 3 for k, v in one.items()} | {"epoch": [0, 1, 2]}, "accuracy")
    assert all(t.mode == "lines" for t in many.data) and many.layout.xaxis.range is None
