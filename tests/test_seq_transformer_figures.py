"""Sequences and Transformers figures (issue 12, item 10): answers drawn under the positions that produce them,
one true name for the adding problem's baseline, attention-map titles clear of the axis labels above them."""

from __future__ import annotations

import numpy as np
import pytest

from playground.config import with_values
from playground.experiment import build
from playground.figures.sequences import attention_spec
from playground.payloads.group import group_payload
from playground.payloads.sequences import sequences_payload
from playground.presets import get_preset
from playground.views import sequences as views


def _strip(fig: dict) -> dict[str, list[str]]:
    """Heatmap rows of a token strip: row name -> text per position."""
    heat = fig["data"][0]
    return {name: list(row) for name, row in zip(heat["y"], heat["text"])}


def _prediction(exp, sample: int = 0) -> dict:
    return views.prediction_view(sequences_payload(exp, sample))


@pytest.mark.parametrize("preset", ["transformer_reverse", "seq_copy_lstm"])
def test_target_and_prediction_sit_under_the_positions_that_answer(preset):
    exp = build(with_values(get_preset(preset), {"data.n_samples": 200}))
    length = exp.cfg.data.seq_len
    rows = _strip(_prediction(exp, 3))
    assert len(rows["input"]) == 2 * length and rows["input"][length:] == [rows["input"][length]] * length
    assert rows["input"][length] == "?"                                     # the recall markers
    truth = exp.dataset.test.y[3].numpy()
    names = exp.dataset.class_names
    for name in ("target", "prediction"):
        assert rows[name][:length] == [""] * length, f"{name}: nothing under the symbols read"
        assert all(rows[name][length:]), f"{name}: one answer under each marker"
    assert rows["target"][length:] == [names[int(i)] if int(i) < len(names) else str(int(i)) for i in truth]
    z = np.asarray(_prediction(exp, 3)["data"][0]["z"])             # rows bottom-up: prediction, target
    assert np.all(z[:2, :length] == 0) and np.all(z[:2, length:] > 0)  # blank cells stay white


def test_a_classifier_answers_under_the_last_position_and_a_character_model_everywhere():
    parity = build(with_values(get_preset("seq_parity_gru"), {"data.n_samples": 200}))
    rows = _strip(_prediction(parity))
    assert rows["target"][:-1] == [""] * (len(rows["input"]) - 1) and rows["target"][-1] in ("even", "odd")
    lm = build(with_values(get_preset("seq_alice_lstm"), {"data.n_samples": 100}))
    rows = _strip(_prediction(lm))
    assert all(rows["target"]) and len(rows["target"]) == len(rows["input"])


def test_the_adding_baseline_has_one_true_name_on_every_chart():
    cfg = with_values(get_preset("seq_adding_race_lstm"), {"data.n_samples": 400})
    exp = build(cfg)
    y = np.concatenate([exp.dataset.train.y.numpy()[:, 0], exp.dataset.test.y.numpy()[:, 0]])
    # the target is the sum of two U(0, 1) numbers: mean 1, variance 1/12 + 1/12; the data agree
    assert y.mean() == pytest.approx(1.0, abs=0.05) and np.mean((y - 1.0) ** 2) == pytest.approx(1 / 6, abs=0.03)
    assert exp.dataset.meta["baseline_mean"] == 1.0 and exp.dataset.meta["baseline_mse"] == pytest.approx(1 / 6)
    exp.trainer.run_epochs(1)
    p = sequences_payload(exp)
    scatter = [a["text"] for a in views.prediction_view(p)["layout"]["annotations"] if a["text"] != p.where]
    curves = [a["text"] for a in views.curves_view(p)["layout"]["annotations"]]
    race = [a["text"] for a in views.race_view(group_payload(views.race_group(exp, {}, kinds=("lstm",))),
                                               exp.dataset.meta)["layout"]["annotations"]]
    name = "always predict the mean, 1.0"
    assert scatter == [name]
    assert curves == race == [f"{name} (MSE 0.167)"]
    assert not any("predict 1" in t.replace("predict the mean, 1.0", "") for t in scatter + curves + race)


def _geometry(fig: dict):
    """(plot height px, rows of (title y, own domain top, own domain bottom)) from a grid's layout."""
    layout = fig["layout"]
    plot_h = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
    domains = sorted({tuple(layout[k]["domain"]) for k in layout if k.startswith("yaxis")}, reverse=True)
    titles = {}
    for a in layout["annotations"]:
        if a["text"].startswith("layer"):                                  # the head titles
            titles.setdefault(a["y"], []).append(a)
    return plot_h, domains, titles


@pytest.mark.parametrize("layers, t", [(2, 16), (3, 16), (2, 8), (4, 24)])
def test_attention_titles_sit_between_their_own_map_and_the_labels_of_the_row_above(layers, t):
    maps = np.full((layers, 2, t, t), 1.0 / t, np.float32)
    tokens = [f"{i % 7}" if i < t // 2 else "?" for i in range(t)]
    fig = attention_spec(maps, tokens, height_per_row=300)
    plot_h, domains, titles = _geometry(fig)
    assert len(domains) == layers and len(titles) == layers
    labels = [f"{i}:{tok}" for i, tok in enumerate(tokens)]
    vertical = fig["layout"]["xaxis"]["tickangle"] == -90
    # room under a map for its x labels and above it for a title, as measured with Chromium on the Transformers
    # page (Streamlit's chart theme): one line of labels reaches 33 px below the axis, vertical "10:?" labels
    # 44 px (8 px a character plus the tick and its gap); a subplot title is 17 px tall
    tick_px = 12 + 8 * max(map(len, labels)) if vertical else 33
    title_px = 17
    for row, ((_, top), (y, anns)) in enumerate(zip(domains, sorted(titles.items(), reverse=True))):
        assert y == pytest.approx(top) and all(a["yanchor"] == "bottom" for a in anns)   # just above its own map
        if row:
            above_bottom = domains[row - 1][0]
            room = (above_bottom - top) * plot_h
            assert room >= tick_px + title_px, f"row {row + 1}: {room:.0f} px between maps"
    first_top = domains[0][1]
    margin = fig["layout"]["margin"]
    assert first_top == pytest.approx(1.0) and margin["t"] >= title_px + 17        # chart title, then head titles
    assert margin["b"] >= tick_px                                                   # bottom labels fit
