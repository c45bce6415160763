"""The standalone training script of an export: plain-PyTorch source that rebuilds an MLP, CNN or RNN,
initialises it from the run's seed (then the pretrained backbone's weights, when the run had one) and retrains
it exactly as the app did (same batches, optimizer, learning rates, L1/L2, clipping, input noise and dropout
masks, per-block lr scales, frozen blocks and gradual unfreezing), then prints each split's loss and metric;
and `data_bytes`, the data.pt beside it. For a table, data.pt holds the raw columns (numbers with their
blanks, text) and the split's row indices, and the script fits the preprocessing itself on the training
rows only (fill values, categories, scaling: the same rules as playground/data/preprocess.py), so it
shows every step from a raw row to the model's input.

The script's Net is generated from the model's own modules (all standard torch.nn layers), in the order the
app built them, so the seed gives the same initial weights. Transformers and augmentation redrawn each
epoch are refused with a ConfigError (their .pt, TorchScript and ONNX exports
still work). No streamlit.
"""

from __future__ import annotations

import io

import torch
from torch import nn

from playground.evaluation import EVAL_CAP, TRAIN_EVAL_CAP
from playground.models.blocks import blocks, check_blocks, frozen_at, lr_scale
from playground.models.cnn import CNN
from playground.models.layers import INITS, fused_dropout
from playground.models.mlp import MLP
from playground.models.rnn import RecurrentNet
from playground.objectives import TokenCrossEntropy, make_loss
from playground.optimizers import OPTIMIZERS, lr_at
from playground.registry import ConfigError

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
LRS = {lrs}  # base learning rate of each epoch (schedule and warm-up)
BLOCKS = {blocks!r}  # the network's blocks from the input side: one optimizer param group each
LR_SCALES = {lr_scales!r}  # each block's lr is LRS[epoch] x its scale
FROZEN = {frozen!r}  # blocks frozen (from the input side) in each epoch: no gradient, eval mode
L1, L2, GRAD_CLIP = {l1!r}, {l2!r}, {grad_clip!r}
TASK = {task!r}
METRIC = {metric_key!r}
TRAIN_EVAL_CAP, EVAL_CAP = {train_cap}, {eval_cap}  # the app scores the first this many samples of each split


INPUT_NOISE = {input_noise!r}  # std of Gaussian noise added to each training batch
DROPOUT_GEN = torch.Generator().manual_seed(SEED + 1)  # dropout masks come from here, as in the app
FUSED_DROPOUT = {fused}  # dropout between stacked RNN layers: torch's generator, seeded from DROPOUT_GEN each step


class Dropout(nn.Dropout):
    """nn.Dropout drawing its masks from DROPOUT_GEN while training (the app's seeded dropout)."""

    def forward(self, x):
        if not self.training or self.p == 0:
            return super().forward(x)
        keep = 1.0 - self.p
        return x * torch.empty_like(x).bernoulli_(keep, generator=DROPOUT_GEN).div_(keep)


{net}

def init_weights(model):
{init}


class TokenCrossEntropy(nn.CrossEntropyLoss):
    """Cross-entropy that also takes one prediction per position: logits (B, L, C) with targets (B, L)."""

    def forward(self, out, y):
        if out.dim() > 2:
            return super().forward(out.reshape(-1, out.shape[-1]), y.reshape(-1))
        return super().forward(out, y)


def metric(out, y):
    if METRIC in ("accuracy", "token_accuracy"):   # per position too: argmax over the last axis
        return (out.argmax(-1) == y).float().mean().item()
    if METRIC == "mse":
        return ((out - y) ** 2).mean().item()
    ss_res, ss_tot = ((out - y) ** 2).sum(), ((y - y.mean()) ** 2).sum()
    return (1 - ss_res / ss_tot).item() if ss_tot > 0 else float("nan")


def evaluate(model, loss_fn, x, y):
    model.eval()
    with torch.no_grad():
        out = model(x)
        result = loss_fn(out, y).item(), metric(out, y)
    model.train()
    return result


{prepare}

