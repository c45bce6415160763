"""The transfer lab's library: strategy overrides and their group, label efficiency, embeddings against
sklearn, the payload and every figure (no Streamlit)."""

from __future__ import annotations

import pickle
from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

from playground.config import ConfigError, ExperimentConfig, with_values
from playground.experiment import build
from playground.payloads import transfer as payloads
from playground.payloads.transfer import transfer_payload
from playground.transfer import efficiency
from playground.transfer.efficiency import Row, estimate, label_efficiency, summarize
from playground.transfer.embeddings import features, knn_accuracy, neighbours, pca_2d, starting_model, tsne_2d
from playground.transfer.strategies import STRATEGIES, describe, overrides, strategy_group
from playground.views import transfer as views

torch.set_num_threads(1)


def small_cfg(**values) -> ExperimentConfig:
    return with_values(ExperimentConfig(), {"data.name": "digits", "model.kind": "cnn", "model.cnn.channels": (4, 8),
                                            "model.hidden": (8,), "train.optimizer": "adam", "train.lr": 0.01,
                                            "train.batch_size": 32, **values})


# ---------------------------------------------------------------- strategies

def test_strategy_overrides_count_blocks_and_keep_the_backbone():
    cfg = small_cfg(**{"model.backbone": "digits_0_4"})           # 2 conv blocks, 1 hidden layer, out: 4 blocks
    got = {name: overrides(cfg, name) for name in STRATEGIES}
    assert got["scratch"] == {"model.backbone": "", "train.freeze": 0, "train.lr_scales": (),
                              "train.unfreeze_every": 0}
    assert got["linear_probe"]["train.freeze"] == 3 and got["linear_probe"]["model.backbone"] == "digits_0_4"
    assert got["last_block"]["train.freeze"] == 1
    assert got["discriminative"]["train.freeze"] == 0
    assert got["discriminative"]["train.lr_scales"] == pytest.approx((1 / 2.6 ** 2, 1 / 2.6), abs=1e-4)
    assert (got["gradual"]["train.freeze"], got["gradual"]["train.unfreeze_every"]) == (2, 2)
    assert overrides(small_cfg(**{"train.unfreeze_every": 5}), "gradual")["train.unfreeze_every"] == 5
    for name in STRATEGIES:                                          # each names itself back
        assert describe(with_values(cfg, got[name])) == STRATEGIES.label(name)
    assert describe(cfg) == "your settings"                          # backbone, everything trains at one lr
    with pytest.raises(ConfigError) as err:
        overrides(with_values(cfg, {"model.kind": "mlp"}), "linear_probe")
    assert err.value.field == "model.kind"


def test_strategy_group_shares_data_and_start_and_skips_duplicates():
    exp = build(small_cfg())                                         # no backbone, nothing frozen: scratch
    cache: dict = {}
    group = strategy_group(exp, ["scratch", "linear_probe", "discriminative"], cache)
    assert list(group.runs) == ["From scratch (yours)", "Linear probe", "Fine-tune, smaller early learning rates"]
    assert group.leader is exp
    start = exp.model.state_dict()
    for run in group.runs.values():
        assert run.dataset is exp.dataset
        assert all(torch.equal(start[k], v) for k, v in run.model.state_dict().items())
    assert group.runs["Linear probe"].cfg.train.freeze == 3
    assert strategy_group(exp, ["scratch", "linear_probe", "discriminative"], cache) is group
    assert list(strategy_group(exp, ["gradual"], cache).runs) == ["From scratch (yours)", "Gradual unfreezing"]


# ---------------------------------------------------------------- embeddings

def test_features_are_the_flattened_backbone_and_leave_modes_alone():
    exp = build(small_cfg())
    model, x = exp.model, exp.dataset.test.x[:50]
    model.convs[1].eval()                                            # a mixed state must come back as it was
    got = features(model, x)
    with torch.no_grad():                                            # plain torch: conv, tanh, 2x2 max pool
        h = x
        for block in model.convs:
            h = F.max_pool2d(torch.tanh(F.conv2d(h, block.conv.weight, block.conv.bias, padding=1)), 2)
        ref = h.reshape(len(x), -1).numpy()
    assert got.shape == (50, 8 * 2 * 2)
    np.testing.assert_allclose(got, ref, rtol=1e-6)
    assert model.training and model.convs[0].training and not model.convs[1].training


def test_starting_model_is_the_seeded_init_with_the_pretrained_tensors():
    exp = build(small_cfg())
    before = {k: v.clone() for k, v in exp.model.state_dict().items()}
    exp.trainer.step(5)
    start = starting_model(exp).state_dict()
    assert all(torch.equal(before[k], v) for k, v in start.items())
    loaded = {"convs.0.conv.weight": torch.ones_like(before["convs.0.conv.weight"])}
    start = starting_model(replace(exp, pretrained=loaded)).state_dict()
    assert torch.equal(start["convs.0.conv.weight"], loaded["convs.0.conv.weight"])
    assert torch.equal(start["out.weight"], before["out.weight"])


