"""Image data: digits, the upload loaders (npz, IDX raw/gzip, zip of class folders) with their caps and
malformed inputs, augmentation, and per-session sources through make_dataset/build."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile

import numpy as np
import pytest
import torch

from playground.config import ExperimentConfig, with_values
from playground.data import image_files, make_dataset
from playground.data import images as im
from playground.experiment import build
from playground.registry import ConfigError

CFG = with_values(ExperimentConfig(), {"data.name": "digits", "data.train_fraction": 0.6, "data.val_fraction": 0.1})


def _npz(**arrays) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def _idx(arr: np.ndarray) -> bytes:
    code = {np.dtype(np.uint8): 0x08, np.dtype(">f4"): 0x0D}[arr.dtype]
    return bytes([0, 0, code, arr.ndim]) + b"".join(struct.pack(">I", d) for d in arr.shape) + arr.tobytes()


def _png(value: int, size: int = 12) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.full((size, size), value, np.uint8)).save(buf, format="PNG")
    return buf.getvalue()


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_digits_dataset_contract():
    ds = make_dataset(CFG.data, 0)
    assert ds.spec.input_shape == (1, 8, 8) and ds.spec.n_outputs == 10
    assert len(ds.train) + len(ds.val) + len(ds.test) == 1797
    assert ds.train.x.dtype == torch.float32 and ds.train.y.dtype == torch.int64
    assert float(ds.train.x.min()) == 0.0 and float(ds.train.x.max()) == 1.0
    assert ds.class_names == tuple(str(i) for i in range(10))
    again = make_dataset(CFG.data, 0)
    assert torch.equal(ds.test.x, again.test.x)            # same seed, same split
    assert not torch.equal(ds.test.x, make_dataset(CFG.data, 1).test.x)


def test_npz_channels_last_and_labels_by_name():
    x = np.random.default_rng(0).integers(0, 256, (30, 10, 10, 3)).astype(np.uint8)
    y = np.array(["cat", "dog", "owl"] * 10)
    arrays = im.read_upload([("pets.npz", _npz(X=x, y=y))])
    assert arrays.x.shape == (30, 3, 10, 10) and arrays.x.dtype == np.float32
    assert np.allclose(arrays.x[0, :, 2, 3], x[0, 2, 3] / 255)
    assert arrays.class_names == ("cat", "dog", "owl") and arrays.y[:3].tolist() == [0, 1, 2]


@pytest.mark.parametrize("compress", [False, True])
def test_idx_pair_raw_and_gzip(compress):
    x = np.random.default_rng(1).integers(0, 256, (20, 9, 9)).astype(np.uint8)
    y = (np.arange(20) % 4).astype(np.uint8)
    images, labels = _idx(x), _idx(y)
    if compress:
        images, labels = gzip.compress(images), gzip.compress(labels)
    arrays = im.read_upload([("t10k-images.gz", images), ("t10k-labels.gz", labels)])
    assert arrays.x.shape == (20, 1, 9, 9)
    assert np.allclose(arrays.x[:, 0], x / 255) and arrays.y.tolist() == y.tolist()
    swapped = im.read_upload([("labels", _idx(y)), ("images", _idx(x))])     # order does not matter
    assert swapped.x.shape == (20, 1, 9, 9)


def test_zip_of_class_folders_is_resized_to_grayscale():
    files = {f"{cls}/{i}.png": _png(40 * k + i) for k, cls in enumerate(["a", "b"]) for i in range(6)}
    arrays = im.read_upload([("folders.zip", _zip(files))], size=8)
    assert arrays.x.shape == (12, 1, 8, 8) and arrays.class_names == ("a", "b")
    assert sorted(np.bincount(arrays.y).tolist()) == [6, 6]


@pytest.mark.parametrize("name,data,message", [
    ("x.npz", b"not a zip at all", "not a readable .npz"),
    ("x.npz", _npz(images=np.zeros((20, 8, 8))), "needs arrays named X and y"),
    ("x.npz", _npz(X=np.zeros((20, 8, 8)), y=np.zeros(19)), "one label per image"),
    ("x.npz", _npz(X=np.zeros((20, 8, 8)), y=np.zeros(20)), "at least 2 classes"),
    ("x.npz", _npz(X=np.zeros((20, 100, 100)), y=np.arange(20) % 2), "sides must be 4 to 64"),
    ("x.npz", _npz(X=np.zeros((5, 8, 8)), y=np.arange(5) % 2), "too few"),
    ("x.npz", _npz(X=np.full((20, 8, 8), np.nan), y=np.arange(20) % 2), "NaN"),
    ("x.npz", _npz(X=np.zeros((25, 8, 8)), y=np.arange(25)), "25 classes is over the limit of 20"),
    ("x.zip", b"PK\x03\x04 broken", "not a readable zip"),
    ("x.zip", _zip({"readme.txt": b"hello"}), "no PNG/JPEG files inside class folders"),
    ("x.zip", _zip({"a/1.png": b"garbage", "b/1.png": b"garbage"}), "not a readable image"),
    ("x.csv", b"1,2,3", "unknown kind"),
])
def test_malformed_uploads_are_refused_with_a_message(name, data, message):
    with pytest.raises(ValueError, match=message):
        im.read_upload([(name, data)])


def test_malformed_idx_is_refused():
    good = _idx(np.zeros((12, 8, 8), np.uint8))
    with pytest.raises(ValueError, match="bad magic"):
        im.read_upload([("a", b"\x12\x34\x56\x78" + good[4:]), ("b", _idx(np.zeros(12, np.uint8)))])
    with pytest.raises(ValueError, match="header says"):
        im.read_upload([("a", good[:-5]), ("b", _idx(np.zeros(12, np.uint8)))])
    with pytest.raises(ValueError, match="broken gzip"):
        im.read_upload([("a", b"\x1f\x8b" + b"junk"), ("b", _idx(np.zeros(12, np.uint8)))])


def test_oversized_uploads_are_refused(monkeypatch):
    monkeypatch.setattr(image_files, "MAX_BYTES", 1000)
    with pytest.raises(ValueError, match="over the limit of"):
        im.read_upload([("big.npz", _npz(X=np.zeros((50, 8, 8)), y=np.arange(50) % 2))])
    monkeypatch.setattr(image_files, "MAX_BYTES", 20_000_000)
    monkeypatch.setattr(image_files, "MAX_IMAGES", 40)
    with pytest.raises(ValueError, match="images is over the limit of 40"):
        im.read_upload([("many.npz", _npz(X=np.zeros((50, 8, 8)), y=np.arange(50) % 2))])
    files = {f"{c}/{i}.png": _png(i) for c in "ab" for i in range(25)}
    with pytest.raises(ValueError, match="over the limit of 40"):
        im.read_upload([("many.zip", _zip(files))])


def test_pickled_npz_is_not_loaded():
    with pytest.raises(ValueError):
        im.read_upload([("p.npz", _npz(X=np.array([object()] * 20, dtype=object), y=np.arange(20) % 2))])


def test_uploaded_source_is_per_session_and_missing_source_is_a_config_error():
    x = np.random.default_rng(2).random((40, 1, 6, 6)).astype(np.float32)
    arrays = im.read_upload([("mine.npz", _npz(X=x, y=np.arange(40) % 2))])
    cfg = with_values(CFG, {"data.name": "image_upload", "data.source": "upload-1", "model.kind": "cnn",
                            "model.cnn.channels": (4,), "model.hidden": (8,)})
    exp = build(cfg, sources={"upload-1": arrays})
    assert exp.dataset.spec.input_shape == (1, 6, 6) and exp.dataset.spec.n_outputs == 2
    with pytest.raises(ConfigError) as err:
        build(cfg)                                      # another session has no such upload
    assert err.value.field == "data.source"


@pytest.mark.parametrize("name", im.AUGMENTATIONS.keys())
def test_every_augmentation_keeps_shape_range_and_is_seeded(name):
    x = make_dataset(CFG.data, 0).train.x[:16].numpy()
    fn = im.AUGMENTATIONS.get(name)
    a, b = fn(x, np.random.default_rng(3)), fn(x, np.random.default_rng(3))
    assert a.shape == x.shape and a.dtype == np.float32 and np.array_equal(a, b)
    assert a.min() >= -1e-6 and a.max() <= 1 + 1e-6 and not np.array_equal(a, x)


def test_augmentation_adds_copies_to_the_training_split_only():
    plain = make_dataset(CFG.data, 0)
    cfg = with_values(CFG, {"data.image.augment": ("shift", "noise"), "data.image.augment_copies": 2})
    aug = make_dataset(cfg.data, 0)
    assert len(aug.train) == 3 * len(plain.train)
    assert torch.equal(aug.test.x, plain.test.x) and torch.equal(aug.val.x, plain.val.x)
    assert torch.equal(aug.train.x[:len(plain.train)], plain.train.x)


def test_fresh_augmentation_draws_new_transforms_every_epoch_reproducibly():
    cfg = with_values(CFG, {"data.image.augment": ("shift", "rotate"), "train.batch_size": 0})
    exp = build(cfg)
    plain = make_dataset(CFG.data, 0)
    assert len(exp.dataset.train) == len(plain.train) and exp.dataset.augment is not None
    assert torch.equal(exp.dataset.train.x, plain.train.x)          # the split itself stays as drawn
    seen = []
    for _ in range(2):
        exp.trainer._start_epoch()
        seen.append(exp.trainer._batches[0][0])
        exp.trainer._batches = []
    assert seen[0].shape == plain.train.x.shape
    assert not torch.equal(seen[0], plain.train.x) and not torch.equal(seen[0], seen[1])   # new each epoch
    again = build(cfg)
    again.trainer._start_epoch()
    assert torch.equal(again.trainer._batches[0][0], seen[0])        # same seed, same draws


@pytest.mark.parametrize("share", [0.2, 0.5, 1.0])
def test_fresh_augmentation_transforms_the_chosen_share_of_images(share):
    exp = build(with_values(CFG, {"data.image.augment": ("noise",), "data.image.augment_share": share,
                                  "train.batch_size": 0}))
    exp.trainer._start_epoch()
    x, plain = exp.trainer._batches[0][0], exp.dataset.train.x
    changed = (x != plain).flatten(1).any(1).float().mean().item()    # noise changes every image it touches
    assert abs(changed - share) < 0.08, changed


def test_fresh_augmentation_trains_to_the_same_weights_from_the_same_seed():
    cfg = with_values(CFG, {"data.image.augment": ("shift", "noise")})
    a, b = build(cfg), build(cfg)
    a.trainer.run_epochs(2)
    b.trainer.run_epochs(2)
    assert all(torch.equal(p, q) for p, q in zip(a.model.parameters(), b.model.parameters()))
    assert a.trainer.history.last()["train_loss"] < a.trainer.history["train_loss"][0]


def test_shift_moves_pixels():
    x = np.zeros((1, 1, 8, 8), np.float32)
    x[0, 0, 4, 4] = 1
    moved = im.shift(x, np.random.default_rng(0))
    assert moved.sum() == 1 and moved[0, 0, 4, 4] in (0, 1)


def test_image_from_bytes_inverts_light_backgrounds():
    from PIL import Image

    arr = np.full((32, 32), 255, np.uint8)
    arr[8:24, 12:20] = 0                                 # a dark stroke on white paper
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    x = im.image_from_bytes(buf.getvalue(), (1, 8, 8))
    assert x.shape == (1, 8, 8) and x[0, 4, 3:5].mean() > 0.5 and x[0, 0, 0] < 0.1
    with pytest.raises(ValueError, match="not a readable"):
        im.image_from_bytes(b"nope", (1, 8, 8))


def test_the_latest_whole_file_wins_among_several_uploads():
    good = _npz(X=np.zeros((20, 8, 8)) + np.arange(20)[:, None, None], y=np.arange(20) % 2)
    arrays = im.read_upload([("old.npz", b"broken"), ("new.npz", good)])
    assert arrays.x.shape == (20, 1, 8, 8)