def main():
    torch.set_num_threads(1)
    raw = torch.load(Path(__file__).resolve().parent / "data.pt", weights_only=True)
    data = prepare(raw)
    torch.manual_seed(SEED)
    model = Net()
    init_weights(model)
    if "pretrained" in raw:  # the backbone the run started from, over the seeded initial weights
        model.load_state_dict(raw["pretrained"], strict=False)
    loss_fn = {loss}
    blocks = [model.get_submodule(name) for name in BLOCKS]
    groups = [{{"params": list(b.parameters()), "lr_scale": s}} for b, s in zip(blocks, LR_SCALES)]
    optimizer = torch.optim.{optimizer}
    gen = torch.Generator().manual_seed(SEED)
    x_train, y_train = data["train_x"], data["train_y"]
    n = len(x_train)
    bs = n if BATCH_SIZE == 0 else min(BATCH_SIZE, n)
    for epoch in range(EPOCHS):
        model.train()
        for i, block in enumerate(blocks):  # a frozen block gets no gradient, so nothing moves it
            block.requires_grad_(i >= FROZEN[epoch])
            if i < FROZEN[epoch]:
                block.eval()  # batch-norm statistics and dropout fixed, as in feature extraction
        weights = [p for p in model.parameters() if p.dim() > 1 and p.requires_grad]  # L1/L2: trainable weights
        for group in optimizer.param_groups:
            group["lr"] = LRS[epoch] * group["lr_scale"]
        if bs >= n:
            batches = [(x_train, y_train)]
        else:
            perm = torch.randperm(n, generator=gen)
            xs, ys = x_train[perm], y_train[perm]
            batches = [(xs[i:i + bs], ys[i:i + bs]) for i in range(0, n - 1 if bs > 1 else n, bs)]
        for xb, yb in batches:
            if INPUT_NOISE and xb.is_floating_point():   # not on token ids
                xb = xb + INPUT_NOISE * torch.randn(xb.shape, generator=gen)
            if FUSED_DROPOUT:
                torch.manual_seed(int(torch.randint(2**62, (1,), generator=DROPOUT_GEN)))
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
    name = METRIC
    result = {{"epochs": EPOCHS}}
    for split, cap in (("train", TRAIN_EVAL_CAP), ("val", EVAL_CAP), ("test", EVAL_CAP)):
        x, y = data[split + "_x"][:cap], data[split + "_y"][:cap]
        if len(x):
            result[split + "_loss"], result[split + "_" + name] = evaluate(model, loss_fn, x, y)
    print(json.dumps(result))
    return model


if __name__ == "__main__":
    main()
'''


_PREPARE_TENSORS = '''def prepare(data):
    """data.pt holds each split's model inputs, ready to train on."""
    return data
'''

_PREPARE_TABLE = '''IMPUTE = {impute!r}  # missing numbers get the training rows' mean or median ("drop": none left)
STANDARDIZE = {standardize!r}  # scale every input to mean 0, std 1 with the training rows' statistics


def fit_preprocessing(num, text):
    """Fill values, categories and scaling from the rows given: the training rows only.
    num: (N, k) float64, NaN = missing; text: one list of N strings per text column ("(missing)" = blank)."""
    fill = []
    for j in range(num.shape[1]):
        v = num[:, j][~torch.isnan(num[:, j])].sort().values
        m = len(v) // 2
        if len(v) == 0:
            fill.append(0.0)
        elif IMPUTE == "median":
            fill.append(float(v[m]) if len(v) % 2 else float((v[m - 1] + v[m]) / 2))
        else:
            fill.append(float(v.mean()))
    prep = {{"fill": fill, "categories": [sorted(set(col)) for col in text], "mean": None, "std": None}}
    if STANDARDIZE:
        x = transform(prep, num, text)
        std = x.std(0, correction=0)
        std[std == 0] = 1.0  # a constant input stays put
        prep["mean"], prep["std"] = x.mean(0), std
    return prep


def transform(prep, num, text):
    """Raw rows -> model inputs (N, F) float64: filled numbers, then one 0/1 input per known category
    (a category the training rows never had gives all zeros), then scaling."""
    x = torch.where(torch.isnan(num), torch.tensor(prep["fill"], dtype=torch.float64), num)
    parts = [x]
    for col, cats in zip(text, prep["categories"]):
        parts.append(torch.tensor([[float(v == c) for c in cats] for v in col], dtype=torch.float64))
    x = torch.cat(parts, 1)
    if prep["mean"] is not None:
        x = (x - prep["mean"]) / prep["std"]
    return x


