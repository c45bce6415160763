"""The CLI lists the Sequences and Transformers presets and trains them headless with the task's own metric."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "playground", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def test_presets_lists_both_labs():
    out = cli("presets").stdout
    for key in ("seq_adding_race_rnn", "seq_adding_race_lstm", "seq_alice_lstm", "transformer_reverse",
                "transformer_alice"):
        assert key in out
    assert "[sequences]" in out and "[transformers]" in out


@pytest.mark.parametrize("preset,metric", [("seq_adding_race_lstm", "test_mse"),
                                           ("transformer_reverse", "test_token_accuracy"),
                                           ("seq_parity_gru", "test_accuracy"),
                                           ("seq_sine_lstm", "test_r2")])
def test_train_prints_the_tasks_metric(preset, metric):
    res = cli("train", "--preset", preset, "--steps", "3", "--json")
    assert res.returncode == 0, res.stderr
    summary = json.loads(res.stdout)
    assert summary["steps"] == 3 and summary["preset_lab"] in ("sequences", "transformers")
    assert isinstance(summary[metric], float) and summary["diverged"] is False


def test_bad_override_names_the_field():
    res = cli("train", "--preset", "transformer_reverse", "--set", "model.transformer.heads=3", "--steps", "1")
    assert res.returncode == 2 and "model.transformer.heads" in res.stderr