def test_pca_matches_sklearn_up_to_a_stable_sign():
    rng = np.random.default_rng(0)
    f = rng.normal(size=(200, 12)) * np.linspace(3, 0.5, 12)
    p = pca_2d(f)
    ref = PCA(2, svd_solver="full").fit(f)
    for i in range(2):
        assert p.axes[i][np.abs(p.axes[i]).argmax()] > 0                      # the convention
        sign = np.sign(p.axes[i] @ ref.components_[i])
        np.testing.assert_allclose(p.points[:, i], sign * ref.transform(f)[:, i], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(p.explained, ref.explained_variance_ratio_, rtol=1e-6)
    flipped = pca_2d(f, previous=-p.axes)                                       # follows the previous axes
    np.testing.assert_allclose(flipped.points, -p.points, atol=1e-4)
    nudged = pca_2d(f + rng.normal(scale=1e-3, size=f.shape), previous=p.axes)
    assert np.corrcoef(nudged.points[:, 0], p.points[:, 0])[0, 1] > 0.99


def test_neighbours_and_knn_accuracy_match_sklearn():
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(4, 6)) * 3
    y_tr, y_te = rng.integers(0, 4, 150), rng.integers(0, 4, 60)
    f_tr, f_te = centers[y_tr] + rng.normal(size=(150, 6)), centers[y_te] + rng.normal(size=(60, 6))
    idx, dist = neighbours(f_tr, f_te, k=5)
    ref_dist, ref_idx = NearestNeighbors(n_neighbors=5, metric="cosine", algorithm="brute").fit(f_tr).kneighbors(f_te)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-9)
    ref = KNeighborsClassifier(5, metric="cosine", algorithm="brute").fit(f_tr, y_tr).score(f_te, y_te)
    assert knn_accuracy(f_tr, y_tr, f_te, y_te) == pytest.approx(ref)
    assert 0.3 < ref < 1.0                                                      # neither trivial nor hopeless


def test_tsne_reports_progress_and_keeps_the_shape():
    f = np.random.default_rng(2).normal(size=(30, 8))
    seen = []
    emb = tsne_2d(f, progress=lambda d, t, w: seen.append((d, t)))
    assert emb.shape == (30, 2) and np.isfinite(emb).all()
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)


# ---------------------------------------------------------------- label efficiency

def test_summarize_matches_numpy():
    acc = {("scratch", 1): [0.2, 0.4, 0.3], ("scratch", 0): [0.9, 0.8, 0.95], ("linear_probe", 1): [0.5]}
    rows = [Row(s, b, seed, 10, a) for (s, b), values in acc.items() for seed, a in enumerate(values)]
    for s in summarize(rows):
        v = np.array(acc[(s.strategy, s.budget)])
        assert s.runs == len(v) and s.mean == pytest.approx(v.mean()) and s.min == v.min() and s.max == v.max()
        assert s.std == pytest.approx(v.std(ddof=1) if len(v) > 1 else 0.0)


def test_label_efficiency_runs_a_tiny_setting_with_progress():
    cfg = small_cfg()
    calls = []
    rows = label_efficiency(cfg, ["scratch", "linear_probe"], budgets=(1, 0), seeds=2, steps=10,
                            progress=lambda d, t, w: calls.append((d, t, w)))
    assert len(rows) == 8 and {r.seed for r in rows} == {0, 1}
    assert all(0.0 <= r.test_accuracy <= 1.0 and r.train_size > 0 for r in rows)
    assert calls[0][:2] == (0, 8) and calls[-1] == (8, 8, "done")
    assert estimate(cfg, ["scratch", "linear_probe"], (1, 0), 2, 10).trainings == 8


def test_label_efficiency_refuses_before_training(monkeypatch):
    def no_training(*a, **k):
        raise AssertionError("trained before refusing")

    monkeypatch.setattr(efficiency, "build", no_training)
    cfg = small_cfg()
    with pytest.raises(ConfigError) as err:                          # digits: ~90 training images per class
        label_efficiency(cfg, ["scratch"], budgets=(5, 500))
    assert err.value.field == "data.image.labels_per_class" and "at most" in str(err.value)
    monkeypatch.setattr(efficiency, "MAX_SECONDS", 0.5)
    with pytest.raises(ConfigError) as err:
        label_efficiency(cfg, ["scratch", "gradual"], budgets=(1, 0), seeds=3)
    assert err.value.field == "label_efficiency"
    with pytest.raises(ConfigError) as err:
        estimate(cfg, ["nonsense"])
    assert err.value.field == "label_efficiency.strategies"