def prepare(data):
    """data.pt holds raw columns and the split's row indices: fit on the training rows, apply to all."""
    num, text, y = data["numeric"], data["text"], data["y"]
    idx = {{s: data[s + "_idx"] for s in ("train", "val", "test")}}
    train_text = [[col[i] for i in idx["train"].tolist()] for col in text]
    prep = fit_preprocessing(num[idx["train"]], train_text)
    x = transform(prep, num, text).float()
    if TASK == "regression":  # the loss sees standardised targets
        y_train = y[idx["train"]].double()
        y_std = float(y_train.std(correction=0)) or 1.0
        y = ((y.double() - float(y_train.mean())) / y_std).float().reshape(-1, 1)
    out = {{}}
    for split, i in idx.items():
        out[split + "_x"], out[split + "_y"] = x[i], y[i]
    return out
'''


def _prepare_code(exp) -> str:
    prep = exp.dataset.meta.get("preprocess")
    if prep is None:
        return _PREPARE_TENSORS
    return _PREPARE_TABLE.format(impute=prep.impute, standardize=bool(prep.mean))


def _optimizer_code(exp) -> str:
    """The optimizer's constructor over the script's `groups` (one per block), with the app's settings."""
    probe = OPTIMIZERS.get(exp.cfg.train.optimizer, "train.optimizer")([torch.zeros(1, requires_grad=True)],
                                                                       exp.cfg.train)
    args = ", ".join(f"{k}={v!r}" for k, v in probe.defaults.items()
                     if v is not None and isinstance(v, (bool, int, float, tuple)))
    return f"{type(probe).__name__}(groups, {args})"


_MLP = '''class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden = nn.ModuleList([
{hidden}        ])
        self.head = nn.{head!r}

    def forward(self, x):
        x = self.flatten(x)          # (B, F)
        for block in self.hidden:
            x = block(x)             # (B, H_i)
        return self.head(x)          # (B, n_out)
'''

_CNN = '''class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([
{convs}        ])
        self.flatten = nn.Flatten()
        self.head_layers = nn.ModuleList([
{head_layers}        ])
        self.out = nn.{out!r}

    def forward(self, x):
        for block in self.convs:
            x = block(x)             # (B, C_i, H_i, W_i)
        x = self.flatten(x)          # (B, C*H*W)
        for layer in self.head_layers:
            x = layer(x)             # (B, H_j)
        return self.out(x)           # (B, classes)
'''


_RNN = '''class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.{embed!r}  # token ids -> vectors, or the raw features of each step
        self.rnn = nn.{rnn}
        self.drop = {drop!r}
        self.head = nn.{head!r}

    def forward(self, x):
        e = self.embed(x)                        # (B, T, E) or (B, T, F)
        out, state = self.rnn(e)                 # out (B, T, H*dirs)
        if {output_len}:                         # one prediction per position, the last {output_len}
            return self.head(self.drop(out[:, -min({output_len}, out.shape[1]):]))
        h_n = state[0] if isinstance(state, tuple) else state   # LSTM: (h_n, c_n); (layers*dirs, B, H)
        last = {last}
        return self.head(self.drop(last))        # (B, outputs)
