"""The backbone's embeddings of the target images: features, 2-D projections, nearest neighbours, separation.

`features(model, x)` is the CNN's backbone output (the last conv block, flattened: (N, C*H*W)), computed in
eval mode without grad, every module's train/eval flag restored as it was. `starting_model(exp)` rebuilds
the model as it started, before fine-tuning: the seeded init with exp.pretrained loaded over it (scratch:
the seeded init alone). `pca_2d` projects with a sign convention (each axis points like `previous` axes when
given, else its largest loading is positive) so the picture does not flip between live ticks; `tsne_2d` runs
t-SNE in chunks with a progress callback. `neighbours` finds the nearest training images by cosine distance;
`knn_accuracy` (test images classified by their K nearest training images in feature space) is the one
number for how well the classes separate. It does not train or draw.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from playground.experiment import Experiment
from playground.models import build_model

CHUNK = 512            # images per forward pass
K = 5                  # neighbours that vote in knn_accuracy
TSNE_CHUNKS = 4        # t-SNE runs in this many calls of 250 iterations (sklearn's minimum), each reporting
TSNE_ITER = 250


def backbone_of(model: nn.Module) -> nn.ModuleList:
    convs = getattr(model, "convs", None)
    if not isinstance(convs, nn.ModuleList):
        raise TypeError("embeddings need a CNN: a model with conv blocks (`convs`)")
    return convs


def features(model: nn.Module, x: torch.Tensor) -> np.ndarray:
    """(N, D) float32: the last conv block's output, flattened; the model's train/eval flags untouched."""
    convs = backbone_of(model)
    modes = {m: m.training for m in model.modules()}     # restored exactly (a probe may have mixed them)
    model.eval()
    out = []
    try:
        with torch.inference_mode():
            for i in range(0, len(x), CHUNK):
                h = x[i:i + CHUNK]                        # (B, C, H, W)
                for block in convs:
                    h = block(h)                          # (B, C_i, H_i, W_i)
                out.append(h.flatten(1).numpy())          # (B, D)
    finally:
        for m, was in modes.items():
            m.training = was
    return np.concatenate(out) if out else np.zeros((0, 0), np.float32)


def starting_model(exp: Experiment) -> nn.Module:
    """The model as it started (before fine-tuning): its seeded init, then the backbone's tensors loaded."""
    model = build_model(exp.cfg.model, exp.dataset.spec, exp.cfg.seed)
    if exp.pretrained:
        state = model.state_dict()
        model.load_state_dict({**state, **{k: v for k, v in exp.pretrained.items() if k in state}})
    return model


@dataclass(frozen=True)
class Projection:
    points: np.ndarray       # (N, 2) float32
    axes: np.ndarray         # (2, D) the unit directions (PCA components); pass as `previous` next tick
    explained: tuple[float, float]   # share of the variance along each axis


def pca_2d(feats: np.ndarray, previous: np.ndarray | None = None) -> Projection:
    """PCA of (N, D) features to 2-D (eigenvectors of the covariance: ~1 ms for 400 x 128, where a full SVD
    took ~50 ms on this loaded machine). Sign convention: with `previous` axes (2, D) each axis is flipped to
    point like its predecessor (positive dot product); without, its largest-magnitude loading is positive."""
    x = feats.astype(np.float64)
    mean = x.mean(axis=0)
    xc = x - mean                                                            # (N, D)
    cov = xc.T @ xc / max(len(x) - 1, 1)                                     # (D, D)
    values, vectors = np.linalg.eigh(cov)                                    # ascending
    top = np.argsort(values)[::-1][:2]
    axes = np.zeros((2, x.shape[1]), np.float64)
    axes[:len(top)] = vectors[:, top].T
    for i in range(2):
        if previous is not None and previous.shape == axes.shape and np.any(previous[i]):
            sign = np.sign(axes[i] @ previous[i]) or 1.0
        else:
            sign = np.sign(axes[i][np.argmax(np.abs(axes[i]))]) or 1.0
        axes[i] *= sign
    total = float(np.clip(values, 0, None).sum()) or 1.0
    ratio = [max(float(values[j]), 0.0) / total for j in top] + [0.0] * (2 - len(top))
    return Projection((xc @ axes.T).astype(np.float32), axes, (ratio[0], ratio[1]))


def tsne_2d(feats: np.ndarray, seed: int = 0, progress: Callable[[int, int, str], None] | None = None,
            perplexity: float = 30.0) -> np.ndarray:
    """(N, 2) t-SNE of (N, D) features, run as TSNE_CHUNKS calls of TSNE_ITER iterations, each continuing from
    the last (the first with early exaggeration), so `progress(done, total, what)` can be shown between them."""
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE

    n = len(feats)
    if n < 5:
        raise ValueError("t-SNE needs at least 5 images")
    x = feats.astype(np.float64)
    if x.shape[1] > 50:                                   # the usual first step: PCA to 50 dimensions
        x = PCA(n_components=min(50, n), svd_solver="full").fit_transform(x)
    perplexity = min(perplexity, (n - 1) / 3)
    init: np.ndarray | str = "pca"
    for i in range(TSNE_CHUNKS):
        if progress:
            progress(i, TSNE_CHUNKS, f"t-SNE: iterations {i * TSNE_ITER}-{(i + 1) * TSNE_ITER}")
        emb = TSNE(n_components=2, perplexity=perplexity, init=init, random_state=seed, max_iter=TSNE_ITER,
                   early_exaggeration=12.0 if i == 0 else 1.0, learning_rate="auto").fit_transform(x)
        init = emb
    if progress:
        progress(TSNE_CHUNKS, TSNE_CHUNKS, "done")
    return init.astype(np.float32)


def _unit(f: np.ndarray) -> np.ndarray:
    return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)


def neighbours(train_feats: np.ndarray, query: np.ndarray, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosine distances), each (Q, k), of the k training rows nearest each query row (Q, D),
    nearest first."""
    q = np.atleast_2d(query)
    dist = 1.0 - _unit(q.astype(np.float64)) @ _unit(train_feats.astype(np.float64)).T    # (Q, N)
    k = min(k, dist.shape[1])
    part = np.argpartition(dist, k - 1, axis=1)[:, :k] if k < dist.shape[1] else \
        np.tile(np.arange(k), (len(dist), 1))                               # the k nearest, unordered
    order = np.argsort(np.take_along_axis(dist, part, axis=1), axis=1, kind="stable")
    idx = np.take_along_axis(part, order, axis=1)                            # nearest first
    return idx, np.take_along_axis(dist, idx, axis=1)


def knn_accuracy(train_feats: np.ndarray, train_y: np.ndarray, test_feats: np.ndarray, test_y: np.ndarray,
                 k: int = K) -> float:
    """Share of test images whose k nearest training images (cosine) vote for their class (ties: the lowest
    class index, as sklearn's KNeighborsClassifier)."""
    idx, _ = neighbours(train_feats, test_feats, k)
    votes = train_y[idx]                                                   # (Q, k)
    n_cls = int(max(train_y.max(), test_y.max())) + 1
    pred = np.array([np.bincount(v, minlength=n_cls).argmax() for v in votes])
    return float((pred == test_y).mean())
