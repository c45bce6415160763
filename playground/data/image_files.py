"""A person's own images: the upload readers and their caps. `read_upload(files)` turns uploaded
(name, bytes) files into ImageArrays: a .npz holding X and y, an MNIST-format IDX pair (raw or gzip), or
a .zip with one folder of PNG/JPEG images per class (grayscale or RGB, resized to `size`), remembering
the files (the run store keeps them). `image_from_bytes` reads one picture for the "Your digit" view.

Every cap is checked before the memory or time is spent: an upload has a budget (`_Budget`) of
uncompressed bytes, counted while streaming (a .npy header's declared shape × dtype before its data, zip
members' declared sizes and then the bytes actually read, gzip in chunks), of decoded pixels (from each
image's header, before decoding it; Pillow's own decompression-bomb limit is set to the per-image cap),
and of decoding time (checked between files). Any failure of any reader, whatever its exception type,
becomes one UploadError (a ValueError) naming the file. It builds no Dataset (data/images.py does) and
caches nothing.
"""

from __future__ import annotations

import gzip
import io
import struct
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import IO

import numpy as np

MAX_BYTES = 20_000_000         # one uploaded file (the server's maxUploadSize is 20 MB)
MAX_UNPACKED = 250_000_000     # uncompressed bytes read from one upload (20,000 RGB 64×64 uint8 images fit)
MAX_IMAGES = 20_000            # more would not train live on a laptop CPU anyway
MAX_SIDE = 64                  # pixels per side
MAX_CLASSES = 20
MAX_VALUES = 100_000_000       # N × C × H × W of one upload's images: 400 MB as float32 (20,000 of 1×64×64 fit)
MAX_IMAGE_PIXELS = 4096 * 4096           # one picture before resizing (a 16-megapixel photo)
MAX_PIXELS = 200_000_000                 # all pictures of one upload, decoded (e.g. 20,000 of 100×100)
MAX_SECONDS = 30.0                       # decoding one upload
MAX_ENTRIES = 50_000                     # files and folders in one zip (20,000 images, their folders, Mac extras)
MAX_NPY_HEADER = 10_000                  # bytes of one .npy header (numpy's own default limit)
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate", zipfile.ZIP_BZIP2: "bzip2",
               zipfile.ZIP_LZMA: "lzma"}
CHUNK = 1 << 20                          # bytes per read while streaming


class UploadError(ValueError):
    """An upload refused, with a message that names the file and says what to change."""


@dataclass(frozen=True, eq=False)
class ImageArrays:
    """Images x: float32 [N, C, H, W] in [0, 1]; labels y: int64 [N] in 0..k-1; class names [k]."""

    x: np.ndarray
    y: np.ndarray
    class_names: tuple[str, ...]
    name: str = ""
    files: tuple[tuple[str, bytes], ...] = ()   # the uploaded (name, bytes) it was read from: runs keep them


@dataclass
class _Budget:
    """What one upload may still spend: uncompressed bytes, decoded pixels, and time until `deadline`."""

    bytes_left: int = field(default_factory=lambda: MAX_UNPACKED)
    pixels_left: int = field(default_factory=lambda: MAX_PIXELS)
    deadline: float = field(default_factory=lambda: time.monotonic() + MAX_SECONDS)

    def spend_bytes(self, n: int, what: str) -> None:
        if n > self.bytes_left:
            raise UploadError(f"{what}: unpacks to over {MAX_UNPACKED / 1e6:.0f} MB, the limit for one upload")
        self.bytes_left -= n

    def spend_pixels(self, n: int, what: str) -> None:
        if n > self.pixels_left:
            raise UploadError(f"{what}: the images hold over {MAX_PIXELS / 1e6:g} million pixels in all, the "
                              "limit for one upload; resize them (they are shrunk to at most 64×64 anyway)")
        self.pixels_left -= n

    def check_time(self, what: str) -> None:
        if time.monotonic() > self.deadline:
            raise UploadError(f"{what}: decoding took over {MAX_SECONDS:.0f} s, the limit for one upload; "
                              "upload fewer or smaller images")


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """Turn any reader failure into one UploadError naming the file (ours pass through unchanged)."""
    try:
        yield
    except UploadError:
        raise
    except MemoryError:
        raise UploadError(f"{what}: too large to read into memory") from None
    except Exception as err:        # BadZipFile, zlib.error, EOFError, OSError, struct.error, ... from any reader
        reason = str(err).splitlines()[0][:160] if str(err) else type(err).__name__
        raise UploadError(f"{what}: not a readable file ({reason})") from None


