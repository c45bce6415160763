"""Backbones (models/backbones.py) and `python -m playground pretrain`: every shipped backbone loads with its
sha256, a tampered file is refused, build() copies exactly the shipped tensors, every bad input is a
ConfigError on model.backbone before training, a run of a temporary RunStore serves as a backbone, and
retraining each recipe on its seed reproduces the shipped metrics within the stated tolerance."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil

import numpy as np
import pytest
import torch

from playground.commands import pretrain as pt
from playground.config import ExperimentConfig, with_values
from playground.data.images import ImageArrays
from playground.experiment import build
from playground.models import backbones as bbs
from playground.registry import ConfigError
from playground.store import RunStore, restore

TARGET = {"data.name": "digits_5_9", "data.train_fraction": 0.7, "data.val_fraction": 0.1, "model.hidden": (),
          "train.optimizer": "adam", "train.lr": 0.01, "train.batch_size": 32}


def _cfg(**flat) -> ExperimentConfig:
    return with_values(ExperimentConfig(), {**bbs.ARCH, **TARGET, **flat})


def _refused(cfg, sources=None) -> str:
    with pytest.raises(ConfigError) as err:
        build(cfg, sources=sources)
    assert err.value.field == "model.backbone"
    return err.value.message


@pytest.mark.parametrize("name", list(bbs.PRETRAIN))
def test_shipped_backbone_loads_and_matches_its_checksum(name):
    bb = bbs.BACKBONES.get(name)
    rec = json.loads((bbs.ASSETS / f"{name}.json").read_text())
    raw = (bbs.ASSETS / f"{name}.pt").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == rec["sha256"] == bb.sha256
    assert len(raw) < 200_000 and bb.source == rec["source"] == bbs.PRETRAIN[name].dataset
    plain = torch.load(bbs.ASSETS / f"{name}.pt", weights_only=True)
    assert sorted(bb.state) == sorted(plain) == [f"convs.{i}.conv.{p}" for i in range(3) for p in ("bias", "weight")]
    assert [tuple(plain[f"convs.{i}.conv.weight"].shape) for i in range(3)] == [(8, 1, 3, 3), (16, 8, 3, 3),
                                                                                 (32, 16, 3, 3)]
    assert set(rec["metrics"]) == {"train", "val", "test"} and rec["metrics"]["test"]["accuracy"] > 0.9
    assert bb.cfg.data.name == rec["source"] and bbs.backbone_overrides(name)["model.cnn.channels"] == (8, 16, 32)


def test_build_loads_exactly_the_shipped_tensors():
    exp = build(_cfg(**{"model.backbone": "digits_0_4"}))
    plain = torch.load(bbs.ASSETS / "digits_0_4.pt", weights_only=True)
    state = exp.model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in plain.items())
    assert sorted(exp.pretrained) == sorted(plain) and all(torch.equal(exp.pretrained[k], v) for k, v in plain.items())
    exp.pretrained["convs.0.conv.weight"].add_(1.0)          # a copy: the shipped tensors stay as they are
    assert torch.equal(bbs.BACKBONES.get("digits_0_4").state["convs.0.conv.weight"], plain["convs.0.conv.weight"])
    assert exp.model.out.weight.shape == (5, 128)            # the head is new for the target task
    assert build(_cfg()).pretrained is None
    scratch = build(_cfg()).model.state_dict()
    assert not torch.equal(scratch["convs.0.conv.weight"], plain["convs.0.conv.weight"])


def test_overrides_make_any_config_fit():
    base = with_values(ExperimentConfig(), {"data.name": "shapes", "model.kind": "mlp", "model.activation": "tanh"})
    cfg = with_values(base, {**bbs.backbone_overrides("shapes"), "model.backbone": "shapes"})
    assert cfg.model.kind == "cnn" and cfg.model.activation == "relu"
    assert build(cfg).pretrained is not None


def test_tampered_file_is_refused(tmp_path):
    for ext in ("pt", "json"):
        shutil.copy(bbs.ASSETS / f"digits_0_4.{ext}", tmp_path / f"digits_0_4.{ext}")
    raw = bytearray((tmp_path / "digits_0_4.pt").read_bytes())
    raw[-100] ^= 0x01                                        # one bit of one weight
    (tmp_path / "digits_0_4.pt").write_bytes(bytes(raw))
    tampered = bbs.read_backbone(tmp_path / "digits_0_4.json")
    msg = _refused(_cfg(**{"model.backbone": "run:t"}), {"run:t": tampered})
    assert "sha256" in msg and "changed or is corrupt" in msg


def test_bad_inputs_are_refused_before_training():
    assert "unknown backbone 'nope'" in _refused(_cfg(**{"model.backbone": "nope"}))
    msg = _refused(_cfg(**{"model.backbone": "digits_0_4", "model.kind": "mlp"}))
    assert "mlp" in msg and "CNN" in msg
    msg = _refused(_cfg(**{"model.backbone": "digits_0_4", "model.cnn.channels": (8, 16)}))
    assert "conv 8,16,32" in msg and "conv 8,16," in msg.split("this model's")[1]
    msg = _refused(_cfg(**{"model.backbone": "digits_0_4", "model.activation": "tanh"}))
    assert "relu" in msg and "tanh" in msg
    assert "not one of your runs" in _refused(_cfg(**{"model.backbone": "run:abc"}))
    assert "not one of your runs" in _refused(_cfg(**{"model.backbone": "run:abc"}), {"run:abc": "not a backbone"})


def _upload(shape, name="u") -> tuple[ExperimentConfig, dict]:
    rng = np.random.default_rng(0)
    arrays = ImageArrays(rng.random((40, *shape), dtype=np.float32), np.repeat(np.arange(2), 20), ("a", "b"))
    return _cfg(**{"data.name": "image_upload", "data.source": name, "model.backbone": "digits_0_4"}), {name: arrays}


def test_an_rgb_upload_on_a_grey_backbone_is_refused():
    msg = _refused(*_upload((3, 16, 16)))
    assert "grey" in msg and "RGB" in msg and "3" in msg


def test_images_too_small_for_the_blocks_are_refused():
    msg = _refused(*_upload((1, 4, 4)))
    assert "4×4" in msg and "too small" in msg and "3 conv blocks" in msg
    cfg, sources = _upload((1, 24, 24))
    assert build(cfg, sources=sources).pretrained is not None    # larger images fit the same blocks


def _trained(store: RunStore, **flat) -> str:
    exp = build(with_values(ExperimentConfig(), {**bbs.ARCH, "data.name": "digits_0_4", "model.hidden": (),
                                                 "train.batch_size": 64, **flat}))
    exp.trainer.run_epochs(1)
    return store.save(exp, owner="me"), exp


def test_a_cnn_run_serves_as_a_backbone(tmp_path):
    store = RunStore(tmp_path)
    run_id, exp = _trained(store)
    bb = bbs.backbone_from_run(store.get(run_id, owner="me"), store)
    assert bb.name == f"run:{run_id}" and bb.source == "digits_0_4" and bb.channels == 1
    key = f"run:{run_id}"
    target = build(_cfg(**{"model.backbone": key}), sources={key: bb})
    src = exp.model.state_dict()
    assert all(torch.equal(target.model.state_dict()[k], src[k]) for k in bb.state)
    assert sorted(target.pretrained) == sorted(k for k in src if k.startswith("convs."))
    assert bbs.backbone_overrides(key, {key: bb})["model.cnn.channels"] == (8, 16, 32)
    target.trainer.run_epochs(1)                          # saved and reopened: the backbone run is found again
    again = restore(store.get(store.save(target, owner="me")), store)
    assert sorted(again.pretrained) == sorted(target.pretrained)
    assert all(torch.equal(again.model.state_dict()[k], v) for k, v in target.model.state_dict().items())


def test_a_non_cnn_run_is_refused(tmp_path):
    store = RunStore(tmp_path)
    run_id, _ = _trained(store, **{"model.kind": "mlp", "model.hidden": (8,)})
    with pytest.raises(ConfigError) as err:
        bbs.backbone_from_run(store.get(run_id), store)
    assert err.value.field == "model.backbone" and "mlp" in err.value.message


def test_compare_flags_a_split_outside_the_tolerance():
    shipped = {s: {"accuracy": 0.9} for s in pt.SPLITS}
    assert pt.compare(shipped, {s: {"accuracy": 0.9 - pt.TOLERANCE / 2} for s in pt.SPLITS}) == []
    moved = {**shipped, "test": {"accuracy": 0.9 - 2 * pt.TOLERANCE}}
    assert [line.split(":")[0] for line in pt.compare(shipped, moved)] == ["test"]


@pytest.mark.parametrize("name", list(bbs.PRETRAIN))
def test_pretraining_reproduces_the_shipped_metrics(name):
    """Re-run the recipe on its seed (~4-9 s each here): every split's accuracy within TOLERANCE of the record."""
    raw, record = pt.pretrain(name)
    shipped = json.loads((bbs.ASSETS / f"{name}.json").read_text())
    assert pt.compare(shipped["metrics"], record["metrics"]) == []
    assert record["config"] == shipped["config"] and len(raw) == (bbs.ASSETS / f"{name}.pt").stat().st_size


