"""Image datasets for transfer learning: 1x16x16 grey images in [0, 1], all bundled or generated (no download).

- "digits_0_4", "digits_5_9": scikit-learn's 8x8 digits of those classes, upsampled bilinearly to 12x12 and
  placed at a random offset (fixed per image) in a 16x16 canvas; targets 0..4 either way, class names "0".."4" /
  "5".."9".
- "shapes": six procedurally drawn shapes (circle, square, triangle, cross, ring, bar) at a random position,
  size, rotation and stroke, with a little pixel noise; 300 per class, drawn from a fixed seed (a constant set,
  like the digits: the experiment's seed picks the split).
- "textures": 16x16 patches of scikit-image's bundled brick, grass and gravel photographs, each downscaled
  4x first (so a patch holds several bricks or pebbles, not a blur of a few pixels); 225 per class on a stride of
  8 pixels (neighbouring patches overlap by half, so some texture is shared across splits).
- "faces": scikit-image's bundled `lfw_subset` (the first 100 of its 200 25x25 images are faces, the rest
  background crops of the same photos), resized to 16x16; classes "not a face" / "face".

scikit-image files are read straight from its package data folder (`skimage.data.data_dir`): its fetchers
would download the files that are not bundled, so they are never called. Each factory returns the arrays
through data/images.py's `images_dataset` (split, labels_per_class, augmentation). It does not train.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from playground.data.base import CLASSIFICATION, DATASETS, Dataset
from playground.data.images import ImageArrays, digits_arrays, images_dataset

SIDE = 16                                   # every transfer image is 1 x SIDE x SIDE
# A digit is upsampled to 12x12 and placed at a random offset in the 16x16 canvas (fixed per image): centred
# digits are so alike that a logistic regression on 25 of their raw pixels scores 90% on digits 5-9, leaving
# nothing for transfer to show; placed off-centre, pixels score ~41% and a CNN must learn where strokes are.
DIGIT_SIDE = 12
DIGITS_SEED = 8
SHAPES = ("circle", "square", "triangle", "cross", "ring", "bar")
SHAPES_PER_CLASS = 300
SHAPES_SEED = 1234                          # the drawn set is a constant; the experiment seed picks the split
TEXTURES = ("brick", "grass", "gravel")
TEXTURE_DOWNSCALE = 4                       # 512 -> 128 pixels before cutting patches
TEXTURE_STRIDE = 8


def _resize(x: np.ndarray, side: int = SIDE) -> np.ndarray:
    """[N, 1, H, W] float -> [N, 1, side, side] float32 by bilinear interpolation (antialiased when shrinking)."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    shrink = min(x.shape[-2:]) > side
    out = F.interpolate(t, size=(side, side), mode="bilinear", align_corners=False, antialias=shrink)
    return out.clamp_(0.0, 1.0).numpy()


# ---------------------------------------------------------------- digits split in two tasks