# ---------------------------------------------------------------- payload and figures

@pytest.fixture(scope="module")
def trained():
    exp = build(small_cfg())
    group = strategy_group(exp, ["linear_probe", "gradual"], {})
    group.run_epochs(1)
    return exp, group


def test_payload_is_plain_and_caches_the_start(trained, monkeypatch):
    _, group = trained
    p = transfer_payload(group, parts=("embedding",))
    pickle.loads(pickle.dumps(p))
    probe = p.group.runs[1].extra
    assert probe.strategy == "Linear probe" and probe.blocks.frozen == (True, True, True, False)
    assert probe.blocks.names == ("convs.0", "convs.1", "head_layers.0", "out")
    assert probe.test_metric == group.runs["Linear probe"].trainer.history.last()["test_accuracy"]
    gradual = p.group.runs[2].extra
    assert gradual.blocks.frozen == (True, True, False, False)      # epoch 1 of unfreeze_every 2: none yet
    e = p.embedding
    assert e.before.shape == e.after.shape == (len(e.classes), 2) and 0 <= e.knn_before <= 1
    monkeypatch.setattr(payloads, "starting_model", lambda exp: (_ for _ in ()).throw(AssertionError("again")))
    again = transfer_payload(group, parts=("embedding",))
    np.testing.assert_array_equal(again.embedding.before, e.before)
    assert transfer_payload(group, parts=()).embedding is None


def test_every_figure_builds(trained, monkeypatch):
    exp, group = trained
    p = transfer_payload(group, parts=("embedding",))
    n_classes = len(exp.dataset.class_names)
    assert len(views.curves_view(p)["data"]) == 3
    rows = views.strategy_table(p)
    assert [r["frozen blocks"] for r in rows] == ["0 of 4", "3 of 4", "2 of 4"]
    diagram = views.blocks_view(p)["data"]
    assert len(diagram) == 3 and diagram[1]["text"] == ["frozen"] * 3 + ["×1"]
    assert len(views.embedding_view(p)["data"]) == 2 * n_classes
    monkeypatch.setattr(views, "TSNE_CAP", 30)
    steps = []
    assert len(views.tsne_view(exp, lambda d, t, w: steps.append((d, t)))["data"]) == 2 * n_classes
    assert steps[-1] == (8, 8)
    near = transfer_payload(group, parts=("neighbours",), index=3)
    assert near.embedding is None and near.neighbours.images.shape[0] == 1 + payloads.K_NEIGHBOURS
    assert near.neighbours.titles[0] == f"test: {exp.dataset.class_names[int(exp.dataset.test.y[3])]}"
    spec = views.neighbours_view(near)
    assert len(spec["data"]) == 1 and len(spec["layout"]["annotations"]) >= 1 + payloads.K_NEIGHBOURS
    rows = [Row(s, b, seed, 10 * n_classes if b else 90 * n_classes, 0.1 * seed + (0.5 if b else 0.8))
            for s in ("scratch", "linear_probe") for b in (1, 5, 0) for seed in range(3)]
    fig, table = views.efficiency_views(rows, n_classes)
    assert len(fig.data) == 2 and list(fig.data[0].x) == [1, 5, 90] and fig.layout.xaxis.type == "log"
    assert fig.data[0].error_y.array[0] == pytest.approx(0.1) and len(table) == 6
    assert table[2]["labels per class"] == "all"


def test_user_class_names_are_plain_text():
    from playground.figures.transfer import embedding_spec

    spec = embedding_spec({"a": np.zeros((2, 2))}, np.array([0, 1]), ["<b>cat</b>", "dog"])
    assert spec["data"][0]["name"] == "&lt;b&gt;cat&lt;/b&gt;"


def test_label_efficiency_reads_this_sessions_upload():
    from playground.data.image_files import ImageArrays

    rng = np.random.default_rng(3)
    y = np.repeat(np.arange(3), 20)
    x = (rng.random((60, 1, 8, 8)) * 0.2 + y[:, None, None, None] / 3).astype(np.float32)
    sources = {"up": ImageArrays(x, y.astype(np.int64), ("a", "b", "<c>"), "up")}
    cfg = small_cfg(**{"data.name": "image_upload", "data.source": "up"})
    with pytest.raises(ConfigError) as err:                           # ~10 training images per class
        estimate(cfg, ["scratch"], budgets=(50,), seeds=1, sources=sources)
    assert err.value.field == "data.image.labels_per_class"
    rows = label_efficiency(cfg, ["scratch"], budgets=(2,), seeds=1, steps=10, sources=sources)
    assert len(rows) == 1 and 0.0 <= rows[0].test_accuracy <= 1.0