def test_pretrain_command_writes_and_checks(tmp_path, monkeypatch, capsys):
    from playground.cli import main

    assert main(["pretrain", "nope"]) == 2 and "unknown backbone 'nope'" in capsys.readouterr().err
    # the command's mechanics on a 2-epoch recipe (the real recipes: test_pretraining_reproduces_the_shipped_metrics)
    monkeypatch.setitem(bbs.PRETRAIN, "textures", dataclasses.replace(bbs.PRETRAIN["textures"], epochs=2))
    assert main(["pretrain", "textures", "--out", str(tmp_path)]) == 0
    rec = json.loads((tmp_path / "textures.json").read_text())
    assert hashlib.sha256((tmp_path / "textures.pt").read_bytes()).hexdigest() == rec["sha256"]
    assert rec["torch"] == torch.__version__ and rec["seconds"] > 0 and rec["input_shape"] == [1, 16, 16]
    for split in pt.SPLITS:                    # a record the retraining cannot match: --check fails
        rec["metrics"][split]["accuracy"] -= 2 * pt.TOLERANCE
    (tmp_path / "textures.json").write_text(json.dumps(rec))
    monkeypatch.setattr(bbs, "ASSETS", tmp_path)
    assert main(["pretrain", "textures", "--check"]) == 1 and "OUTSIDE tolerance" in capsys.readouterr().out