'''


def _rnn_code(model: RecurrentNet) -> str:
    rnn = model.rnn
    relu = f", nonlinearity={rnn.nonlinearity!r}" if isinstance(rnn, nn.RNN) else ""
    cell = (f"{type(rnn).__name__}({rnn.input_size}, {rnn.hidden_size}, num_layers={rnn.num_layers}, "
            f"batch_first=True, bidirectional={rnn.bidirectional}, dropout={rnn.dropout}{relu})")
    last = "torch.cat([h_n[-2], h_n[-1]], -1)" if rnn.bidirectional else "h_n[-1]"
    return _RNN.format(embed=model.embed, rnn=cell, drop=model.drop, head=model.head, output_len=model.output_len,
                       last=last)


def _blocks(blocks: nn.ModuleList) -> str:
    """Source of a ModuleList of Sequential(OrderedDict) blocks of standard layers, one block a line."""
    lines = ""
    for block in blocks:
        parts = ", ".join(f"{name}={'' if isinstance(m, nn.Dropout) else 'nn.'}{m!r}"   # Dropout: the script's own
                          for name, m in block.named_children())
        lines += f"            nn.Sequential(OrderedDict({parts})),\n"
    return lines


def _net_code(model: nn.Module) -> str:
    """The script's Net class, built in the same order as the app's model (so the seed gives the same initial
    weights): MLPs, CNNs and recurrent nets, whose layers are all standard torch.nn modules. Transformers
    (the playground's own attention blocks) are refused."""
    if isinstance(model, MLP):
        return _MLP.format(hidden=_blocks(model.hidden), head=model.head)
    if isinstance(model, CNN):
        return _CNN.format(convs=_blocks(model.convs), head_layers=_blocks(model.head_layers), out=model.out)
    if isinstance(model, RecurrentNet):
        return _rnn_code(model)
    raise ConfigError("model.kind", "the standalone script covers MLPs, CNNs and RNN/LSTM/GRUs; export the .pt, "
                                    "TorchScript or ONNX file for this one")


def _loss_code(loss: nn.Module) -> str:
    """The loss as script source: the script's own TokenCrossEntropy, or the torch.nn loss it is."""
    return f"{type(loss).__name__}()" if isinstance(loss, TokenCrossEntropy) else f"nn.{loss!r}"


def script_text(exp) -> str:
    """Plain-PyTorch source that retrains this experiment's MLP, CNN or RNN (Transformers: use the .pt/ONNX)."""
    cfg = exp.cfg
    net = _net_code(exp.model)
    if exp.dataset.augment is not None:
        raise ConfigError("data.image.augment", "the standalone script does not redraw augmentations each epoch; "
                                                "with augment copies (1-4) it can be exported")
    if INITS.get(cfg.model.init) is None:
        init = "    pass  # PyTorch's default initialisation"
    else:
        init = ("    for m in model.modules():\n        if isinstance(m, (nn.Linear, nn.Conv2d)):\n"
                f"            w = m.weight\n            {_INIT_CODE[cfg.model.init]}\n"
                "            nn.init.zeros_(m.bias)")
    epochs = max(exp.trainer.epoch, 1)
    t = cfg.train
    names = [name for name, _ in blocks(exp.model)]
    check_blocks(t, len(names))
    return _SCRIPT.format(
        title=f"{cfg.lab} lab, {cfg.data.name} data", seed=cfg.seed, epochs=epochs, batch_size=t.batch_size,
        lrs=repr([lr_at(t, e) for e in range(epochs)]), blocks=names,
        lr_scales=[lr_scale(t, i) for i in range(len(names))], frozen=[frozen_at(t, e) for e in range(epochs)],
        l1=t.l1, l2=t.l2, grad_clip=t.grad_clip,
        task=exp.dataset.task, train_cap=TRAIN_EVAL_CAP, eval_cap=EVAL_CAP, net=net, input_noise=t.input_noise,
        fused=fused_dropout(exp.model), init=init, loss=_loss_code(make_loss(t.loss, exp.dataset.task)),
        optimizer=_optimizer_code(exp), prepare=_prepare_code(exp),
        metric_key=exp.trainer.metric, metric=exp.trainer.metric.replace("_", " ").replace("r2", "R²"))


def data_bytes(exp) -> bytes:
    """data.pt: each split's tensors; for a table, its raw columns, targets and split indices instead; and the
    pretrained backbone's tensors (name -> tensor) when the run started from one."""
    ds = exp.dataset
    if "preprocess" in ds.meta:
        from playground.data.preprocess import numbers, texts

        table, prep = ds.meta["table"], ds.meta["preprocess"]
        tensors = {"numeric": torch.from_numpy(numbers(table.frame, prep.numeric)),   # (N, k) float64, NaN = missing
                   "text": [[str(v) for v in texts(table.frame, c)] for c in prep.categorical],
                   "y": torch.from_numpy(table.y.copy()),
                   **{f"{s}_idx": torch.from_numpy(i.astype("int64")) for s, i in zip(("train", "val", "test"),
                                                                                   ds.meta["split"])}}
    else:
        tensors = {f"{s}_{a}": getattr(ds.split(s), a).clone() for s in ("train", "val", "test") for a in ("x", "y")}
    if exp.pretrained is not None:   # loaded by the script over its seeded initial weights (strict=False)
        tensors["pretrained"] = {k: v.detach().clone() for k, v in exp.pretrained.items()}
    buf = io.BytesIO()
    torch.save(tensors, buf)
    return buf.getvalue()
