"""A person's own images: the upload readers and their caps. `read_upload(files)` turns uploaded
(name, bytes) files into ImageArrays: a .npz holding X and y, an MNIST-format IDX pair (raw or gzip), or
a .zip with one folder of PNG/JPEG images per class (grayscale or RGB, resized to `size`), remembering
the files (the run store keeps them). `image_from_bytes` reads one picture for the "Your digit" view.
Sizes and counts are capped; a malformed or oversized upload raises ValueError with a message a person
can act on. It builds no Dataset (data/images.py does) and caches nothing.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

MAX_BYTES = 20_000_000        # one uploaded file (the server's maxUploadSize is 20 MB)
MAX_UNPACKED = 100_000_000    # all files inside a zip, uncompressed (zip bombs)
MAX_IMAGES = 20_000           # more would not train live on a laptop CPU anyway
MAX_SIDE = 64                 # pixels per side
MAX_CLASSES = 20
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")


@dataclass(frozen=True, eq=False)
class ImageArrays:
    """Images x: float32 [N, C, H, W] in [0, 1]; labels y: int64 [N] in 0..k-1; class names [k]."""

    x: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    name: str = ""
    files: tuple[tuple[str, bytes], ...] = ()   # the uploaded (name, bytes) it was read from: runs keep them


# ---------------------------------------------------------------- checks shared by every loader

def _check_arrays(x: np.ndarray, y: np.ndarray, what: str) -> None:
    if x.ndim != 4 or x.shape[1] not in (1, 3):
        raise ValueError(f"{what}: images must be [N, H, W], [N, H, W, C] or [N, C, H, W] with 1 or 3 "
                         f"channels, got shape {tuple(x.shape)}")
    n, _, h, w = x.shape
    if n < 10:
        raise ValueError(f"{what}: {n} images is too few; give at least 10")
    if n > MAX_IMAGES:
        raise ValueError(f"{what}: {n:,} images is over the limit of {MAX_IMAGES:,}; upload a subset")
    if max(h, w) > MAX_SIDE or min(h, w) < 4:
        raise ValueError(f"{what}: images of {h}×{w} pixels; sides must be 4 to {MAX_SIDE} pixels (resize them)")
    if y.shape != (n,):
        raise ValueError(f"{what}: {n} images but labels of shape {tuple(y.shape)}; need one label per image")
    if not np.isfinite(x).all():
        raise ValueError(f"{what}: the images contain NaN or infinite values")


def _to_nchw(x: np.ndarray) -> np.ndarray:
    """[N, H, W] -> [N, 1, H, W]; channels-last [N, H, W, C] (C in 1, 3) -> [N, C, H, W]."""
    if x.ndim == 3:
        return x[:, None]
    if x.ndim == 4 and x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        return x.transpose(0, 3, 1, 2)
    return x


def _scale(x: np.ndarray) -> np.ndarray:
    """To float32 in [0, 1]: uint8 / 255, other ranges by min-max over the whole array."""
    if x.dtype == np.uint8:
        return (x / 255.0).astype(np.float32)
    x = x.astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


def _labels(raw: np.ndarray, what: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Any label values -> int64 0..k-1 and their names (sorted unique values)."""
    if raw.dtype.kind not in "iuUSO" and not (raw.dtype.kind == "f" and np.all(raw == np.round(raw))):
        raise ValueError(f"{what}: labels must be whole numbers or names, got {raw.dtype}")
    values, y = np.unique(raw, return_inverse=True)
    if len(values) < 2:
        raise ValueError(f"{what}: all images have the same label; need at least 2 classes")
    if len(values) > MAX_CLASSES:
        raise ValueError(f"{what}: {len(values)} classes is over the limit of {MAX_CLASSES}")
    names = tuple(str(v.item() if hasattr(v, "item") else v) for v in values)
    return y.astype(np.int64), names


def _finish(x: np.ndarray, raw_y: np.ndarray, what: str) -> ImageArrays:
    x = _to_nchw(np.asarray(x))
    raw_y = np.asarray(raw_y).reshape(-1) if np.asarray(raw_y).ndim == 2 and 1 in np.asarray(raw_y).shape else raw_y
    _check_arrays(x, np.asarray(raw_y), what)
    y, names = _labels(np.asarray(raw_y), what)
    return ImageArrays(np.ascontiguousarray(_scale(x)), y, names, what)


# ---------------------------------------------------------------- loaders

def _check_size(data: bytes, what: str) -> None:
    if len(data) > MAX_BYTES:
        raise ValueError(f"{what}: {len(data) / 1e6:.1f} MB is over the limit of {MAX_BYTES / 1e6:.0f} MB")


