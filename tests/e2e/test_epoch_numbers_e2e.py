"""The numbers shown are the epoch shown (issue 15): while a lab plays, the Epoch metric and the losses and
metric beside it, read together, are the Trainer's record of that epoch. The record is rebuilt headless
from the same link (run_epochs evaluates every epoch; the live loop's cadence decides which epochs get a
record, never the weights), so a number from another epoch, or from weights between epochs, fails."""

from __future__ import annotations

import pytest

from playground.config import to_query, with_values
from playground.experiment import build
from playground.presets import get_preset
from tests.e2e.helpers import click_button, open_lab, pause, poll

pytestmark = pytest.mark.e2e

# every st.metric's label and value, read in one call so they come from the same rerun
METRICS = """() => Object.fromEntries([...document.querySelectorAll("[data-testid='stMetric']")].map(m => [
    m.querySelector("[data-testid='stMetricLabel']").innerText.trim(),
    m.querySelector("[data-testid='stMetricValue']").innerText.trim()]))"""


def _samples(page, app_url: str, lab: str, cfg, seconds: float) -> list[dict[str, str]]:
    open_lab(page, app_url, lab, "&".join(f"{k}={v}" for k, v in to_query(cfg).items()))
    click_button(page, "Play")
    assert poll(lambda: page.evaluate(METRICS).get("Epoch", "0") not in ("0", ""), timeout=60), "training started"
    samples = []
    for _ in range(int(seconds * 2)):
        samples.append(page.evaluate(METRICS))
        page.wait_for_timeout(500)
    pause(page)
    samples.append(page.evaluate(METRICS))            # paused: the numbers still belong to the epoch shown
    return samples


def _check(samples: list[dict[str, str]], cfg, metric_label: str, metric: str) -> None:
    epochs = sorted({int(s["Epoch"].replace(",", "")) for s in samples})
    assert len(epochs) >= 3, f"the Epoch moved while playing ({epochs})"
    exp = build(cfg)
    exp.trainer.run_epochs(epochs[-1])
    cols = exp.trainer.history.columns
    records = {e: {k: v[i] for k, v in cols.items()} for i, e in enumerate(cols["epoch"])}
    for s in samples:
        rec = records[int(s["Epoch"].replace(",", ""))]
        shown = {k: float(s[k]) for k in ("Train loss", "Test loss", metric_label)}
        want = {"Train loss": rec["train_loss"], "Test loss": rec["test_loss"], metric_label: rec[f"test_{metric}"]}
        for k, v in shown.items():   # shown to 4 (losses) or 3 (metric) decimals
            assert abs(v - want[k]) <= (6e-5 if "loss" in k else 6e-4), \
                f"epoch {s['Epoch']}: {k} shown {v}, the Trainer's record says {want[k]:.6f}"


def test_the_2d_labs_numbers_are_the_record_of_the_epoch_shown(app_url, page):
    cfg = with_values(get_preset("tf_circle"), {"train.max_epochs": 0})
    _check(_samples(page, app_url, "playground", cfg, seconds=6), cfg, "Test accuracy", "accuracy")


def test_the_images_labs_numbers_are_the_record_of_the_epoch_shown(app_url, page):
    """Long epochs: ticks end inside an epoch, and the Epoch stays at the last one evaluated."""
    cfg = with_values(get_preset("digits_cnn"), {"train.max_epochs": 0})
    _check(_samples(page, app_url, "images", cfg, seconds=8), cfg, "Test accuracy", "accuracy")
