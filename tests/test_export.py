"""Export and import: the standalone script reproduces the app's metrics (per-block lr scales, freezing,
gradual unfreezing and a pretrained backbone too); TorchScript and ONNX compute the
same outputs; a checkpoint round-trips; tampered or foreign files are refused; the CLI trains on a CSV."""

from __future__ import annotations

import io
import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from playground import export
from playground.config import with_values
from playground.experiment import build
from playground.presets import get_preset
from playground.registry import ConfigError

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained():
    cfg = with_values(get_preset("wine_mlp"), {"train.l2": 0.001, "train.schedule": "cosine", "train.max_epochs": 12,
                                               "model.batch_norm": True, "train.grad_clip": 1.0})
    exp = build(cfg)
    exp.trainer.run_epochs(12)
    return exp


def test_exported_script_reproduces_the_apps_metrics(trained, tmp_path):
    paths = export.export_all(trained, tmp_path)
    assert {p.name for p in paths} == {"train.py", "data.pt", "model.pt", "model.torchscript.pt", "model.onnx",
                                       "preprocess.json", "config.json"}
    out = subprocess.run([sys.executable, str(tmp_path / "train.py")], capture_output=True, text=True, timeout=120,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    app = trained.trainer.history.last()
    assert result["epochs"] == 12
    for key in ("train_loss", "val_loss", "test_loss", "test_accuracy", "train_accuracy"):
        assert result[key] == pytest.approx(app[key], abs=1e-5), key
    assert "playground" not in (tmp_path / "train.py").read_text().split('"""', 2)[2], "plain torch only"


def _run_script(folder: Path) -> dict:
    out = subprocess.run([sys.executable, str(folder / "train.py")], capture_output=True, text=True, timeout=120,
                         cwd=folder)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_exported_script_reproduces_a_cnn_with_batch_norm_dropout_and_input_noise(tmp_path):
    cfg = with_values(get_preset("digits_cnn_bn"), {"train.input_noise": 0.05, "train.max_epochs": 3,
                                                    "model.init": "kaiming_uniform"})
    exp = build(cfg)
    exp.trainer.run_epochs(3)
    export.export_all(exp, tmp_path)
    result, app = _run_script(tmp_path), exp.trainer.history.last()
    assert result["epochs"] == 3
    for key in ("train_loss", "val_loss", "test_loss", "test_accuracy"):
        assert result[key] == pytest.approx(app[key], abs=1e-4), key
    assert "Conv2d" in (tmp_path / "train.py").read_text()


@pytest.mark.parametrize(("values", "pretrained"), [   # each setting once, with and without a backbone
    ({"train.freeze": 2, "train.lr_scales": (0.1, 0.5), "train.l2": 0.01, "train.weight_decay": 0.01}, True),
    ({"train.freeze": 3, "train.unfreeze_every": 1, "train.lr_scales": (0.2, 0.3, 0.6), "train.schedule": "step",
      "train.step_size": 1, "train.gamma": 0.7, "train.optimizer": "momentum", "train.grad_clip": 1.0}, False),
])
def test_exported_script_reproduces_lr_scales_freezing_and_a_pretrained_backbone(values, pretrained, tmp_path):
    from playground.training import Trainer

    cfg = with_values(get_preset("digits_cnn_bn"), {"data.train_fraction": 0.2, "model.cnn.channels": (4, 8),
                                                    "model.hidden": (16,), "train.max_epochs": 4, **values})
    exp = build(cfg)
    if pretrained:   # conv blocks from another seed's model, loaded over the seeded init as build() does
        donor = build(with_values(cfg, {"seed": 7})).model
        exp.pretrained = {k: v.clone() for k, v in donor.state_dict().items() if k.startswith("convs.")}
        exp.model.load_state_dict(exp.pretrained, strict=False)
        exp.trainer = Trainer(exp.model, exp.dataset, cfg.train, cfg.seed)
    exp.trainer.run_epochs(4)
    export.export_all(exp, tmp_path)
    result, app = _run_script(tmp_path), exp.trainer.history.last()
    assert result["epochs"] == 4
    for key in ("train_loss", "val_loss", "test_loss", "test_accuracy"):
        assert result[key] == pytest.approx(app[key], abs=1e-5), key
    assert ("pretrained" in torch.load(tmp_path / "data.pt", weights_only=True)) == pretrained


@pytest.mark.parametrize("preset, values", [
    ("seq_adding_race_rnn", {"model.rnn.relu": True, "train.grad_clip": 1.0}),    # plain ReLU RNN, MSE
    ("seq_reverse_bilstm", {"model.dropout": 0.2}),                 # bidirectional, a token per position
    ("seq_sine_lstm", {"model.kind": "gru", "model.rnn.layers": 2, "train.input_noise": 0.05}),  # forecasting
    ("seq_sine_lstm", {"model.rnn.layers": 2, "model.dropout": 0.3}),   # dropout inside the fused RNN kernel
])
def test_exported_script_reproduces_recurrent_nets(preset, values, tmp_path):
    exp = build(with_values(get_preset(preset), {"train.max_epochs": 2, **values}))
    exp.trainer.run_epochs(2)
    export.export_all(exp, tmp_path)
    result, app, metric = _run_script(tmp_path), exp.trainer.history.last(), exp.trainer.metric
    for key in ("train_loss", "val_loss", "test_loss", f"test_{metric}"):
        assert result[key] == pytest.approx(app[key], abs=1e-5), key


def test_the_script_is_left_out_where_it_cannot_reproduce_the_run():
    fresh = build(get_preset("digits_augmented"))            # augmentation redrawn every epoch
    with pytest.raises(ConfigError, match=r"data\.image\.augment"):
        export.script_text(fresh)
    assert "train.py" not in export.export_files(fresh) and "model.onnx" in export.export_files(fresh)
    copies = build(with_values(get_preset("digits_augmented"), {"data.image.augment_copies": 1}))
    assert "train.py" in export.export_files(copies)        # fixed copies are in data.pt
    assert "augmentations" in export.script_refusal(fresh) and export.script_refusal(copies) == ""
    with pytest.raises(ConfigError, match=r"model\.kind"):
        export.script_text(build(get_preset("transformer_reverse")))


def test_torchscript_and_onnx_match_the_model(trained, tmp_path):
    import onnx

    files = export.export_files(trained)
    x = trained.dataset.test.x
    trained.model.eval()
    with torch.no_grad():
        want = trained.model(x)
    ts = torch.jit.load(io.BytesIO(files["model.torchscript.pt"]))
    assert torch.allclose(ts(x), want, atol=1e-5)
    model = onnx.load_from_string(files["model.onnx"])
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["input"]
    assert json.loads(files["config.json"])["data"]["name"] == "wine"


def test_checkpoint_round_trip(trained):
    raw = export.export_files(trained)["model.pt"]
    imp = export.load_checkpoint(raw)
    assert imp.cfg == trained.cfg and imp.class_names == trained.dataset.class_names
    x = trained.dataset.test.x
    trained.model.eval()
    with torch.no_grad():
        assert torch.equal(imp.model(x), trained.model(x))


def _save(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


class Evil:
    def __reduce__(self):
        return (print, ("pwned",))


def test_tampered_and_foreign_files_are_refused(trained):
    good = export.checkpoint(trained)
    changed = {**good, "state_dict": {k: v.clone() for k, v in good["state_dict"].items()}}
    next(iter(changed["state_dict"].values())).add_(0.5)
    bad_config = {**good, "config": good["config"].replace('"lr": 0.01', '"lr": 99.0')}
    big = {**good, "state_dict": {"w": torch.zeros(export.MAX_PARAMETERS * 2 + 1)}}
    cases = [
        (_save(changed), "checksum"),
        (_save(bad_config), "checksum"),
        (_save(big), "over the limit"),
        (_save({"state_dict": good["state_dict"]}), "format tag"),
        (_save({**good, "version": 99}), "version"),
        (pickle.dumps(Evil()), "could not be read safely"),
        (_save(trained.model), "could not be read safely"),   # a whole pickled module is not weights-only
        (b"PK\x03\x04 not really a zip", "could not be read safely"),
    ]
    for raw, message in cases:
        with pytest.raises(ConfigError, match=message):
            export.load_checkpoint(raw)


def test_schema_is_checked_when_the_checksum_is_recomputed(trained):
    good = export.checkpoint(trained)
    config = good["config"].replace('"lr": 0.01', '"lr": 99.0')
    forged = {**good, "config": config, "digest": export._digest(config, good["spec"], good["state_dict"],
                                                                 good["preprocess"])}
    with pytest.raises(ConfigError, match=r"train\.lr"):
        export.load_checkpoint(_save(forged))


def test_cli_trains_on_a_csv_and_exports(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("a,b,kind\n" + "".join(f"{i % 7},{(i * 3) % 5},{'x' if i % 7 > 3 else 'y'}\n" for i in range(80)))
    out = subprocess.run([sys.executable, "-m", "playground", "train", "--preset", "iris_mlp", "--data", str(csv),
                          "--target", "kind", "--epochs", "30", "--json", "--export", str(tmp_path / "out")],
                         capture_output=True, text=True, cwd=ROOT, timeout=180)
    assert out.returncode == 0, out.stderr[-2000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["epochs"] == 30 and summary["test_accuracy"] > 0.8
    assert {Path(p).name for p in summary["exported"]} >= {"train.py", "model.pt", "model.onnx"}
    bad = subprocess.run([sys.executable, "-m", "playground", "train", "--data", str(csv), "--target", "nope"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2 and "no column 'nope'" in bad.stderr
