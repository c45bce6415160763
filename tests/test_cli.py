"""The headless CLI: presets, config JSON, train --json; bad input exits 2 with one line, no traceback."""

import json
import subprocess
import sys
from pathlib import Path

from playground.cli import main
from playground.config import from_json
from playground.presets import PRESETS, get_preset

ROOT = Path(__file__).resolve().parents[1]


def test_presets_lists_every_preset(capsys):
    assert main(["presets"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(PRESETS)
    assert any(line.startswith("tf_spiral") for line in out)


def test_config_prints_the_presets_config(capsys):
    assert main(["config", "--preset", "tf_xor"]) == 0
    assert from_json(capsys.readouterr().out) == get_preset("tf_xor")


def test_train_json_reports_metrics(capsys, tmp_path):
    assert main(["train", "--preset", "tf_gauss", "--epochs", "5", "--json", "--set", "train.lr=0.1"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("steps", "epochs", "train_loss", "val_loss", "test_loss", "test_accuracy", "diverged", "train_seconds"):
        assert key in out
    assert out["epochs"] == 5 and out["steps"] == 5 * 25 and out["lr"] == 0.1 and out["diverged"] is False
    cfg = tmp_path / "c.json"
    main(["config", "--preset", "tf_plane"])
    cfg.write_text(capsys.readouterr().out)
    assert main(["train", "--config", str(cfg), "--steps", "7", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["steps"] == 7 and "test_r2" in out


def test_diverging_run_says_so(capsys):
    assert main(["train", "--preset", "diverge", "--epochs", "20", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["diverged"] is True and "learning rate" in out["message"]


def test_bad_input_exits_2_with_one_line_and_no_traceback():
    for args in (["--preset", "tf_xor", "--set", "train.lr=abc"], ["--preset", "nope"],
                 ["--preset", "tf_xor", "--set", "model.hidden=0"], ["--config", "/does/not/exist.json"]):
        proc = subprocess.run([sys.executable, "-m", "playground", "train", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 2, args
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
        assert lines[0].startswith("error: ")
    proc = subprocess.run([sys.executable, "-m", "playground", "train", "--preset", "tf_xor", "--set", "train.lr=abc"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert "train.lr" in proc.stderr


def test_a_reader_that_leaves_early_gets_no_traceback():
    """`python -m playground presets | head -1`: the pipe closes before the listing is written."""
    proc = subprocess.Popen([sys.executable, "-m", "playground", "presets"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()                       # before the CLI (still importing) writes a line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 0, err
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_train_a_transfer_preset_trains_every_strategy_and_reports_each(capsys):
    assert main(["train", "--preset", "transfer_digits_5", "--epochs", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("steps", "epochs", "train_loss", "val_loss", "test_loss", "test_accuracy", "diverged", "frozen"):
        assert key in out                                # the usual keys, of the lab's own run
    runs = out["runs"]
    assert next(iter(runs)) == "Linear probe (yours)" and len(runs) == 5 and "From scratch" in runs
    assert runs["Linear probe (yours)"]["test_accuracy"] == out["test_accuracy"]
    assert all(r["epochs"] == 3 for r in runs.values())
    assert runs["From scratch"]["frozen"] == 0 and runs["Linear probe (yours)"]["frozen"] == 3
