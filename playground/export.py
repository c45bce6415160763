"""Take a run out of the app, and bring an exported checkpoint back in.

Exports of an Experiment: a standalone PyTorch training script (plain torch, MLP models) with its
data file, the weights with their config and a checksum (.pt), TorchScript, ONNX (opens in Netron)
and the config JSON. `export_all(exp, out_dir)` writes every format; `export_files(exp)` returns
them as bytes for download buttons. `load_checkpoint(raw)` reads only this app's own .pt format with
`torch.load(weights_only=True)`, checks its checksum, config schema and parameter count, and refuses
anything else with a ConfigError that says why. This module does not train (the script does).
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
from playground.models import MAX_PARAMETERS, build_model
from playground.models.layers import INITS
from playground.models.mlp import MLP
from playground.objectives import make_loss
from playground.optimizers import lr_at, make_optimizer
from playground.registry import ConfigError

FORMAT = "deep-learning-playground/checkpoint"
VERSION = 1
MAX_CHECKPOINT_BYTES = 50 * 1024 * 1024
FIELD = "checkpoint"


# ---------------------------------------------------------------- checkpoint (.pt) and its import

def _digest(config: str, spec: dict[str, Any], state: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256(config.encode())
    h.update(json.dumps(spec, sort_keys=True).encode())
    for key in sorted(state):
        h.update(key.encode())
        h.update(state[key].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def checkpoint(exp) -> dict[str, Any]:
    """The weights with everything needed to rebuild the model: config, data spec, names, checksum."""
    state = {k: v.detach().cpu().clone() for k, v in exp.model.state_dict().items()}
    config, spec = to_json(exp.cfg), asdict(exp.dataset.spec)
    spec["input_shape"] = list(spec["input_shape"])
    return {"format": FORMAT, "version": VERSION, "config": config, "spec": spec,
            "feature_names": list(exp.dataset.feature_names), "class_names": list(exp.dataset.class_names),
            "state_dict": state, "digest": _digest(config, spec, state)}


@dataclass(frozen=True)
class Imported:
    cfg: ExperimentConfig
    spec: DataSpec
    model: nn.Module
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]


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
    if ck.get("digest") != _digest(config, spec, state):
        raise ConfigError(FIELD, "the checksum does not match: the file was changed after export")
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
    return Imported(cfg, dspec, model, tuple(ck.get("feature_names") or ()), tuple(ck.get("class_names") or ()))


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


# ---------------------------------------------------------------- the standalone script

_INIT_CODE = {
    "xavier_uniform": "nn.init.xavier_uniform_(w)", "xavier_normal": "nn.init.xavier_normal_(w)",
    "kaiming_uniform": "nn.init.kaiming_uniform_(w, nonlinearity='relu')",
    "kaiming_normal": "nn.init.kaiming_normal_(w, nonlinearity='relu')", "orthogonal": "nn.init.orthogonal_(w)",
    "tf_uniform": "nn.init.uniform_(w, -0.5, 0.5)", "normal_small": "nn.init.normal_(w, 0.0, 0.01)",
    "zeros": "nn.init.zeros_(w)",
}

_SCRIPT = '''"""Standalone PyTorch script exported by the Deep Learning Playground: {title}.