def _place(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[N, 1, 8, 8] digits -> [N, 1, 16, 16]: each upsampled to DIGIT_SIDE and put at a random offset."""
    small = _resize(x, DIGIT_SIDE)
    out = np.zeros((len(x), 1, SIDE, SIDE), dtype=np.float32)
    off = rng.integers(0, SIDE - DIGIT_SIDE + 1, (len(x), 2))
    for i, (r, c) in enumerate(off):
        out[i, 0, r:r + DIGIT_SIDE, c:c + DIGIT_SIDE] = small[i, 0]
    return out


def digit_arrays(classes: tuple[int, ...]) -> ImageArrays:
    """The digits of `classes`, upsampled and placed off-centre in 16x16; targets 0..k-1 in the order given."""
    d = digits_arrays()
    keep = np.isin(d.y, classes)
    lookup = np.full(10, -1, dtype=np.int64)
    lookup[list(classes)] = np.arange(len(classes))
    name = f"digits_{classes[0]}_{classes[-1]}"
    x = _place(d.x[keep], np.random.default_rng(DIGITS_SEED + classes[0]))
    return ImageArrays(x, lookup[d.y[keep]], tuple(str(c) for c in classes), name)


# ---------------------------------------------------------------- shapes drawn from signed distances

def _draw(kind: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """n images [n, 16, 16] of shape SHAPES[kind]: a soft-edged mask of a signed distance (negative inside)."""
    cx, cy = rng.uniform(5.5, 9.5, (2, n, 1, 1))                   # centre, pixels
    size = rng.uniform(3.0, 5.5, (n, 1, 1))                         # half-extent, pixels
    angle = rng.uniform(0, np.pi, (n, 1, 1))
    stroke = rng.uniform(0.8, 1.6, (n, 1, 1))                       # half-width of lines and rings
    grid = np.arange(SIDE) + 0.5
    gx, gy = grid[None, None, :] - cx, grid[None, :, None] - cy    # (n, 16, 16) offsets from the centre
    u = np.cos(angle) * gx + np.sin(angle) * gy                     # rotated coordinates
    v = -np.sin(angle) * gx + np.cos(angle) * gy
    r = np.hypot(gx, gy)
    name = SHAPES[kind]
    if name == "circle":
        d = r - size
    elif name == "square":
        d = np.maximum(abs(u), abs(v)) - size * 0.8
    elif name == "triangle":   # equilateral: the largest of three half-plane distances
        d = np.max([u * np.cos(a) + v * np.sin(a) for a in (np.pi / 2, np.pi * 7 / 6, np.pi * 11 / 6)],
                   axis=0) - size * 0.5
    elif name == "cross":
        d = np.minimum(np.maximum(abs(u) - stroke, abs(v) - size), np.maximum(abs(v) - stroke, abs(u) - size))
    elif name == "ring":
        d = abs(r - size) - stroke
    else:                      # bar: one thick line
        d = np.maximum(abs(v) - stroke, abs(u) - size * 1.3)
    ink = rng.uniform(0.6, 1.0, (n, 1, 1))
    img = ink * np.clip(0.5 - d, 0.0, 1.0)                          # one-pixel soft edge
    return np.clip(img + rng.normal(0.0, 0.05, img.shape), 0.0, 1.0)


def shape_arrays(per_class: int = SHAPES_PER_CLASS, seed: int = SHAPES_SEED) -> ImageArrays:
    rng = np.random.default_rng(seed)
    x = np.concatenate([_draw(k, per_class, rng) for k in range(len(SHAPES))]).astype(np.float32)
    y = np.repeat(np.arange(len(SHAPES), dtype=np.int64), per_class)
    return ImageArrays(x[:, None], y, SHAPES, "shapes")


# ---------------------------------------------------------------- scikit-image's bundled pictures

def skimage_file(name: str) -> Path:
    """A file of scikit-image's bundled data (its package folder only: nothing is downloaded)."""
    from skimage.data import data_dir

    path = Path(data_dir) / name
    if not path.is_file():
        raise FileNotFoundError(f"scikit-image's bundled {name} is missing from {data_dir}")
    return path


def texture_arrays() -> ImageArrays:
    from PIL import Image

    xs, ys = [], []
    for k, name in enumerate(TEXTURES):
        with Image.open(skimage_file(f"{name}.png")) as im:
            img = np.asarray(im.convert("L"), dtype=np.float32) / 255.0          # (512, 512)
        small = _resize(img[None, None], img.shape[0] // TEXTURE_DOWNSCALE)[0, 0]  # (128, 128)
        starts = range(0, small.shape[0] - SIDE + 1, TEXTURE_STRIDE)
        patches = [small[i:i + SIDE, j:j + SIDE] for i in starts for j in starts]
        xs.append(np.stack(patches))
        ys.append(np.full(len(patches), k, dtype=np.int64))
    return ImageArrays(np.concatenate(xs)[:, None], np.concatenate(ys), TEXTURES, "textures")


def face_arrays() -> ImageArrays:
    raw = np.load(skimage_file("lfw_subset.npy"))                     # (200, 25, 25): 100 faces, then 100 not
    x = raw.astype(np.float32)
    x = x / 255.0 if raw.dtype == np.uint8 else x
    y = (np.arange(len(x)) < 100).astype(np.int64)                    # 1 = face
    return ImageArrays(_resize(x[:, None]), y, ("not a face", "face"), "faces")


# ---------------------------------------------------------------- registration

def _factory(arrays):
    def make(cfg, seed: int) -> Dataset:
        return images_dataset(arrays(), cfg, seed, family="images")
    return make


for _key, _arrays, _label, _doc in (
    ("digits_0_4", lambda: digit_arrays((0, 1, 2, 3, 4)), "Digits 0-4 (16×16)",
     "scikit-learn's digits 0 to 4 (~900), upsampled to 16×16: a source task for transfer"),
    ("digits_5_9", lambda: digit_arrays((5, 6, 7, 8, 9)), "Digits 5-9 (16×16)",
     "scikit-learn's digits 5 to 9 (~900), upsampled to 16×16: a target task for transfer"),
    ("shapes", shape_arrays, "Shapes (16×16)",
     f"{len(SHAPES) * SHAPES_PER_CLASS:,} drawn shapes, 6 classes, random position, size and rotation"),
    ("textures", texture_arrays, "Textures (16×16)",
     "patches of scikit-image's brick, grass and gravel photographs, 3 classes"),
    ("faces", face_arrays, "Faces (16×16)", "scikit-image's 200 LFW crops: a face or not"),
):
    DATASETS.add(_key, _factory(_arrays), _label, _doc, task=CLASSIFICATION, family="images")
