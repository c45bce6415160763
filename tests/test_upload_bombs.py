"""Hostile image uploads, generated here: decompression bombs of each kind (npz, zip of pictures, gzip),
headers that lie, encrypted, corrupt and oddly compressed zips. Each must be refused with one clear
message naming the file (an UploadError, never another exception type), within bounded memory (the peak
RSS of a subprocess that reads it) and promptly (a timeout on that subprocess).

The bombs are built small: deflate streams of zeros are assembled from one compressed block repeated
(zlib's full flush makes blocks independent), and zips are written by hand so their headers can lie.
"""

from __future__ import annotations

import gzip
import io
import json
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from numpy.lib import format as npy

from playground.data import image_files
from playground.data.image_files import UploadError, image_from_bytes, read_upload

READER = Path(image_files.__file__)
PEAK_MB = 800                     # generous: the reader itself needs ~40 MB for these files
TIMEOUT = 120                     # seconds; the 4096² PNG zip used to take ~6 minutes
BLOCK = 1 << 22                   # 4 MiB of zeros per repeated deflate block


# ---------------------------------------------------------------- builders

def _deflate_zeros(head: bytes, n_zeros: int) -> tuple[bytes, int]:
    """Raw deflate of `head` followed by n_zeros zero bytes, and its CRC-32, without ever holding the
    inflated bytes: each 4 MiB block of zeros compresses to the same ~4 KB."""
    blocks, rest = divmod(n_zeros, BLOCK)
    c, zeros = zlib.compressobj(9, zlib.DEFLATED, -15), bytes(BLOCK)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(zeros) + c.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    return first + block * blocks + c.compress(zeros[:rest]) + c.flush(), zlib.crc32(zeros[:rest], crc)


def _zip_raw(entries: list[dict]) -> bytes:
    """A zip written by hand: each entry gives name, payload (already compressed), and may override
    method (8 = deflate), crc, file_size (the uncompressed size the headers declare) and flags."""
    out, central = bytearray(), bytearray()
    for e in entries:
        name, payload = e["name"].encode(), e["payload"]
        fields = (e.get("flags", 0), e.get("method", 8), 0, 0, e.get("crc", 0), len(payload),
                  e.get("file_size", 0), len(name))
        central += struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, *fields, 0, 0, 0, 0, 0, len(out)) + name
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, *fields, 0) + name + payload
    count = len(entries)
    return bytes(out + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(central),
                                             len(out), 0))


def _deflated(name: str, data: bytes, **lies) -> dict:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return {"name": name, "payload": c.compress(data) + c.flush(), "crc": zlib.crc32(data),
            "file_size": len(data), **lies}