Rebuilds the network, initialises it from seed {seed} and trains it for {epochs} epochs exactly as the app
did (same batches, optimizer and learning rates), then prints each split's loss and {metric} as JSON.
Needs only torch and data.pt beside this file. Not reproduced here: early stopping and divergence checks.
"""

import json
import math
from collections import OrderedDict
from pathlib import Path

import torch
from torch import nn

SEED = {seed}
EPOCHS = {epochs}
BATCH_SIZE = {batch_size}  # 0 = full batch
LRS = {lrs}  # learning rate of each epoch (schedule and warm-up)
L1, L2, GRAD_CLIP = {l1!r}, {l2!r}, {grad_clip!r}
TASK = {task!r}


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden = nn.ModuleList([
{blocks}        ])
        self.head = nn.{head}

    def forward(self, x):
        x = self.flatten(x)          # (B, F)
        for block in self.hidden:
            x = block(x)             # (B, H_i)
        return self.head(x)          # (B, n_out)


def init_weights(model):
{init}


def metric(out, y):
    if TASK == "classification":
        return (out.argmax(-1) == y).float().mean().item()
    ss_res, ss_tot = ((out - y) ** 2).sum(), ((y - y.mean()) ** 2).sum()
    return (1 - ss_res / ss_tot).item() if ss_tot > 0 else float("nan")


def evaluate(model, loss_fn, x, y):
    model.eval()
    with torch.no_grad():
        out = model(x)
        result = loss_fn(out, y).item(), metric(out, y)
    model.train()
    return result


def main():
    torch.set_num_threads(1)
    data = torch.load(Path(__file__).resolve().parent / "data.pt", weights_only=True)
    torch.manual_seed(SEED)
    model = Net()
    init_weights(model)
    loss_fn = nn.{loss}
    optimizer = torch.optim.{optimizer}
    weights = [p for p in model.parameters() if p.dim() > 1]  # L1/L2 act on weights only
    gen = torch.Generator().manual_seed(SEED)
    x_train, y_train = data["train_x"], data["train_y"]
    n = len(x_train)
    bs = n if BATCH_SIZE == 0 else min(BATCH_SIZE, n)
    model.train()
    for epoch in range(EPOCHS):
        for group in optimizer.param_groups:
            group["lr"] = LRS[epoch]
        if bs >= n:
            batches = [(x_train, y_train)]
        else:
            perm = torch.randperm(n, generator=gen)
            xs, ys = x_train[perm], y_train[perm]
            batches = [(xs[i:i + bs], ys[i:i + bs]) for i in range(0, n - 1 if bs > 1 else n, bs)]
        for xb, yb in batches:
            loss = loss_fn(model(xb), yb)
            if L1 or L2:
                penalty = torch.zeros(())
                for w in weights:
                    if L1:
                        penalty = penalty + L1 * w.abs().sum()
                    if L2:
                        penalty = penalty + L2 * 0.5 * (w * w).sum()
                loss = loss + penalty
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if GRAD_CLIP:
                nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
            optimizer.step()
    name = "accuracy" if TASK == "classification" else "r2"
    result = {{"epochs": EPOCHS}}
    for split in ("train", "val", "test"):
        if len(data[split + "_x"]):
            result[split + "_loss"], result[split + "_" + name] = evaluate(model, loss_fn, data[split + "_x"],
                                                                           data[split + "_y"])
    print(json.dumps(result))
    return model


if __name__ == "__main__":
    main()
'''


def _optimizer_code(exp) -> str:
    probe = make_optimizer(exp.cfg.train, nn.Linear(1, 1))
    args = ", ".join(f"{k}={v!r}" for k, v in probe.defaults.items()
                     if v is not None and isinstance(v, (bool, int, float, tuple)))
    return f"{type(probe).__name__}(model.parameters(), {args})"


def script_text(exp) -> str:
    """Plain-PyTorch source that retrains this experiment's MLP (other model kinds: use the .pt/ONNX)."""
    model, cfg = exp.model, exp.cfg
    if not isinstance(model, MLP):
        raise ConfigError("model.kind", "the standalone script covers MLP models; export the .pt, TorchScript "
                                        "or ONNX file for this one")
    blocks = ""
    for block in model.hidden:
        parts = ", ".join(f"{name}=nn.{m!r}" for name, m in block.named_children())
        blocks += f"            nn.Sequential(OrderedDict({parts})),\n"
    if INITS.get(cfg.model.init) is None:
        init = "    pass  # PyTorch's default initialisation"
    else:
        init = ("    for m in model.modules():\n        if isinstance(m, nn.Linear):\n            w = m.weight\n"
                f"            {_INIT_CODE[cfg.model.init]}\n            nn.init.zeros_(m.bias)")
    epochs = max(exp.trainer.epoch, 1)
    t = cfg.train
    return _SCRIPT.format(
        title=f"{cfg.lab} lab, {cfg.data.name} data", seed=cfg.seed, epochs=epochs, batch_size=t.batch_size,
        lrs=repr([lr_at(t, e) for e in range(epochs)]), l1=t.l1, l2=t.l2, grad_clip=t.grad_clip,
        task=exp.dataset.task, blocks=blocks, head=repr(model.head), init=init,
        loss=repr(make_loss(t.loss, exp.dataset.task)), optimizer=_optimizer_code(exp),
        metric="accuracy" if exp.dataset.task == "classification" else "R²")


def data_bytes(exp) -> bytes:
    ds = exp.dataset
    tensors = {f"{s}_{a}": getattr(ds.split(s), a).clone() for s in ("train", "val", "test") for a in ("x", "y")}
    buf = io.BytesIO()
    torch.save(tensors, buf)
    return buf.getvalue()


# ---------------------------------------------------------------- every format at once

def export_files(exp) -> dict[str, bytes]:
    """File name -> bytes for every format this experiment supports (the script needs an MLP)."""
    buf = io.BytesIO()
    torch.save(checkpoint(exp), buf)
    files = {"model.pt": buf.getvalue(), "config.json": to_json(exp.cfg).encode()}
    if isinstance(exp.model, MLP):
        files["train.py"] = script_text(exp).encode()
        files["data.pt"] = data_bytes(exp)
    files["model.torchscript.pt"] = torchscript_bytes(exp)
    files["model.onnx"] = onnx_bytes(exp)
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
