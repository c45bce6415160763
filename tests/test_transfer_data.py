"""Transfer datasets (data/transfer.py) and data.image.labels_per_class (data/images.py): shapes, classes, values,
determinism, no download, the digits against an independent resize (PIL), exact label budgets and their refusal."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from playground.config import ExperimentConfig, with_values
from playground.data import DATASETS, make_dataset
from playground.data import transfer as tr
from playground.data.images import ImageArrays
from playground.experiment import build
from playground.registry import ConfigError

NAMES = ("digits_0_4", "digits_5_9", "shapes", "textures", "faces")
SIZES = {"digits_0_4": 901, "digits_5_9": 896, "shapes": 1800, "textures": 675, "faces": 200}   # images in all
CLASSES = {"digits_0_4": ("0", "1", "2", "3", "4"), "digits_5_9": ("5", "6", "7", "8", "9"),
           "shapes": ("circle", "square", "triangle", "cross", "ring", "bar"), "textures": ("brick", "grass", "gravel"),
           "faces": ("not a face", "face")}


def _cfg(name: str, **flat) -> ExperimentConfig:
    return with_values(ExperimentConfig(), {"data.name": name, "data.train_fraction": 0.7, "data.val_fraction": 0.1,
                                            **flat})


@pytest.mark.parametrize("name", NAMES)
def test_contract(name):
    assert DATASETS.entry(name).meta == {"task": "classification", "family": "images"}
    ds = make_dataset(_cfg(name).data, 0)
    assert ds.spec.input_shape == (1, 16, 16) and ds.class_names == CLASSES[name]
    assert ds.spec.n_outputs == len(CLASSES[name])
    assert len(ds.train) + len(ds.val) + len(ds.test) == SIZES[name]
    for split in (ds.train, ds.val, ds.test):
        assert split.x.dtype == torch.float32 and split.y.dtype == torch.int64
        assert float(split.x.min()) >= 0.0 and float(split.x.max()) <= 1.0 and torch.isfinite(split.x).all()
    ys = torch.cat([ds.train.y, ds.val.y, ds.test.y])
    assert set(ys.tolist()) == set(range(len(CLASSES[name])))
    again, other = make_dataset(_cfg(name).data, 0), make_dataset(_cfg(name).data, 1)
    assert torch.equal(ds.train.x, again.train.x) and torch.equal(ds.test.y, again.test.y)   # same seed, same data
    assert not torch.equal(ds.test.x, other.test.x)   # the seed picks the split


def test_digits_are_the_sklearn_digits_resized_and_placed():
    """Each 16x16 digit holds, at some offset, its 8x8 original resized to 12x12 by PIL (bilinear), zeros around."""
    from PIL import Image
    from sklearn.datasets import load_digits

    d = load_digits()
    five_up = np.flatnonzero(d.target >= 5)
    arrays = tr.digit_arrays((5, 6, 7, 8, 9))
    assert np.array_equal(arrays.y, d.target[five_up] - 5)
    side = tr.DIGIT_SIDE
    offsets = set()
    for i in range(0, len(five_up), 37):
        ref = np.asarray(Image.fromarray((d.images[five_up[i]] / 16).astype(np.float32), "F")
                         .resize((side, side), Image.BILINEAR))
        img = arrays.x[i, 0]
        hits = [(r, c) for r in range(17 - side) for c in range(17 - side)
                if np.allclose(img[r:r + side, c:c + side], np.clip(ref, 0, 1), atol=1e-4)
                and img.sum() == pytest.approx(img[r:r + side, c:c + side].sum(), abs=1e-4)]
        assert hits, f"digit {i} is not its resized original"
        offsets.add(hits[0])
    assert len(offsets) > 5            # placed at many offsets, not centred


def test_faces_are_the_first_hundred():
    from skimage.data import lfw_subset

    raw = lfw_subset()
    arrays = tr.face_arrays()
    assert arrays.y.tolist() == [1] * 100 + [0] * 100
    # the resize keeps each image's brightness (antialiased bilinear): means agree per image
    assert np.allclose(arrays.x.mean(axis=(1, 2, 3)), raw.mean(axis=(1, 2)), atol=0.02)


def test_textures_are_patches_of_the_bundled_photos():
    arrays = tr.texture_arrays()
    assert np.bincount(arrays.y).tolist() == [225, 225, 225]
    means = [arrays.x[arrays.y == k].std(axis=(1, 2, 3)).mean() for k in range(3)]
    assert min(means) > 0.03          # texture, not flat blur


def test_shapes_are_balanced_and_fixed():
    a, b = tr.shape_arrays(), tr.shape_arrays()
    assert np.array_equal(a.x, b.x) and np.bincount(a.y).tolist() == [300] * 6
    assert (a.x.reshape(len(a.x), -1).max(axis=1) > 0.5).all()     # every image shows its shape


def test_no_download(monkeypatch):
    """Only files in scikit-image's own package folder are read: its fetcher (which downloads) and any network
    connection fail the test."""
    import socket

    import skimage.data
    import skimage.data._fetchers as fetchers

    def refuse(*_a, **_k):
        raise AssertionError("tried to fetch or connect")

    monkeypatch.setattr(fetchers, "_fetch", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    for name in ("textures", "faces"):
        make_dataset(_cfg(name).data, 0)
    assert tr.skimage_file("lfw_subset.npy").parent == tr.Path(skimage.data.data_dir)


# ---------------------------------------------------------------- labels_per_class

def test_labels_per_class_exact_counts_same_pick_nested():
    full = make_dataset(_cfg("digits_5_9").data, 3)
    five = make_dataset(_cfg("digits_5_9", **{"data.image.labels_per_class": 5}).data, 3)
    ten = make_dataset(_cfg("digits_5_9", **{"data.image.labels_per_class": 10}).data, 3)
    assert torch.bincount(five.train.y).tolist() == [5] * 5 and torch.bincount(ten.train.y).tolist() == [10] * 5
    assert torch.equal(five.val.x, full.val.x) and torch.equal(five.test.x, full.test.x)   # untouched
    again = make_dataset(_cfg("digits_5_9", **{"data.image.labels_per_class": 5}).data, 3)
    assert torch.equal(five.train.x, again.train.x)                                         # same seed, same pick
    other = make_dataset(_cfg("digits_5_9", **{"data.image.labels_per_class": 5}).data, 4)
    assert not torch.equal(five.train.x, other.train.x)
    rows = {tuple(r.tolist()) for r in full.train.x.flatten(1)}
    ten_rows = {tuple(r.tolist()) for r in ten.train.x.flatten(1)}
    assert all(tuple(r.tolist()) in ten_rows for r in five.train.x.flatten(1))   # 5 per class within 10
    assert ten_rows <= rows                                                       # picked from the training split


def test_labels_per_class_on_an_upload():
    rng = np.random.default_rng(0)
    arrays = ImageArrays(rng.random((60, 1, 8, 8), dtype=np.float32), np.repeat(np.arange(3), 20), ("a", "b", "c"))
    cfg = with_values(ExperimentConfig(), {"data.name": "image_upload", "data.source": "u1",
                                           "data.image.labels_per_class": 4})
    ds = make_dataset(cfg.data, 0, {"u1": arrays})
    assert torch.bincount(ds.train.y).tolist() == [4, 4, 4]


def test_labels_per_class_refused_naming_the_class():
    ds = make_dataset(_cfg("faces").data, 0)
    counts = torch.bincount(ds.train.y).tolist()
    with pytest.raises(ConfigError) as err:
        build(_cfg("faces", **{"data.image.labels_per_class": max(counts) + 1, "model.kind": "cnn"}))
    assert err.value.field == "data.image.labels_per_class"
    short = CLASSES["faces"][int(np.argmin(counts))]
    assert repr(short) in err.value.message and str(min(counts)) in err.value.message