def _npy_header(descr: str, shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    npy.write_array_header_1_0(buf, {"descr": descr, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def _npy(arr: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _png(side: int, value: int = 0) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (side, side), value).save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG signature and IHDR declaring width×height, and no pixel data at all."""
    ihdr = struct.pack(">2I5B", width, height, 8, 0, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr + struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return b"\x89PNG\r\n\x1a\n" + chunk + struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))


def _small_pngs(n: int = 6) -> list[dict]:
    return [_deflated(f"{c}/{i}.png", _png(8, 40 * i)) for c in "ab" for i in range(n)]


LABELS = _npy(np.arange(20) % 2)


# ---------------------------------------------------------------- the bombs

def blank_png_zip() -> list[tuple[str, bytes]]:
    """~1.5 MB: 90 blank 4096×4096 PNGs in two class folders (1.5 billion pixels to decode)."""
    png, buf = _png(4096), io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(90):
            z.writestr(f"{'ab'[i % 2]}/{i}.png", png)
    return [("blank.zip", buf.getvalue())]


def _npz_of_zeros(name: str, descr: str, shape: tuple[int, ...]) -> list[tuple[str, bytes]]:
    """An .npz whose X is zeros of this dtype and shape (its inflated bytes never held), y valid."""
    head, nbytes = _npy_header(descr, shape), np.dtype(descr).itemsize * int(np.prod(shape))
    payload, crc = _deflate_zeros(head, nbytes)
    x = {"name": "X.npy", "payload": payload, "crc": crc, "file_size": len(head) + nbytes}
    return [(name, _zip_raw([x, _deflated("y.npy", _npy(np.arange(shape[0]) % 2))]))]


def npz_inflating_to_1gb() -> list[tuple[str, bytes]]:
    """~1 MB: X of 20,000 RGB 64×64 float32 zeros (983 MB inflated; each dimension within the limits)."""
    return _npz_of_zeros("inflates.npz", "<f4", (20_000, 3, 64, 64))


def npz_inflating_to_655mb() -> list[tuple[str, bytes]]:
    """~650 KB: X of 20,000 gray 64×64 float64 zeros (655 MB; within the image and value limits)."""
    return _npz_of_zeros("float64.npz", "<f8", (20_000, 1, 64, 64))


def npz_of_uint8_zeros() -> list[tuple[str, bytes]]:
    """~250 KB: X of 20,000 RGB 64×64 uint8 zeros, within the byte budget (246 MB) but 983 MB as float32."""
    return _npz_of_zeros("uint8.npz", "|u1", (20_000, 3, 64, 64))


def npz_declaring_30gib_x() -> list[tuple[str, bytes]]:
    """X.npy's header declares 983,040 float64 64×64 images (30 GiB); the data is 64 bytes."""
    x = _npy_header("<f8", (983_040, 64, 64)) + bytes(64)
    return [("huge-x.npz", _zip_raw([_deflated("X.npy", x), _deflated("y.npy", LABELS)]))]


def npz_declaring_30gib_y() -> list[tuple[str, bytes]]:
    """A valid X, and y.npy whose header declares 4,026,531,840 float64 labels (30 GiB)."""
    y = _npy_header("<f8", (30 * 2**30 // 8,)) + bytes(64)
    return [("huge-y.npz", _zip_raw([_deflated("X.npy", _npy(np.zeros((20, 8, 8), np.uint8))),
                                     _deflated("y.npy", y)]))]


def gz_idx_lying_about_its_size() -> list[tuple[str, bytes]]:
    """An IDX header of 100 28×28 images followed by 200 MiB of zeros, in a gzip whose size field says
    78,416 bytes."""
    head = bytes([0, 0, 8, 3]) + struct.pack(">3I", 100, 28, 28)
    body, crc = _deflate_zeros(head, 200 * 2**20)
    gz = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + body + struct.pack("<2I", crc, 100 * 28 * 28 + len(head))
    labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 100) + bytes(i % 2 for i in range(100))
    return [("images.gz", gz), ("labels.idx", labels)]


def zip_member_lying_about_its_size() -> list[tuple[str, bytes]]:
    """a/0.png inflates to 200 MiB, but the headers say 1,000 bytes."""
    payload, crc = _deflate_zeros(b"", 200 * 2**20)
    liar = {"name": "a/0.png", "payload": payload, "crc": crc, "file_size": 1000}
    return [("liar.zip", _zip_raw([liar, *_small_pngs()]))]


def zip_member_inflating_to_200mb() -> list[tuple[str, bytes]]:
    """a/0.png inflates to 200 MiB of zeros, and its headers say so (within the per-upload budget)."""
    payload, crc = _deflate_zeros(b"", 200 * 2**20)
    member = {"name": "a/0.png", "payload": payload, "crc": crc, "file_size": 200 * 2**20}
    return [("inflates.zip", _zip_raw([member, *_small_pngs()]))]


def encrypted_zip() -> list[tuple[str, bytes]]:
    """Every member flagged as encrypted (general-purpose bit 0)."""
    return [("locked.zip", _zip_raw([{**e, "flags": 1} for e in _small_pngs()]))]


def unsupported_compression_zip() -> list[tuple[str, bytes]]:
    """Members claiming compression method 99 (AES), which zipfile cannot read."""
    return [("aes.zip", _zip_raw([{**e, "method": 99} for e in _small_pngs()]))]


def corrupt_zip() -> list[tuple[str, bytes]]:
    """A member whose deflate data is garbage (zlib.error when read)."""
    bad = {**_small_pngs(1)[0], "payload": b"\xff" * 40}
    return [("corrupt.zip", _zip_raw([bad, *_small_pngs()]))]


def corrupt_npz() -> list[tuple[str, bytes]]:
    x = _deflated("X.npy", _npy(np.zeros((20, 8, 8), np.uint8)))
    return [("corrupt.npz", _zip_raw([{**x, "payload": b"\x00\x01garbage" * 8}, _deflated("y.npy", LABELS)]))]


def zip_of_370k_entries() -> list[tuple[str, bytes]]:
    """19.6 MB of central directory: 370,000 entries, all pointing at one empty stored a/x.png."""
    one = _zip_raw([{"name": "a/x.png", "payload": b"", "method": 0}])
    local, central = one[:37], one[37:37 + 53]
    return [("entries.zip", local + central * 370_000 + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 65535, 65535,
                                                                      53 * 370_000, 37, 0))]


BOMBS = {
    "blank PNG zip": (blank_png_zip, r"blank\.zip: .*over 200 million pixels in all"),
    "npz inflating to 1 GB": (npz_inflating_to_1gb, r"inflates\.npz: 20,000 images of 3×64×64 are 246 million"),
    "npz inflating to 655 MB": (npz_inflating_to_655mb, r"float64\.npz: X: unpacks to over 250 MB"),
    "npz of uint8 zeros, 1 GB as float32": (npz_of_uint8_zeros, r"uint8\.npz: 20,000 images of 3×64×64 are 246 "
                                                                r"million values, over the limit of 100 million"),
    "npz declaring a 30 GiB X": (npz_declaring_30gib_x, r"huge-x\.npz: 983,040 images is over the limit"),
    "npz declaring a 30 GiB y": (npz_declaring_30gib_y, r"huge-y\.npz: y: unpacks to over 250 MB"),
    "gz IDX lying about its size": (gz_idx_lying_about_its_size,
                                    r"IDX images: header says \(100, 28, 28\) \(78,400 bytes\) but holds more"),
    "zip member lying about its size": (zip_member_lying_about_its_size, r"liar\.zip: not a readable file \(Bad CRC"),
    "zip member inflating to 200 MiB": (zip_member_inflating_to_200mb,
                                        r"inflates\.zip: a/0\.png: unpacks to over 20 MB, too large for one picture"),
    "encrypted zip": (encrypted_zip, r"locked\.zip: a/0\.png is encrypted"),
    "unsupported compression": (unsupported_compression_zip, r"aes\.zip: a/0\.png uses zip compression method 99"),
    "corrupt zip": (corrupt_zip, r"corrupt\.zip: not a readable file"),
    "corrupt npz": (corrupt_npz, r"corrupt\.npz: not a readable file"),
    "zip of 370,000 entries": (zip_of_370k_entries, r"entries\.zip: holds over 50,000 entries"),
}

# Reads the files with image_files.py loaded on its own (the playground.data package would import torch,
# ~250 MB, which would swamp the measurement) and reports the error and the peak RSS. The peak is the
# kernel's VmHWM of this process image: ru_maxrss would do, except that Linux carries it across exec
# from the forking parent (pytest, with torch loaded).
RUNNER = """
import importlib.util, json, pathlib, resource, sys
spec = importlib.util.spec_from_file_location("image_files", sys.argv[1])
mod = sys.modules["image_files"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
files = [(pathlib.Path(p).name, pathlib.Path(p).read_bytes()) for p in sys.argv[2:]]
try:
    mod.read_upload(files)
    error = None
except Exception as err:
    error = {"type": type(err).__name__, "message": str(err),
             "upload_error": isinstance(err, getattr(mod, "UploadError", ()))}
hwm = [line for line in open("/proc/self/status") if line.startswith("VmHWM:")]
peak_kb = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"error": error, "peak_mb": peak_kb / 1024}))
"""


@pytest.mark.parametrize("case", list(BOMBS))
def test_bombs_are_refused_clearly_with_bounded_memory(case, tmp_path):
    make, message = BOMBS[case]
    paths = []
    for name, data in make():
        assert len(data) < image_files.MAX_BYTES      # each fits the upload size limit: small bombs
        (tmp_path / name).write_bytes(data)
        paths.append(str(tmp_path / name))
    done = subprocess.run([sys.executable, "-c", RUNNER, str(READER), *paths], capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    error = report["error"]
    assert error is not None, "the bomb was accepted"
    assert error["upload_error"], f"{error['type']}: {error['message']}"
    assert __import__("re").search(message, error["message"]), error["message"]
    assert "\n" not in error["message"] and "Traceback" not in error["message"]
    assert report["peak_mb"] < PEAK_MB, f"peak RSS {report['peak_mb']:.0f} MB"


# ---------------------------------------------------------------- the caps, each on its own (in process)

def test_pillow_refuses_what_the_app_refuses():
    from PIL import Image

    read_upload([("ok.zip", _zip_raw(_small_pngs()))])
    assert Image.MAX_IMAGE_PIXELS == image_files.MAX_IMAGE_PIXELS


@pytest.mark.parametrize(("side", "message"), [
    (5000, r"a/0\.png is 5000×5000 pixels, over the limit of 16\.8 million per image"),
    (20_000, r"a/0\.png declares over 34 million pixels"),          # Pillow's DecompressionBombError
])
def test_a_picture_too_large_is_refused_from_its_header(side, message):
    data = _zip_raw([_deflated("a/0.png", _png_header_only(side, side)), *_small_pngs()])
    with pytest.raises(UploadError, match=message):
        read_upload([("big.zip", data)])
    with pytest.raises(UploadError, match=r"photo\.png .*pixels"):
        image_from_bytes(_png_header_only(side, side), (1, 8, 8), "photo.png")


def test_the_total_pixel_budget_counts_every_picture(monkeypatch):
    data = _zip_raw(_small_pngs(10))                  # 20 pictures of 8×8 = 1,280 pixels
    assert read_upload([("ok.zip", data)]).x.shape == (20, 1, 16, 16)
    monkeypatch.setattr(image_files, "MAX_PIXELS", 1_000)
    with pytest.raises(UploadError, match=r"many\.zip: b/.*over 0.001 million pixels in all"):
        read_upload([("many.zip", data)])


def test_decoding_stops_at_the_time_budget(monkeypatch):
    monkeypatch.setattr(image_files, "MAX_SECONDS", -1.0)     # already past the deadline at the first file
    with pytest.raises(UploadError, match=r"slow\.zip: decoding took over -1 s"):
        read_upload([("slow.zip", _zip_raw(_small_pngs()))])


def test_object_arrays_are_refused_from_the_header_without_unpickling():
    x = _npy_header("|O", (20, 8, 8)) + b"cos\nsystem\n(S'echo pwned'\ntR."
    with pytest.raises(UploadError, match="pickled Python objects"):
        read_upload([("evil.npz", _zip_raw([_deflated("X.npy", x), _deflated("y.npy", LABELS)]))])


def test_a_zip_member_declaring_more_than_the_budget_is_refused_before_reading():
    liar = {**_small_pngs(1)[0], "file_size": 2**32 - 2}
    with pytest.raises(UploadError, match=r"big\.zip: unpacks to over 250 MB"):
        read_upload([("big.zip", _zip_raw([liar, *_small_pngs()]))])


def test_gzip_idx_is_read_in_chunks_up_to_its_declared_size():
    images = np.arange(12 * 8 * 8, dtype=np.uint8).reshape(12, 8, 8)
    head = bytes([0, 0, 8, 3]) + struct.pack(">3I", 12, 8, 8)
    labels = bytes([0, 0, 8, 1]) + struct.pack(">I", 12) + bytes(i % 3 for i in range(12))
    arrays = read_upload([("i.gz", gzip.compress(head + images.tobytes())), ("l.gz", gzip.compress(labels))])
    np.testing.assert_array_equal(arrays.x[:, 0], images / np.float32(255))
    with pytest.raises(UploadError, match=r"IDX images: .*unpacks to over 250 MB"):
        read_upload([("i.gz", gzip.compress(bytes([0, 0, 8, 3]) + struct.pack(">3I", 2**31, 64, 64))),
                     ("l.gz", gzip.compress(labels))])


def test_readers_give_the_same_arrays_as_numpy():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (30, 8, 8, 3), dtype=np.uint8)          # channels last
    buf = io.BytesIO()
    np.savez_compressed(buf, X=x, y=rng.integers(0, 3, 30))
    arrays = read_upload([("mine.npz", buf.getvalue())])
    np.testing.assert_array_equal(arrays.x, np.load(io.BytesIO(buf.getvalue()))["X"].transpose(0, 3, 1, 2)
                                  .astype(np.float32) / np.float32(255))
    fortran = io.BytesIO()
    np.savez(fortran, X=np.asfortranarray(x[..., 0]), y=np.arange(30) % 2)
    np.testing.assert_array_equal(read_upload([("f.npz", fortran.getvalue())]).x[:, 0],
                                  x[..., 0] / np.float32(255))


# ---------------------------------------------------------------- the page keeps its controls

def _images_page():
    import torch
    from streamlit.testing.v1 import AppTest

    torch.set_num_threads(1)
    return AppTest.from_file(str(Path(__file__).resolve().parents[1] / "pages" / "images.py"), default_timeout=120)


def _controls(at) -> set[str]:
    return {w.key for w in [*at.selectbox, *at.text_input, *at.number_input, *at.select_slider, *at.checkbox]
            if w.key}


@pytest.mark.parametrize("upload", [
    lambda monkeypatch: encrypted_zip()[0],
    lambda monkeypatch: ("![x](https://example.com/p.png)<b>.zip", b"PK\x05\x06" + bytes(18)),
    lambda monkeypatch: (monkeypatch.setattr("playground.data.images.read_upload",     # a reader's own error
                                             lambda *a: (_ for _ in ()).throw(MemoryError())), ("m.npz", b"PK"))[1],
])
def test_a_refused_upload_is_one_line_and_the_page_keeps_all_its_controls(upload, monkeypatch):
    at = _images_page().run()
    before = _controls(at)
    assert {"images:model.kind", "images:train.lr", "images:data.image.size"} <= before
    name, data = upload(monkeypatch)
    at.file_uploader(key="images:upload").set_value((name, data, "application/octet-stream")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Upload refused: ") and "Nothing else changed." in errors[0]
    assert "](" not in errors[0] and "<b>" not in errors[0]        # a file name is text, not Markdown or HTML
    assert _controls(at) == before
    at.button(key="images:step").click().run()                      # the current model still trains
    assert not at.exception and at.metric[0].value == "1"


def test_a_refused_picture_in_your_digit_is_one_line_and_the_pad_stays():
    at = _images_page().run()
    at.segmented_control(key="images:view").set_value("Your digit").run()
    at.file_uploader(key="images:photo").set_value(("![p](https://example.com/x).png", _png_header_only(5000, 5000),
                                                     "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and errors[0].startswith("Picture refused: ") and "5000×5000 pixels" in errors[0]
    assert "](" not in errors[0]
    assert any("Draw a digit" in i.value for i in at.info)          # the pad is still the input
