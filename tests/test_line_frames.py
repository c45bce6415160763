"""PNG line charts for live frames: tick choice, drawing of gaps and reference lines, and the curve builders."""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
from PIL import Image

from playground.figures.line_frames import (
    MAX_FRAME_PIXELS,
    SCALE,
    Panel,
    Series,
    curves_png,
    lines_png,
    log_ticks,
    nice_ticks,
)
from playground.figures.palette import SPLIT_COLORS, hex_to_rgb


def _open(data: bytes) -> np.ndarray:
    assert data[:4] == b"\x89PNG"
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


@pytest.mark.parametrize(("lo", "hi", "want"), [(0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),
                                                (0.03, 0.97, [0.2, 0.4, 0.6, 0.8]), (-7, 13, [-5, 0, 5, 10]),
                                                (100, 1000, [200, 400, 600, 800, 1000])])
def test_nice_ticks_are_round_and_inside(lo, hi, want):
    assert nice_ticks(lo, hi) == pytest.approx(want)


def test_nice_ticks_of_an_empty_or_broken_range():
    assert nice_ticks(2.0, 2.0) == [2.0]
    assert nice_ticks(math.nan, 1.0) == []


def test_log_ticks_use_decades_when_wide_and_1_2_5_steps_when_narrow():
    assert log_ticks(-3.2, 0.1) == [-3.0, -2.0, -1.0, 0.0]
    narrow = [round(10 ** t, 6) for t in log_ticks(math.log10(0.45), math.log10(0.85))]
    assert len(narrow) >= 2 and all(0.45 <= v <= 0.85 for v in narrow)


def _colour_pixels(img: np.ndarray, color: str) -> int:
    return int((np.abs(img.astype(int) - hex_to_rgb(color).astype(int)).sum(-1) < 30).sum())


def test_lines_png_draws_each_series_in_its_colour_at_the_asked_size():
    panel = Panel("loss", [Series("a", [0, 1, 2, 3], [1.0, 0.5, 0.25, 0.1], "#d62728"),
                           Series("b", [0, 1, 2, 3], [0.9, None, math.nan, 0.3], "#2ca02c", dashed=True)])
    img = _open(lines_png([panel], width=400, height=200))
    assert img.shape == (200 * SCALE, 400 * SCALE, 3)
    assert _colour_pixels(img, "#d62728") > 200          # a solid line across the plot
    assert _colour_pixels(img, "#2ca02c") > 20           # the dashed one, broken at the missing values


def test_an_empty_panel_still_renders():
    img = _open(lines_png([Panel("nothing yet")], width=300, height=150))
    assert img.shape[:2] == (150 * SCALE, 300 * SCALE)


def test_curves_png_shows_every_split_and_a_reference_line():
    history = {"epoch": list(range(20)), "train_loss": list(np.linspace(1, 0.1, 20)),
               "val_loss": list(np.linspace(1, 0.3, 20)), "test_loss": list(np.linspace(1, 0.35, 20)),
               "train_accuracy": list(np.linspace(0.5, 1, 20)), "val_accuracy": [None] * 20,
               "test_accuracy": list(np.linspace(0.5, 0.9, 20))}
    img = _open(curves_png(history, "accuracy", loss_refs=((0.6, "baseline"),)))
    for split in ("train", "val", "test"):
        assert _colour_pixels(img, SPLIT_COLORS[split]) > 50, split
    grey = _colour_pixels(img, "#9ca3af")
    plain = _open(curves_png(history, "accuracy"))
    assert grey > _colour_pixels(plain, "#9ca3af") + 100     # the dashed reference line


def _history(n: int, scale: float) -> dict[str, list]:
    return {"epoch": list(range(n)), "train_loss": list(np.linspace(1, 0.2, n) * scale),
            "val_loss": list(np.linspace(1, 0.4, n) * scale), "val_accuracy": list(np.linspace(0.5, 0.9, n))}


def test_race_and_twin_frames_draw_every_run():
    from playground.figures.line_frames import overlay_png, twin_png

    runs = {"sgd": _history(30, 1.0), "adam": _history(30, 0.5)}
    race = _open(overlay_png(runs, "accuracy", ["#d62728", "#2ca02c"]))
    assert _colour_pixels(race, "#d62728") > 100 and _colour_pixels(race, "#2ca02c") > 100
    twin = _open(twin_png(runs, {"sgd": 29, "adam": None}))
    assert _colour_pixels(twin, SPLIT_COLORS["train"]) > 100 and _colour_pixels(twin, SPLIT_COLORS["val"]) > 100


def test_wide_frames_fit_under_streamlits_resize_width_keeping_their_shape():
    # st.image re-encodes (and, for palette PNGs, jaggedly shrinks) images wider than MAX_FRAME_PIXELS
    history = {"epoch": list(range(20)), "train_loss": list(np.linspace(1, 0.1, 20)),
               "train_accuracy": list(np.linspace(0.5, 1, 20))}
    img = _open(curves_png(history, "accuracy", width=840, height=300))
    assert img.shape[1] <= MAX_FRAME_PIXELS
    assert abs(img.shape[1] / img.shape[0] - 840 / 300) < 0.01
    assert _colour_pixels(img, SPLIT_COLORS["train"]) > 50
    assert _open(curves_png(history, "accuracy", width=600)).shape[1] == 600 * SCALE   # narrow: full SCALE