# ---------------------------------------------------------------- streaming with a running cap

def _read_exact(f: IO[bytes], n: int, what: str) -> bytearray:
    """Exactly n bytes from a stream, in chunks (n was already charged to the budget)."""
    buf = bytearray(n)
    view, pos = memoryview(buf), 0
    while pos < n:
        chunk = f.read(min(CHUNK, n - pos))
        if not chunk:
            raise UploadError(f"{what}: truncated: the header promises {n:,} bytes of data, the file holds {pos:,}")
        view[pos:pos + len(chunk)] = chunk
        pos += len(chunk)
    return buf


def _read_all(f: IO[bytes], budget: _Budget, what: str) -> bytes:
    """A whole stream, counting the bytes actually produced against the budget (headers can lie). One
    picture is at most MAX_BYTES unpacked: PNG and JPEG data are compressed already, so zip's deflate
    cannot have shrunk a real one from more than the upload limit."""
    chunks, total = [], 0
    while chunk := f.read(CHUNK):
        total += len(chunk)
        if total > MAX_BYTES:
            raise UploadError(f"{what}: unpacks to over {MAX_BYTES / 1e6:.0f} MB, too large for one picture")
        budget.spend_bytes(len(chunk), what)
        chunks.append(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- checks shared by every loader

def _nchw(shape: tuple[int, ...]) -> tuple[int, ...]:
    """The [N, C, H, W] shape `_to_nchw` makes of an array of this shape."""
    if len(shape) == 3:
        return (shape[0], 1, shape[1], shape[2])
    if len(shape) == 4 and shape[-1] in (1, 3) and shape[1] not in (1, 3):
        return (shape[0], shape[3], shape[1], shape[2])
    return shape


def _check_shape(shape: tuple[int, ...], what: str) -> None:
    """Image-count and size limits on a [N, C, H, W] shape (declared or read)."""
    if len(shape) != 4 or shape[1] not in (1, 3):
        raise UploadError(f"{what}: images must be [N, H, W], [N, H, W, C] or [N, C, H, W] with 1 or 3 "
                          f"channels, got shape {tuple(shape)}")
    n, _, h, w = shape
    if n < 10:
        raise UploadError(f"{what}: {n} images is too few; give at least 10")
    if max(h, w) > MAX_SIDE or min(h, w) < 4:
        raise UploadError(f"{what}: images of {h}×{w} pixels; sides must be 4 to {MAX_SIDE} pixels (resize them)")
    _check_total(shape, what)


def _check_total(shape: tuple[int, int, int, int], what: str) -> None:
    """The count and total-size limits on a [N, C, H, W] shape: what the lab will hold as float32."""
    n, c, h, w = shape
    if n > MAX_IMAGES:
        raise UploadError(f"{what}: {n:,} images is over the limit of {MAX_IMAGES:,}; upload a subset")
    if n * c * h * w > MAX_VALUES:
        raise UploadError(f"{what}: {n:,} images of {c}×{h}×{w} are {n * c * h * w / 1e6:.0f} million values, "
                          f"over the limit of {MAX_VALUES / 1e6:.0f} million; upload fewer or smaller images")


def _check_arrays(x: np.ndarray, y: np.ndarray, what: str) -> None:
    _check_shape(tuple(x.shape), what)
    n = x.shape[0]
    if y.shape != (n,):
        raise UploadError(f"{what}: {n} images but labels of shape {tuple(y.shape)}; need one label per image")
    if not np.isfinite(x).all():
        raise UploadError(f"{what}: the images contain NaN or infinite values")


def _to_nchw(x: np.ndarray) -> np.ndarray:
    """[N, H, W] -> [N, 1, H, W]; channels-last [N, H, W, C] (C in 1, 3) -> [N, C, H, W]."""
    if x.ndim == 3:
        return x[:, None]
    if x.ndim == 4 and x.shape[-1] in (1, 3) and x.shape[1] not in (1, 3):
        return x.transpose(0, 3, 1, 2)
    return x


def _scale(x: np.ndarray) -> np.ndarray:
    """To float32 in [0, 1]: uint8 / 255, other ranges by min-max over the whole array (no float64 copy)."""
    if x.dtype == np.uint8:
        return np.divide(x, 255, dtype=np.float32)
    x = x.astype(np.float32)
    lo, hi = float(x.min()), float(x.max())
    if hi <= lo:
        return np.zeros_like(x)
    x -= lo
    x /= hi - lo
    return x


def _labels(raw: np.ndarray, what: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """Any label values -> int64 0..k-1 and their names (sorted unique values)."""
    if raw.dtype.kind not in "iuUSO" and not (raw.dtype.kind == "f" and np.all(raw == np.round(raw))):
        raise UploadError(f"{what}: labels must be whole numbers or names, got {raw.dtype}")
    values, y = np.unique(raw, return_inverse=True)
    if len(values) < 2:
        raise UploadError(f"{what}: all images have the same label; need at least 2 classes")
    if len(values) > MAX_CLASSES:
        raise UploadError(f"{what}: {len(values)} classes is over the limit of {MAX_CLASSES}")
    names = tuple(str(v.item() if hasattr(v, "item") else v) for v in values)
    return y.astype(np.int64), names


def _finish(x: np.ndarray, raw_y: np.ndarray, what: str) -> ImageArrays:
    x, raw_y = _to_nchw(np.asarray(x)), np.asarray(raw_y)
    if raw_y.ndim == 2 and 1 in raw_y.shape:
        raw_y = raw_y.reshape(-1)
    _check_arrays(x, raw_y, what)
    y, names = _labels(raw_y, what)
    return ImageArrays(np.ascontiguousarray(_scale(x)), y, names, what)


def _check_size(data: bytes, what: str) -> None:
    if len(data) > MAX_BYTES:
        raise UploadError(f"{what}: {len(data) / 1e6:.1f} MB is over the limit of {MAX_BYTES / 1e6:.0f} MB")


def _open_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """The archive, its entries counted first: zipfile parses the whole central directory at once
    (370,000 empty entries fit in 20 MB and take ~6 s and 160 MB)."""
    if data.count(b"PK\x01\x02") > MAX_ENTRIES:            # central-directory signatures: an upper bound
        raise UploadError(f"{what}: holds over {MAX_ENTRIES:,} entries")
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UploadError(f"{what}: not a readable zip file") from None


def _check_member(m: zipfile.ZipInfo, what: str) -> None:
    """Refuse encrypted members and compression methods this reader does not take, before reading."""
    if m.flag_bits & 0x1:
        raise UploadError(f"{what}: {m.filename} is encrypted; upload an archive without a password")
    if m.compress_type not in ZIP_METHODS:
        raise UploadError(f"{what}: {m.filename} uses zip compression method {m.compress_type}, which is not "
                          f"supported; use {', '.join(ZIP_METHODS.values())}")


# ---------------------------------------------------------------- .npz

def _npy_header(f: IO[bytes], what: str) -> tuple[tuple[int, ...], bool, np.dtype]:
    """Shape, Fortran order and dtype from a .npy stream's header, leaving `f` at the data. The header
    length is bounded before it is read; numpy's own parser (no pickle) reads the bounded copy."""
    from numpy.lib import format as npy

    start = f.read(10)                          # magic (6), version (2), header length (2 or 4)
    if len(start) < 10 or not start.startswith(npy.MAGIC_PREFIX):
        raise UploadError(f"{what}: not a .npy array (save the file with numpy.savez)")
    major = start[6]
    if major not in (1, 2):
        raise UploadError(f"{what}: .npy format version {major} is not supported (save with numpy.savez)")
    if major == 2:
        start += f.read(2)
    length = struct.unpack("<H" if major == 1 else "<I", start[8:])[0]
    if length > MAX_NPY_HEADER:
        raise UploadError(f"{what}: .npy header of {length:,} bytes is too long")
    head = io.BytesIO(start + f.read(length))
    version = npy.read_magic(head)
    read = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
    shape, fortran, dtype = read(head)
    return tuple(int(d) for d in shape), bool(fortran), dtype


def _npz_member(archive: zipfile.ZipFile, m: zipfile.ZipInfo, role: str, budget: _Budget, what: str) -> np.ndarray:
    """One array of an .npz, its declared size checked (and charged) before any data is read."""
    _check_member(m, what)
    name = f"{what}: {role}"
    with archive.open(m) as f:
        shape, fortran, dtype = _npy_header(f, name)
        if dtype.hasobject:
            raise UploadError(f"{what}: holds pickled Python objects, which are never loaded; save plain "
                              "number arrays")
        if dtype.fields is not None or dtype.subdtype is not None:
            raise UploadError(f"{name} must be a plain array of numbers, got dtype {dtype}")
        if role == "X":
            if dtype.kind not in "iuf":
                raise UploadError(f"{what}: X must hold numbers, got {dtype}")
            _check_shape(_nchw(shape), what)
        count = int(np.prod(shape, dtype=object))     # Python ints: a lying header cannot overflow
        budget.spend_bytes(count * dtype.itemsize, name)
        buf = _read_exact(f, count * dtype.itemsize, name)
    arr = np.frombuffer(buf, dtype=dtype, count=count)
    return arr.reshape(shape[::-1]).transpose() if fortran else arr.reshape(shape)


def load_npz(data: bytes, what: str = "npz file", budget: _Budget | None = None) -> ImageArrays:
    """A NumPy .npz holding arrays X (images) and y (labels). Pickled objects are refused."""
    budget = budget or _Budget()
    _check_size(data, what)
    if not data.startswith(b"PK"):
        raise UploadError(f"{what}: not a readable .npz file (save it with numpy.savez)")
    archive = _open_zip(data, what)
    members = {m.filename.removesuffix(".npy"): m for m in archive.infolist()}
    keys = {k.lower(): k for k in members}
    if "x" not in keys or "y" not in keys:
        raise UploadError(f"{what}: needs arrays named X and y, found {', '.join(members) or 'none'}")
    x = _npz_member(archive, members[keys["x"]], "X", budget, what)
    y = _npz_member(archive, members[keys["y"]], "y", budget, what)
    return _finish(x, y, what)


# ---------------------------------------------------------------- MNIST IDX

_IDX_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def parse_idx(data: bytes, what: str = "IDX file", budget: _Budget | None = None) -> np.ndarray:
    """One MNIST-format IDX array (raw, or gzip-compressed, decompressed in chunks up to what the header
    declares: a gzip's own size field is not trusted)."""
    budget = budget or _Budget()
    _check_size(data, what)
    stream: IO[bytes] = gzip.GzipFile(fileobj=io.BytesIO(data)) if data[:2] == b"\x1f\x8b" else io.BytesIO(data)
    try:
        head = stream.read(4)
        if len(head) < 4 or head[0] != 0 or head[1] != 0 or head[2] not in _IDX_DTYPES or not 1 <= head[3] <= 4:
            raise UploadError(f"{what}: not an IDX file (bad magic number)")
        ndim, dtype = head[3], np.dtype(_IDX_DTYPES[head[2]])
        raw_dims = stream.read(4 * ndim)
        if len(raw_dims) < 4 * ndim:
            raise UploadError(f"{what}: truncated header")
        dims = struct.unpack(f">{ndim}I", raw_dims)
        expected = int(np.prod(dims, dtype=object)) * dtype.itemsize
        budget.spend_bytes(expected, what)
        body = bytearray()
        while len(body) <= expected and (chunk := stream.read(min(CHUNK, expected + 1 - len(body)))):
            body += chunk
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise UploadError(f"{what}: broken gzip data ({err})") from None
    if len(body) != expected:
        held = f"{len(body):,} bytes" if len(body) <= expected else "more"
        raise UploadError(f"{what}: header says {dims} ({expected:,} bytes) but holds {held}")
    return np.frombuffer(body, dtype=dtype).reshape(dims)


def load_idx(images: bytes, labels: bytes, what: str = "IDX files", budget: _Budget | None = None) -> ImageArrays:
    """An MNIST-format pair: images [N, H, W] and labels [N]."""
    budget = budget or _Budget()
    x, y = parse_idx(images, "IDX images", budget), parse_idx(labels, "IDX labels", budget)
    if x.ndim == 1 and y.ndim == 3:
        x, y = y, x
    if x.ndim != 3 or y.ndim != 1:
        raise UploadError(f"{what}: need an images file [N, H, W] and a labels file [N], got {x.shape} and {y.shape}")
    return _finish(x, y, what)


# ---------------------------------------------------------------- pictures (zip of class folders, one photo)

def _pillow():
    """Pillow, with its decompression-bomb limit at this reader's per-image cap (it raises above twice it)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    return Image


def _decode(data: bytes, mode: str, size: tuple[int, int], budget: _Budget, what: str) -> np.ndarray:
    """One PNG/JPEG -> uint8 [H, W(, 3)] of `size` (w, h); its pixel count is checked from the header
    (Pillow opens lazily) before anything is decoded."""
    Image = _pillow()
    try:
        with Image.open(io.BytesIO(data), formats=("PNG", "JPEG")) as img:
            pixels = img.width * img.height
            if pixels > MAX_IMAGE_PIXELS:
                raise UploadError(f"{what} is {img.width}×{img.height} pixels, over the limit of "
                                  f"{MAX_IMAGE_PIXELS / 1e6:.1f} million per image; resize it")
            budget.spend_pixels(pixels, what)
            return np.asarray(img.convert(mode).resize(size, Image.Resampling.BILINEAR))
    except UploadError:
        raise
    except Image.DecompressionBombError:
        raise UploadError(f"{what} declares over {2 * MAX_IMAGE_PIXELS / 1e6:.0f} million pixels; resize it") from None
    except (OSError, SyntaxError, ValueError):   # UnidentifiedImageError is an OSError; truncated data too
        raise UploadError(f"{what} is not a readable image (PNG or JPEG)") from None


def load_folders(data: bytes, size: int, what: str = "zip file", budget: _Budget | None = None) -> ImageArrays:
    """A .zip with one folder per class of PNG/JPEG files, converted to grayscale size×size."""
    budget = budget or _Budget()
    _check_size(data, what)
    archive = _open_zip(data, what)
    members = [m for m in archive.infolist() if not m.is_dir() and m.filename.lower().endswith(IMAGE_EXTENSIONS)
               and "__MACOSX" not in m.filename and len(m.filename.strip("/").split("/")) >= 2]
    if not members:
        raise UploadError(f"{what}: found no PNG/JPEG files inside class folders (class_name/image.png)")
    _check_total((len(members), 1, size, size), what)          # what the pictures will become
    for m in members:
        _check_member(m, what)
    if sum(m.file_size for m in members) > budget.bytes_left:      # declared sizes: a quick first refusal
        raise UploadError(f"{what}: unpacks to over {MAX_UNPACKED / 1e6:.0f} MB, the limit for one upload")
    images, labels = [], []
    for m in members:
        budget.check_time(what)
        with archive.open(m) as f:
            raw = _read_all(f, budget, f"{what}: {m.filename}")   # the bytes actually inflated are counted
        images.append(_decode(raw, "L", (size, size), budget, f"{what}: {m.filename}"))
        labels.append(m.filename.strip("/").split("/")[-2])
    return _finish(np.stack(images), np.array(labels), what)


def read_upload(files: Sequence[tuple[str, bytes]], size: int = 16) -> ImageArrays:
    """Dispatch uploaded (name, bytes) files: one .npz, one .zip of folders, or an IDX images+labels pair.
    Raises UploadError (a ValueError naming the file) for anything it cannot or will not read."""
    if not files:
        raise UploadError("no file uploaded")
    whole = [f for f in files if f[0].lower().endswith((".npz", ".zip"))]
    if whole:                                  # a complete dataset in one file: the latest one wins
        files = whole[-1:]
    if len(files) > 2:
        raise UploadError("upload one .npz, one .zip, or two IDX files (images and labels)")
    name, data = files[0]
    low, budget = name.lower(), _Budget()
    what = f"{files[0][0]} + {files[1][0]}" if len(files) == 2 else name
    with _reading(what):
        if len(files) == 2:
            arrays = load_idx(files[0][1], files[1][1], what, budget)
        elif low.endswith(".npz"):
            arrays = load_npz(data, name, budget)
        elif low.endswith(".zip"):
            arrays = load_folders(data, size, name, budget)
        else:
            raise UploadError(f"{name}: unknown kind; upload a .npz (X, y), a .zip of class folders, "
                              "or two IDX files (images and labels, raw or .gz)")
    return replace(arrays, files=tuple(files))


def image_from_bytes(data: bytes, shape: tuple[int, int, int], what: str = "image") -> np.ndarray:
    """One PNG/JPEG as float32 [C, H, W] in [0, 1] of the model's input shape; a light background is
    inverted so strokes are bright, as in the digits data."""
    c, h, w = shape
    with _reading(what):
        _check_size(data, what)
        arr = _decode(data, "L" if c == 1 else "RGB", (w, h), _Budget(), what)
    x = (arr.astype(np.float32) / 255.0).reshape(h, w, -1).transpose(2, 0, 1)     # (C, H, W)
    return np.ascontiguousarray(1.0 - x if x.mean() > 0.5 else x)