def load_npz(data: bytes, what: str = "npz file") -> ImageArrays:
    """A NumPy .npz holding arrays X (images) and y (labels). Pickled objects are refused."""
    _check_size(data, what)
    if not data.startswith(b"PK"):
        raise ValueError(f"{what}: not a readable .npz file (save it with numpy.savez)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            keys = {k.lower(): k for k in npz.files}
            if "x" not in keys or "y" not in keys:
                raise ValueError(f"{what}: needs arrays named X and y, found {', '.join(npz.files) or 'none'}")
            x, y = npz[keys["x"]], npz[keys["y"]]
    except (OSError, zipfile.BadZipFile, EOFError) as err:
        raise ValueError(f"{what}: not a readable .npz file ({err})") from None
    except ValueError as err:
        if "pickle" in str(err):
            raise ValueError(f"{what}: holds pickled Python objects, which are never loaded; save plain "
                             "number arrays") from None
        raise
    if x.dtype.kind not in "iuf":
        raise ValueError(f"{what}: X must hold numbers, got {x.dtype}")
    return _finish(x, y, what)


_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes, what: str = "IDX file") -> np.ndarray:
    """One MNIST-format IDX array (raw, or gzip-compressed)."""
    _check_size(data, what)
    if data[:2] == b"\x1f\x8b":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
                data = f.read(MAX_UNPACKED + 1)
        except (OSError, EOFError) as err:
            raise ValueError(f"{what}: broken gzip data ({err})") from None
        if len(data) > MAX_UNPACKED:
            raise ValueError(f"{what}: unpacks to over {MAX_UNPACKED / 1e6:.0f} MB")
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES or not 1 <= data[3] <= 4:
        raise ValueError(f"{what}: not an IDX file (bad magic number)")
    ndim, dtype = data[3], np.dtype(_IDX_DTYPES[data[2]])
    if len(data) < 4 + 4 * ndim:
        raise ValueError(f"{what}: truncated header")
    dims = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    expected = int(np.prod(dims)) * dtype.itemsize
    body = data[4 + 4 * ndim:]
    if len(body) != expected:
        raise ValueError(f"{what}: header says {dims} ({expected:,} bytes) but holds {len(body):,} bytes")
    return np.frombuffer(body, dtype=dtype).reshape(dims)


def load_idx(images: bytes, labels: bytes, what: str = "IDX files") -> ImageArrays:
    """An MNIST-format pair: images [N, H, W] and labels [N]."""
    x, y = parse_idx(images, "IDX images"), parse_idx(labels, "IDX labels")
    if x.ndim == 1 and y.ndim == 3:
        x, y = y, x
    if x.ndim != 3 or y.ndim != 1:
        raise ValueError(f"{what}: need an images file [N, H, W] and a labels file [N], got {x.shape} and {y.shape}")
    return _finish(x, y, what)


def load_folders(data: bytes, size: int, what: str = "zip file") -> ImageArrays:
    """A .zip with one folder per class of PNG/JPEG files, converted to grayscale size×size."""
    from PIL import Image, UnidentifiedImageError

    _check_size(data, what)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError(f"{what}: not a readable zip file") from None
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(IMAGE_EXTENSIONS)
               and "__MACOSX" not in m.filename and len(m.filename.strip("/").split("/")) >= 2]
    if not members:
        raise ValueError(f"{what}: found no PNG/JPEG files inside class folders (class_name/image.png)")
    if len(members) > MAX_IMAGES:
        raise ValueError(f"{what}: {len(members):,} images is over the limit of {MAX_IMAGES:,}")
    if sum(m.file_size for m in members) > MAX_UNPACKED:
        raise ValueError(f"{what}: unpacks to over {MAX_UNPACKED / 1e6:.0f} MB")
    images, labels = [], []
    for m in members:
        try:
            with Image.open(io.BytesIO(archive.read(m))) as img:
                if img.width * img.height > 4096 * 4096:
                    raise ValueError(f"{what}: {m.filename} is {img.width}×{img.height}, too large")
                images.append(np.asarray(img.convert("L").resize((size, size), Image.Resampling.BILINEAR)))
        except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
            raise ValueError(f"{what}: {m.filename} is not a readable image") from None
        labels.append(m.filename.strip("/").split("/")[-2])
    return _finish(np.stack(images), np.array(labels), what)


def read_upload(files: Sequence[tuple[str, bytes]], size: int = 16) -> ImageArrays:
    """Dispatch uploaded (name, bytes) files: one .npz, one .zip of folders, or an IDX images+labels pair."""
    if not files:
        raise ValueError("no file uploaded")
    whole = [f for f in files if f[0].lower().endswith((".npz", ".zip"))]
    if whole:                                  # a complete dataset in one file: the latest one wins
        files = whole[-1:]
    if len(files) > 2:
        raise ValueError("upload one .npz, one .zip, or two IDX files (images and labels)")
    name, data = files[0]
    low = name.lower()
    if len(files) == 2:
        arrays = load_idx(files[0][1], files[1][1], f"{files[0][0]} + {files[1][0]}")
    elif low.endswith(".npz"):
        arrays = load_npz(data, name)
    elif low.endswith(".zip"):
        arrays = load_folders(data, size, name)
    else:
        raise ValueError(f"{name}: unknown kind; upload a .npz (X, y), a .zip of class folders, "
                         "or two IDX files (images and labels, raw or .gz)")
    return replace(arrays, files=tuple(files))


def image_from_bytes(data: bytes, shape: tuple[int, int, int], what: str = "image") -> np.ndarray:
    """One PNG/JPEG as float32 [C, H, W] in [0, 1] of the model's input shape; a light background is
    inverted so strokes are bright, as in the digits data."""
    from PIL import Image, UnidentifiedImageError

    _check_size(data, what)
    c, h, w = shape
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > 4096 * 4096:
                raise ValueError(f"{what}: {img.width}×{img.height} is too large")
            arr = np.asarray(img.convert("L" if c == 1 else "RGB").resize((w, h), Image.Resampling.BILINEAR))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ValueError(f"{what}: not a readable PNG or JPEG image") from None
    x = (arr.astype(np.float32) / 255.0).reshape(h, w, -1).transpose(2, 0, 1)     # (C, H, W)
    return np.ascontiguousarray(1.0 - x if x.mean() > 0.5 else x)
