"""The transfer lab's views: strategies trained side by side from one start, which blocks train, the
embedding before and after fine-tuning, label efficiency and nearest neighbours.

The lab's experiment and one run per chosen strategy form a RunGroup (transfer/strategies.py::strategy_group)
that the live loop steps in lockstep. Live views read a TransferPayload (payloads/transfer.py); on-demand
views (label efficiency, t-SNE, neighbours) take the experiment or the rows. Functions return figures,
figure dicts or table rows; no streamlit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import plotly.graph_objects as go

from playground.config import ExperimentConfig
from playground.experiment import Experiment
from playground.figures.transfer import (
    block_diagram_spec,
    embedding_spec,
    label_efficiency_figure,
    neighbours_spec,
    strategy_curves_spec,
)
from playground.group import RunGroup
from playground.models import MODELS
from playground.payloads.transfer import TransferPayload, transfer_payload
from playground.transfer.efficiency import Plan, Row, budget_label, estimate, summarize
from playground.transfer.embeddings import features, starting_model, tsne_2d
from playground.transfer.strategies import STRATEGIES, describe

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
    return embedding_spec({f"{e.run} at the start": e.before, f"now ({e.where})": e.after}, e.classes, e.class_names,
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


def neighbours_view(p: TransferPayload) -> dict | None:
    """The chosen test image and its nearest training images by cosine distance of the backbone's features."""
    n = p.neighbours
    return None if n is None else neighbours_spec(n.images, n.titles, n.where)


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


# ---------------------------------------------------------------- what the page offers

TARGETS = ["digits_5_9", "faces", "digits_0_4", "shapes", "textures", "digits", "image_upload"]   # data.name
DEFAULT_STRATEGIES = ["scratch", "linear_probe", "last_block", "discriminative", "gradual"]
VIEW_PARTS = {"Training": (), "Embedding": ("embedding", "neighbours")}


def payload_for(view: str, index: int = 0, run: str = "") -> Callable[[RunGroup], TransferPayload]:
    """The payload function of a view (a partial of a module-level function: picklable for a worker)."""
    return partial(transfer_payload, parts=VIEW_PARTS.get(view, ()), index=index, run=run)


def embedding_runs(group: RunGroup) -> list[str]:
    """The runs whose embedding can be shown, fine-tuned ones first (a frozen backbone's features never change)."""
    moving = [k for k, e in group.runs.items() if e.cfg.train.freeze < len(e.cfg.model.cnn.channels)]
    tuned = [k for k in moving if group.runs[k].cfg.model.backbone]    # fine-tuned from the backbone first
    return tuned + [k for k in moving if k not in tuned] + [k for k in group.runs if k not in moving]


def group_caption(group: RunGroup) -> str:
    """Which runs train side by side, and what they share."""
    exp = group.leader
    n = len(exp.dataset.train)
    per = exp.cfg.data.image.labels_per_class
    backbone = exp.cfg.model.backbone or "no backbone"
    return (f"{len(group.runs)} runs from identical starting weights ({backbone}; scratch from the seed), each on "
            f"the same {n} labelled training images" + (f" ({per} per class)" if per else "") + ".")


def efficiency_plan(cfg: ExperimentConfig, strategies: Sequence[str], budgets: Sequence[int], seeds: int,
                    sources: dict | None = None) -> tuple[Plan, str]:
    """The study's plan (ConfigError before anything trains if it cannot run) and a sentence saying its cost."""
    plan = estimate(cfg, strategies, budgets, seeds, sources=sources)
    return plan, f"{plan.trainings} trainings, about {plan.seconds:.0f} s"


def model_name(cfg: ExperimentConfig) -> str:
    """The model family's label ("MLP", "CNN", ...), for a message."""
    return MODELS.label(cfg.model.kind)


def study_strategies(cfg: ExperimentConfig, chosen: Sequence[str]) -> list[str]:
    """The strategies a label-efficiency study compares: the lab's own (when it is a named one) and the chosen,
    in registry order."""
    mine = describe(cfg)
    return [k for k in STRATEGIES if k in chosen or STRATEGIES.label(k) == mine]
