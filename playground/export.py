"""Take a run out of the app, and bring an exported checkpoint back in.

Exports of an Experiment: a standalone PyTorch training script (plain torch; MLP, CNN and RNN models; written
by playground/export_script.py) with its data file, the weights with their config and a checksum (.pt),
TorchScript, ONNX (opens in Netron) and the config JSON. A table's run also carries its fitted
preprocessing (playground/data/preprocess.py), so a raw CSV row can be scored: inside model.pt (key
"preprocess", plain data), and as preprocess.json, the documented companion of model.onnx and
model.torchscript.pt, whose input is the preprocessed row (see `PREPROCESS_ABOUT`).
`export_all(exp, out_dir)` writes every format;
`export_files(exp)` returns them as bytes for download buttons. `load_checkpoint(raw)` reads only this
app's own .pt format with `torch.load(weights_only=True)`, checks its checksum, config schema and
parameter count, and refuses anything else with a ConfigError that says why. It does not train.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from playground.config import ExperimentConfig, from_json, to_json
from playground.data.base import DataSpec
from playground.data.preprocess import Preprocessor
from playground.export_script import data_bytes, script_text
from playground.models import MAX_PARAMETERS, build_model
from playground.registry import ConfigError

FORMAT = "deep-learning-playground/checkpoint"
VERSION = 1
MAX_CHECKPOINT_BYTES = 50 * 1024 * 1024
FIELD = "checkpoint"


# ---------------------------------------------------------------- checkpoint (.pt) and its import

PREPROCESS_ABOUT = (
    "The fitted preprocessing of this table, learnt from the training rows only. model.onnx and "
    "model.torchscript.pt take its output, not raw columns. For each raw row: numeric columns in the order of "
    "'numeric' (a blank or non-number becomes that column's 'fill' value); then, for each column of 'categorical', "
    "one input per value in its 'categories' list, 1.0 where the row's value equals it, else 0.0 (a blank cell is "
    "the value '(missing)'; a value not in the list gives all zeros); then, if 'mean' is not empty, "
    "(input - mean) / std per input; float32. Outputs: classification, logits in the order of 'classes' "
    "(softmax for probabilities); regression, output * y_std + y_mean. `python -m playground predict "
    "--checkpoint model.pt --data rows.csv` does all of this.")


def _preprocess(exp) -> Preprocessor | None:
    return exp.dataset.meta.get("preprocess")


def _digest(config: str, spec: dict[str, Any], state: dict[str, torch.Tensor],
            preprocess: dict[str, Any] | None = None) -> str:
    h = hashlib.sha256(config.encode())
    h.update(json.dumps(spec, sort_keys=True).encode())
    if preprocess is not None:   # tables only; other checkpoints keep the digest they always had
        h.update(json.dumps(preprocess, sort_keys=True).encode())
    for key in sorted(state):
        h.update(key.encode())
        h.update(state[key].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def checkpoint(exp) -> dict[str, Any]:
    """The weights with everything needed to rebuild the model: config, data spec, names, checksum, and for a
    table its fitted preprocessing (plain data, so `torch.load(weights_only=True)` reads it)."""
    state = {k: v.detach().cpu().clone() for k, v in exp.model.state_dict().items()}
    config, spec = to_json(exp.cfg), asdict(exp.dataset.spec)
    spec["input_shape"] = list(spec["input_shape"])
    prep = _preprocess(exp)
    ck = {"format": FORMAT, "version": VERSION, "config": config, "spec": spec,
          "feature_names": list(exp.dataset.feature_names), "class_names": list(exp.dataset.class_names),
          "state_dict": state}
    if prep is not None:
        ck["preprocess"] = prep.to_dict()
    ck["digest"] = _digest(config, spec, state, ck.get("preprocess"))
    return ck


@dataclass(frozen=True)
class Imported:
    cfg: ExperimentConfig
    spec: DataSpec
    model: nn.Module
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    preprocess: Preprocessor | None = None   # a table's fitted preprocessing (None for other data)


def load_checkpoint(raw: bytes) -> Imported:
    """Read a checkpoint this app exported; anything else raises a ConfigError saying what is wrong."""
    if len(raw) > MAX_CHECKPOINT_BYTES:
        limit = MAX_CHECKPOINT_BYTES / 1e6
        raise ConfigError(FIELD, f"the file is {len(raw) / 1e6:.0f} MB; the limit is {limit:.0f} MB")
    try:
        ck = torch.load(io.BytesIO(raw), weights_only=True, map_location="cpu")
    except Exception as err:
        raise ConfigError(FIELD, "not a checkpoint exported by this app (it could not be read safely: "
                                 f"{type(err).__name__})") from None
    if not isinstance(ck, dict) or ck.get("format") != FORMAT:
        raise ConfigError(FIELD, "not a checkpoint exported by this app (no playground format tag)")
    if ck.get("version") != VERSION:
        raise ConfigError(FIELD, f"checkpoint version {ck.get('version')!r} is not supported (expected {VERSION})")
    config, spec, state = ck.get("config"), ck.get("spec"), ck.get("state_dict")
    if not isinstance(config, str) or not isinstance(spec, dict) or not isinstance(state, dict) or not all(
            isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise ConfigError(FIELD, "the checkpoint is missing its config, data spec or weights")
    n = sum(v.numel() for v in state.values())
    if n > MAX_PARAMETERS * 2:   # parameters plus buffers (batch-norm statistics)
        raise ConfigError(FIELD, f"{n:,} numbers is over the limit of {MAX_PARAMETERS:,} parameters")
    prep_dict = ck.get("preprocess")
    if ck.get("digest") != _digest(config, spec, state, prep_dict):
        raise ConfigError(FIELD, "the checksum does not match: the file was changed after export")
    try:
        prep = None if prep_dict is None else Preprocessor.from_dict(prep_dict)
    except ValueError as err:
        raise ConfigError(FIELD, str(err)) from None
    cfg = from_json(config)   # schema validation: a ConfigError names the bad field
    try:
        dspec = DataSpec(str(spec["task"]), tuple(int(d) for d in spec["input_shape"]), int(spec["n_outputs"]),
                         int(spec.get("vocab_size", 0)))
    except (KeyError, TypeError, ValueError):
        raise ConfigError(FIELD, "the data spec in the checkpoint is malformed") from None
    model = build_model(cfg.model, dspec, cfg.seed)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise ConfigError(FIELD, f"the weights do not fit the model its config describes ({str(err)[:200]})") from None
    model.eval()
    return Imported(cfg, dspec, model, tuple(ck.get("feature_names") or ()), tuple(ck.get("class_names") or ()),
                    prep)


# ---------------------------------------------------------------- TorchScript and ONNX

def _example(exp) -> torch.Tensor:
    return exp.dataset.train.x[:2].clone()


def torchscript_bytes(exp) -> bytes:
    model = copy.deepcopy(exp.model).eval()
    with torch.no_grad():
        traced = torch.jit.trace(model, _example(exp))
    buf = io.BytesIO()
    torch.jit.save(traced, buf)
    return buf.getvalue()


def onnx_bytes(exp) -> bytes:
    """ONNX through the legacy TorchScript exporter (needs only the onnx package), batch axis dynamic."""
    model = copy.deepcopy(exp.model).eval()
    buf = io.BytesIO()
    torch.onnx.export(model, (_example(exp),), buf, dynamo=False, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=17)
    return buf.getvalue()


# ---------------------------------------------------------------- every format at once

def script_refusal(exp) -> str:
    """Why this experiment gets no train.py ("" when it does): the other formats go out regardless."""
    try:
        script_text(exp)
    except ConfigError as err:
        return err.message
    return ""


def export_files(exp) -> dict[str, bytes]:
    """File name -> bytes for every format this experiment supports (the script: MLPs, CNNs, RNNs)."""
    buf = io.BytesIO()
    torch.save(checkpoint(exp), buf)
    files = {"model.pt": buf.getvalue(), "config.json": to_json(exp.cfg).encode()}
    try:
        files["train.py"] = script_text(exp).encode()
        files["data.pt"] = data_bytes(exp)
    except ConfigError:
        pass   # no script for this run (script_refusal says why); the other formats still go out
    files["model.torchscript.pt"] = torchscript_bytes(exp)
    files["model.onnx"] = onnx_bytes(exp)
    if (prep := _preprocess(exp)) is not None:   # the companion of model.onnx: how a raw row becomes its input
        files["preprocess.json"] = json.dumps({"about": PREPROCESS_ABOUT, **prep.to_dict()}, indent=1).encode()
    return files


def export_all(experiment, out_dir: Path | str) -> list[Path]:
    """Write every export format of `experiment` into `out_dir` (created); returns the paths written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in export_files(experiment).items():
        (out / name).write_bytes(data)
        paths.append(out / name)
    return paths


def zip_bytes(files: dict[str, bytes]) -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()
