"""The transfer lab's payload: the strategies' curves, which blocks each run trains now, and the leader's
embedding before and after fine-tuning.

`transfer_payload(group, parts)` is group_payload with, per run, its strategy's block states (frozen now,
per-block learning-rate scale) and test accuracy; and with part "embedding" the leader's test images
projected by PCA from the backbone's features, before (its starting weights, computed once per run uid and
kept in a small module cache, as are the axes of the last projection so the picture keeps its orientation)
and after (the current weights), with the kNN separation of each. Plain numpy and dataclasses: picklable,
computed beside the model. With part "neighbours", a chosen test image and its nearest training images in
the backbone's feature space. No drawing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from playground.experiment import Experiment
from playground.group import RunGroup
from playground.models.blocks import blocks, frozen_at
from playground.payloads import check_parts
from playground.payloads.group import GroupPayload, group_payload
from playground.transfer.embeddings import features, knn_accuracy, neighbours, pca_2d, starting_model
from playground.transfer.strategies import describe

PARTS = ("embedding", "neighbours")
K_NEIGHBOURS = 5        # training images shown beside the chosen test image
EMBED_CAP = 400         # test images projected (the split is shuffled by the seed: the first ones)
TRAIN_CAP = 500         # training images the kNN separation compares against (bounds the live cost)
CACHE_RUNS = 16         # run uids whose before-embedding is kept


@dataclass(frozen=True)
class BlockState:
    names: tuple[str, ...]          # blocks from the input side (models/blocks.py)
    frozen: tuple[bool, ...]        # frozen at the run's current epoch
    scales: tuple[float, ...]       # lr multiplier of each block (1 past train.lr_scales)


@dataclass(frozen=True)
class TransferRun:
    strategy: str                   # the strategy its config is (strategies.describe)
    backbone: str                   # model.backbone ("" = none)
    blocks: BlockState
    test_metric: float | None       # the newest record's test accuracy


@dataclass(frozen=True)
class Embedding:
    run: str                        # the run's label (the leader)
    where: str                      # where the "after" weights are (Trainer.where)
    classes: np.ndarray             # (N,) int64 class of each projected test image
    class_names: tuple[str, ...]
    before: np.ndarray              # (N, 2) float32
    after: np.ndarray               # (N, 2) float32
    knn_before: float               # share of test images their 5 nearest training images classify right
    knn_after: float


@dataclass(frozen=True)
class Neighbours:
    images: np.ndarray              # (1 + k, H, W) float32: the test image, then its k nearest training images
    titles: tuple[str, ...]         # "test: 7", then "class · cosine distance" of each neighbour
    where: str                      # where the weights whose features were compared are


@dataclass(frozen=True)
class TransferPayload:
    group: GroupPayload
    embedding: Embedding | None
    neighbours: Neighbours | None = None


_cache: OrderedDict[str, dict] = OrderedDict()    # run uid -> {"before": (points, knn), "axes": (2, D)}


def block_state(exp: Experiment) -> BlockState:
    cfg = exp.trainer.cfg                           # the live train config (freeze, scales may change)
    names = tuple(n for n, _ in blocks(exp.model))
    n_frozen = frozen_at(cfg, exp.trainer.epoch)
    scales = tuple(float(cfg.lr_scales[i]) if i < len(cfg.lr_scales) else 1.0 for i in range(len(names)))
    return BlockState(names, tuple(i < n_frozen for i in range(len(names))), scales)


def transfer_run(exp: Experiment) -> TransferRun:
    test = exp.trainer.history.last().get(f"test_{exp.trainer.metric}")
    return TransferRun(describe(exp.cfg), exp.cfg.model.backbone, block_state(exp),
                       None if test is None else float(test))


def _run_cache(uid: str) -> dict:
    if uid not in _cache:
        _cache[uid] = {}
        while len(_cache) > CACHE_RUNS:
            _cache.popitem(last=False)
    _cache.move_to_end(uid)
    return _cache[uid]


def embedding(label: str, exp: Experiment) -> Embedding:
    """The run's test images in its backbone's feature space, before and after, each PCA'd to 2-D."""
    ds = exp.dataset
    test_x, test_y = ds.test.x[:EMBED_CAP], ds.test.y[:EMBED_CAP].numpy()
    train_x, train_y = ds.train.x[:TRAIN_CAP], ds.train.y[:TRAIN_CAP].numpy()
    kept = _run_cache(exp.uid)
    if "before" not in kept:
        start = starting_model(exp)
        f_test, f_train = features(start, test_x), features(start, train_x)
        kept["before"] = (pca_2d(f_test).points, knn_accuracy(f_train, train_y, f_test, test_y))
    f_test, f_train = features(exp.model, test_x), features(exp.model, train_x)
    after = pca_2d(f_test, kept.get("axes"))
    kept["axes"] = after.axes
    before, knn_before = kept["before"]
    return Embedding(label, exp.trainer.where(), test_y, tuple(ds.class_names), before, after.points, knn_before,
                     knn_accuracy(f_train, train_y, f_test, test_y))


def nearest(exp: Experiment, index: int, k: int = K_NEIGHBOURS) -> Neighbours:
    """Test image `index` and its k nearest training images (the first TRAIN_CAP) by cosine distance of the
    backbone's features at the current weights."""
    ds = exp.dataset
    index = int(np.clip(index, 0, len(ds.test) - 1))
    train_x = ds.train.x[:TRAIN_CAP]
    idx, dist = neighbours(features(exp.model, train_x), features(exp.model, ds.test.x[index:index + 1]), k)
    names = ds.class_names
    images = np.concatenate([ds.test.x[index:index + 1, 0].numpy(), train_x[idx[0], 0].numpy()])   # (1 + k, H, W)
    titles = [f"test: {names[int(ds.test.y[index])]}"] + [
        f"{names[int(ds.train.y[j])]} · {d:.2f}" for j, d in zip(idx[0], dist[0])]
    return Neighbours(images.astype(np.float32), tuple(titles), exp.trainer.where())


def transfer_payload(group: RunGroup, parts: tuple[str, ...] = (), index: int = 0, run: str = "") -> TransferPayload:
    """parts: "embedding" (a run's before/after PCA), "neighbours" (of test image `index` in that run's feature
    space); `run` is the run's label (default, or a label no longer in the group: the leader)."""
    check_parts(parts, PARTS)
    label = run if run in group.runs else next(iter(group.runs))
    exp = group.runs[label]
    emb = embedding(label, exp) if "embedding" in parts else None
    near = nearest(exp, index) if "neighbours" in parts else None
    return TransferPayload(group_payload(group, per_run=transfer_run), emb, near)
