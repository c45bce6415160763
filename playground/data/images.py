"""Image datasets: scikit-learn's bundled digits (no download), a person's own images, and augmentation.

`make_digits` returns the 8x8 digits as a Dataset of float32 [N, 1, 8, 8] images in [0, 1]. Uploads are
read by data/image_files.py (`read_upload`, re-exported here) into ImageArrays, which are never cached
globally: the UI keeps them per session and hands them to `make_dataset(..., sources=...)` by their id
(`data.source`). Augmentation (data/augment.py) transforms the training images only: fresh each epoch,
or as fixed copies. `data.image.labels_per_class` keeps that many labelled training images per class (every
image dataset, uploads too; validation and test untouched). The transfer datasets are in data/transfer.py.
It does not train.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from playground.data.augment import AUGMENTATIONS, augment, fresh_augmentation, noise, rotate, shift
from playground.data.base import CLASSIFICATION, DATASETS, Dataset, DataSpec, make_splits, split_indices
from playground.data.image_files import (
    ImageArrays,
    image_from_bytes,
    load_folders,
    load_idx,
    load_npz,
    read_upload,
)
from playground.registry import ConfigError

# ---------------------------------------------------------------- datasets

def images_dataset(arrays: ImageArrays, cfg, seed: int, family: str = "images") -> Dataset:
    """Split (and augment the training split of) image arrays into a Dataset; same seed, same split."""
    rng = np.random.default_rng(seed)
    idx = split_indices(len(arrays.x), cfg.train_fraction, cfg.val_fraction, rng)
    if cfg.image.labels_per_class:
        idx = (keep_per_class(idx[0], arrays, cfg.image.labels_per_class, rng), idx[1], idx[2])
    train, val, test = make_splits(arrays.x, arrays.y, idx, CLASSIFICATION)
    names, copies = cfg.image.augment, cfg.image.augment_copies
    if copies:   # fixed copies, made once
        xa, ya = augment(arrays.x[idx[0]], arrays.y[idx[0]], names, copies, rng)
        train = make_splits(xa, ya, (np.arange(len(xa)), np.arange(0), np.arange(0)), CLASSIFICATION)[0]
    return Dataset(spec=DataSpec(CLASSIFICATION, tuple(arrays.x.shape[1:]), len(arrays.class_names)),
                   train=train, val=val, test=test, class_names=arrays.class_names,
                   meta={"family": family, "source": arrays.name, "originals": len(idx[0]),
                         "upload_files": arrays.files},
                   augment=fresh_augmentation(names, cfg.image.augment_share) if names and not copies else None)


def keep_per_class(train: np.ndarray, arrays: ImageArrays, k: int, rng: np.random.Generator) -> np.ndarray:
    """The first k training indices of each class in one seeded shuffle (so 5 per class is a subset of 10 per
    class on the same seed), in their split order; ConfigError naming the class with the fewest when it has < k."""
    y = arrays.y[train]
    counts = np.bincount(y, minlength=len(arrays.class_names))
    short = int(np.argmin(counts))                                      # the class with the fewest
    if counts[short] < k:
        raise ConfigError("data.image.labels_per_class",
                          f"{k} labelled images per class asked, but class {arrays.class_names[short]!r} has only "
                          f"{counts[short]} in the training split; ask for at most {counts[short]}")
    order = rng.permutation(len(train))                                 # positions in `train`, shuffled
    rank = np.empty(len(train), dtype=np.int64)                         # each image's rank within its class
    for c in range(len(counts)):
        mine = order[y[order] == c]
        rank[mine] = np.arange(len(mine))
    return train[rank < k]


def digits_arrays() -> ImageArrays:
    """scikit-learn's 1,797 8x8 digits (bundled with it: no download), scaled from 0..16 to [0, 1]."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype(np.float32)[:, None]                          # (N, 1, 8, 8)
    return ImageArrays(x, d.target.astype(np.int64), tuple(str(i) for i in range(10)), "digits")


def make_digits(cfg, seed: int) -> Dataset:
    return images_dataset(digits_arrays(), cfg, seed, family="images")


def make_upload(cfg, seed: int, sources: Mapping[str, ImageArrays] | None = None) -> Dataset:
    arrays = (sources or {}).get(cfg.source)
    if not isinstance(arrays, ImageArrays):
        raise ConfigError("data.source", "no uploaded images in this session" if not cfg.source else
                          f"the upload {cfg.source!r} is not in this session; upload the file again")
    return images_dataset(arrays, cfg, seed, family="images")


DATASETS.add("digits", make_digits, "Digits 8×8 (scikit-learn)", "1,797 handwritten digits, 10 classes, "
             "bundled with scikit-learn", task=CLASSIFICATION, family="images")
DATASETS.add("image_upload", make_upload, "Your images (upload)", "a .npz, IDX pair or zip of class folders",
             task=CLASSIFICATION, family="images", upload=True)

__all__ = ["AUGMENTATIONS", "ImageArrays", "augment", "digits_arrays", "image_from_bytes", "images_dataset",
           "load_folders", "load_idx", "load_npz", "noise", "read_upload", "rotate", "shift"]
