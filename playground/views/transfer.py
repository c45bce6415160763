"""The transfer lab's views: strategies trained side by side from one start, which blocks train, the
embedding before and after fine-tuning, label efficiency and nearest neighbours.

The lab's experiment and one run per chosen strategy form a RunGroup (transfer/strategies.py::strategy_group)
that the live loop steps in lockstep. Live views read a TransferPayload (payloads/transfer.py); on-demand
views (label efficiency, t-SNE, neighbours) take the experiment or the rows. Functions return figures,
figure dicts or table rows; no streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from playground.experiment import Experiment
from playground.figures.transfer import (
    block_diagram_spec,
    embedding_spec,
    label_efficiency_figure,
    neighbours_figure,
    strategy_curves_spec,
)
from playground.payloads.transfer import TRAIN_CAP, TransferPayload
from playground.transfer.efficiency import Row, budget_label, summarize
from playground.transfer.embeddings import features, neighbours, starting_model, tsne_2d
from playground.transfer.strategies import STRATEGIES

TSNE_CAP = 300          # test images in the on-demand t-SNE (it is O(N²))


def curves_view(p: TransferPayload) -> dict:
    """Validation accuracy by epoch, one line per strategy (the live chart)."""
    return strategy_curves_spec({r.label: r.history for r in p.group.runs}, p.group.metric)


def strategy_table(p: TransferPayload) -> list[dict[str, Any]]:
    """Per run: epoch, losses, accuracies, how many blocks are frozen now, status."""
    m = p.group.metric
    rows = []
    for r in p.group.runs:
        rec, t = r.record, r.extra
        rows.append({"run": r.label, "epoch": r.epoch, "train loss": rec.get("train_loss"),
                     "val loss": rec.get("val_loss"), f"train {m}": rec.get(f"train_{m}"),
                     f"val {m}": rec.get(f"val_{m}"), f"test {m}": t.test_metric,
                     "frozen blocks": f"{sum(t.blocks.frozen)} of {len(t.blocks.names)}",
                     "backbone": t.backbone or "none (random start)", "status": r.status})
    return rows


def blocks_view(p: TransferPayload) -> dict:
    """Per run a row of blocks: frozen grey, training coloured with its learning-rate scale."""
    return block_diagram_spec({r.label: (r.extra.blocks.names, r.extra.blocks.frozen, r.extra.blocks.scales)
                               for r in p.group.runs})


def embedding_view(p: TransferPayload) -> dict | None:
    """PCA of the backbone's features of the test images, before and after fine-tuning, coloured by class;
    each title says how well the classes separate there (kNN accuracy)."""
    e = p.embedding
    if e is None:
        return None
    return embedding_spec({"before fine-tuning": e.before, f"now ({e.where})": e.after}, e.classes, e.class_names,
                          subtitles=[f"5-nearest-neighbour accuracy: {e.knn_before:.0%}",
                                     f"5-nearest-neighbour accuracy: {e.knn_after:.0%}"])


def tsne_view(exp: Experiment, progress: Callable[[int, int, str], None] | None = None) -> dict:
    """t-SNE of the backbone's features of the first TSNE_CAP test images, before and after (on demand);
    progress(done, total, what) over both."""
    x, y = exp.dataset.test.x[:TSNE_CAP], exp.dataset.test.y[:TSNE_CAP].numpy()
    panels = {}
    for i, (title, model) in enumerate((("t-SNE before fine-tuning", starting_model(exp)),
                                        (f"t-SNE now ({exp.trainer.where()})", exp.model))):
        step = None if progress is None else (lambda d, t, w, i=i, title=title:
                                              progress(i * t + d, 2 * t, f"{title}: {w}"))
        panels[title] = tsne_2d(features(model, x), seed=exp.cfg.seed, progress=step)
    return embedding_spec(panels, y, exp.dataset.class_names)


def neighbours_view(exp: Experiment, index: int, k: int = 5) -> go.Figure:
    """Test image `index` and its k nearest training images by cosine distance of the backbone's features."""
    ds = exp.dataset
    index = int(np.clip(index, 0, len(ds.test) - 1))
    train_x = ds.train.x[:TRAIN_CAP]
    idx, dist = neighbours(features(exp.model, train_x), features(exp.model, ds.test.x[index:index + 1]), k)
    names = ds.class_names
    images = np.concatenate([ds.test.x[index:index + 1, 0].numpy(), train_x[idx[0], 0].numpy()])   # (1 + k, H, W)
    titles = [f"test: {names[int(ds.test.y[index])]}"] + [
        f"{names[int(ds.train.y[j])]} · {d:.2f}" for j, d in zip(idx[0], dist[0])]
    return neighbours_figure(images, titles)


def efficiency_views(rows: Sequence[Row], n_classes: int) -> tuple[go.Figure, list[dict[str, Any]]]:
    """The label-efficiency chart (mean over seeds, bars from lowest to highest) and its table. "All labels"
    is drawn at the mean training images per class those runs had."""
    sums = summarize(rows)
    top = max((r.budget for r in rows), default=1)
    everything = [r.train_size / n_classes for r in rows if r.budget == 0]
    all_at = max(round(float(np.mean(everything))), top + 1) if everything else None
    series: dict[str, list[tuple[float, float, float, float]]] = {}
    for s in sums:
        x = all_at if s.budget == 0 else s.budget
        series.setdefault(STRATEGIES.label(s.strategy), []).append((x, s.mean, s.min, s.max))
    fig = label_efficiency_figure(series, all_at=all_at)
    table = [{"strategy": STRATEGIES.label(s.strategy), "labels per class": budget_label(s.budget),
              "seeds": s.runs, "mean test accuracy": s.mean, "std": s.std, "lowest": s.min, "highest": s.max}
             for s in sums]
    return fig, table
