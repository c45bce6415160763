"""Run history on disk: SQLite rows plus one folder of files per run, in a configurable data folder.

A run keeps its config, curves (the trainer's history), final metrics, a small PNG thumbnail of the
loss curve and the weights, and, if it trained on an upload, the uploaded CSV or image files. The
folder is `PLAYGROUND_DATA_DIR` if set, else `data/` under the project root. Saves are crash-safe:
files are written into a temporary folder that is renamed into place, and only then is the row
inserted in one transaction, so a process killed mid-save leaves at most a stray temporary folder
(removed on the next open) and never a half-written run. A run is kept once: saving the same state again
(a run kept when it stopped at its epoch limit, then "Save run") finds it by a digest of its config,
curves, counters and weights and only renames it. A run's default name says its data, by file name for
uploads.

Each run has an owner (the browser that made it: playground/ui/identity.py) and a share token. Calls that
take `owner` see and change only that owner's runs; `owner=None` sees all of them (the CLI, the server
admin). A run can be read by anyone who holds its token (`shared`), never renamed or deleted by them.
Each folder carries its own record (run.json), so the index (playground/run_index.py) heals itself.
This module does not train and does not draw charts (the thumbnail is a few PIL lines).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import secrets
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from playground.config import ExperimentConfig, from_json, to_json
from playground.history import NOT_SCORES
from playground.run_index import RECORD, RunIndex

ROOT = Path(__file__).resolve().parents[1]


def data_dir() -> Path:
    return Path(os.environ.get("PLAYGROUND_DATA_DIR") or ROOT / "data")


@dataclass(frozen=True)
class RunInfo:
    """One row of the run table (no weights, no curves: those load on demand)."""

    id: str
    name: str
    lab: str
    created: float
    cfg: ExperimentConfig
    metrics: dict[str, Any]
    steps: int
    epochs: int
    status: str
    owner: str = ""     # the browser that made it ("" for runs from before owners: admin and CLI only)
    token: str = ""     # read-only share token; shown only to the owner


def _clean(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, list):
        return [_clean(x) for x in v]
    return v


def final_metrics(history) -> dict[str, Any]:
    """The last epoch's losses and metrics (no counters, no gradient norms)."""
    return {k: _clean(v) for k, v in history.last().items() if k not in NOT_SCORES}


def thumbnail_png(losses: list[float], size: tuple[int, int] = (160, 48)) -> bytes:
    """A sparkline of the training loss as PNG bytes (blank if there is nothing to draw)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, "white")
    vals = [v for v in losses if v is not None and math.isfinite(v)]
    if len(vals) >= 2:
        lo, hi = min(vals), max(vals)
        w, h = size
        pts = [(2 + i * (w - 4) / (len(vals) - 1), h - 3 - (v - lo) / ((hi - lo) or 1) * (h - 6))
               for i, v in enumerate(vals)]
        ImageDraw.Draw(img).line(pts, fill=(8, 119, 189), width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


STRAY_AGE = 600   # seconds: an unfinished save older than this was cut short, not still running
UPLOAD_PREFIX = "upload-"   # stored image upload files: upload-<i>-<name>


def data_label(cfg: ExperimentConfig, upload_names: list[str] | tuple[str, ...] = ()) -> str:
    """Which data a run trained on: the uploaded file name(s), the uploaded CSV's name (`data.source` is
    "<file name>#<hash>"), else the dataset registry key. Plain text: show it as text, never Markdown."""
    if upload_names:
        return upload_names[0] + (f" +{len(upload_names) - 1} files" if len(upload_names) > 1 else "")
    if cfg.data.source:
        return cfg.data.source.split("#", 1)[0]
    return cfg.data.name


def _digest(cfg_json: str, history_json: bytes, steps: int, epoch: int, state: dict[str, torch.Tensor]) -> str:
    """sha256 of what makes a run this run: config, curves, counters and weights (name and time aside)."""
    h = hashlib.sha256(f"{cfg_json}\n{steps}\n{epoch}\n".encode() + history_json)
    for k, v in state.items():
        h.update(k.encode())
        h.update(v.detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()


def _safe(name: str) -> str:
    """A file name with only letters, digits, '.', '-' and '_' (an upload's name comes from the browser)."""
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(name).name)[-80:] or "file"


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _link_blob(blobs: Path, target: Path, data: bytes) -> None:
    """Put `data` at `target` as a hard link to blobs/<sha256>, so saving the same upload again (each Pause
    keeps a run) costs no space; a file system without hard links gets a copy."""
    blob = blobs / hashlib.sha256(data).hexdigest()
    for _ in range(3):   # a concurrent delete may collect the blob between the check and the link
        if not blob.exists():
            tmp = blobs / f".tmp-{uuid.uuid4().hex}"
            _write(tmp, data)
            os.replace(tmp, blob)
        try:
            os.link(blob, target)
            return
        except FileNotFoundError:
            continue
        except OSError:
            break
    _write(target, data)


class RunStore:
    """The run history in `root` (default: `data_dir()`): runs.sqlite plus runs/<id>/ folders. Uploaded
    files are stored once in blobs/ and hard-linked into each run that trained on them."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else data_dir()
        self.runs_dir = self.root / "runs"
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.blobs = self.root / "blobs"
        self.blobs.mkdir(exist_ok=True)
        self.db = self.root / "runs.sqlite"
        self.index = RunIndex(self.db, self.runs_dir)
        for stray in [*self.runs_dir.glob(".tmp-*"), *self.blobs.glob(".tmp-*")]:   # a process killed mid-save
            try:   # left them; a younger one may be another session's save in progress
                if time.time() - stray.stat().st_mtime > STRAY_AGE:
                    shutil.rmtree(stray) if stray.is_dir() else stray.unlink()
            except OSError:
                continue

    @property
    def notices(self) -> list[str]:
        """What the store repaired while this object was used (a rebuilt index, runs whose files are gone)."""
        return self.index.notices

    # -- writing ---------------------------------------------------------------------------

    def save(self, exp, name: str = "", owner: str = "") -> str:
        """Keep an experiment's run (config, curves, metrics, thumbnail, weights) for `owner`; returns its id.
        The same state saved again by the same owner is not stored twice: the stored run's id is returned
        (renamed if `name` is given)."""
        trainer = exp.trainer
        history = {k: [_clean(x) for x in v] for k, v in trainer.history.columns.items()}
        history_json = json.dumps(history).encode()
        state = exp.model.state_dict()
        digest = _digest(to_json(exp.cfg, indent=None), history_json, trainer.steps, trainer.epoch, state)
        found = self.index.select("digest=? AND owner=?", (digest, owner))
        if found:
            if name:
                self.rename(found[0]["id"], name, owner)
            return found[0]["id"]
        run_id = time.strftime("%Y%m%d-%H%M%S-") + uuid.uuid4().hex[:6]
        files = {"history.json": history_json,
                 "config.json": to_json(exp.cfg).encode(),
                 "thumb.png": thumbnail_png(history.get("train_loss", []))}
        buf = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in state.items()}, buf)
        files["weights.pt"] = buf.getvalue()
        if (prep := exp.dataset.meta.get("preprocess")) is not None:   # a table's fitted preprocessing: `predict`
            files["preprocess.json"] = json.dumps(prep.to_dict()).encode()   # scores raw rows with it
        shared = {}   # session-held data: an uploaded CSV, uploaded image files
        if exp.dataset.meta.get("source_bytes") is not None:
            shared["source.csv"] = exp.dataset.meta["source_bytes"]
        for i, (fname, data) in enumerate(exp.dataset.meta.get("upload_files", ())):
            shared[f"{UPLOAD_PREFIX}{i}-{_safe(fname)}"] = data
        uploaded = [fname for fname, _ in exp.dataset.meta.get("upload_files", ())]
        record = {"id": run_id, "name": name or f"{exp.cfg.lab} · {data_label(exp.cfg, uploaded)} · {trainer.epoch} "
                                                "epochs",
                  "lab": exp.cfg.lab, "created": time.time(), "config": to_json(exp.cfg, indent=None),
                  "metrics": final_metrics(trainer.history), "steps": trainer.steps, "epochs": trainer.epoch,
                  "status": trainer.status, "digest": digest, "owner": owner, "token": secrets.token_urlsafe(16)}
        files[RECORD] = json.dumps(record).encode()
        tmp = self.runs_dir / f".tmp-{run_id}"
        tmp.mkdir()
        try:
            for fname, data in files.items():
                _write(tmp / fname, data)
            for fname, data in shared.items():
                _link_blob(self.blobs, tmp / fname, data)
            os.replace(tmp, self.runs_dir / run_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self.index.insert(record)   # the row appears only once every file is in place
        return run_id

    def rename(self, run_id: str, name: str, owner: str | None = None) -> None:
        """Rename one of `owner`'s runs (any run for owner=None); the folder's record changes with the index."""
        self.get(run_id, owner)   # KeyError for a run that is not theirs
        name = name.strip() or run_id
        path = self.runs_dir / run_id / RECORD
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            record = None   # a folder from before records: the index alone holds its name
        if record is not None:
            record["name"] = name
            tmp = path.with_name(f".{RECORD}.{uuid.uuid4().hex}")
            _write(tmp, json.dumps(record).encode())
            os.replace(tmp, path)
        self.index.update(run_id, name=name)

    def delete(self, run_id: str, owner: str | None = None) -> None:
        """Delete one of `owner`'s runs (any run for owner=None): its row, its folder, uploads nobody uses."""
        self.get(run_id, owner)
        self.index.delete(run_id)
        shutil.rmtree(self.runs_dir / run_id, ignore_errors=True)
        self._collect_blobs()

    def rebuild_index(self) -> int:
        """Rebuild the index from the run folders (python -m playground runs --rebuild-index); returns the runs."""
        return self.index.rebuild()

    def _collect_blobs(self) -> None:
        """Remove uploads no run links to any more (a blob's only link is its own name)."""
        for blob in self.blobs.iterdir():
            try:
                if blob.stat().st_nlink == 1 and not blob.name.startswith(".tmp-"):
                    blob.unlink()
            except FileNotFoundError:
                continue

    # -- reading ---------------------------------------------------------------------------

    def list(self, lab: str | None = None, owner: str | None = None) -> list[RunInfo]:
        """`owner`'s runs (every run for owner=None), newest first. The index is checked against the folders
        first (see `notices`); rows whose config no longer validates are skipped."""
        self.index.reconcile()
        where = [c for c, v in (("lab=?", lab), ("owner=?", owner)) if v is not None]
        params = tuple(v for v in (lab, owner) if v is not None)
        return _infos(self.index.select(" AND ".join(where), params))

    def get(self, run_id: str, owner: str | None = None) -> RunInfo:
        """One run, if `owner` may see it (any run for owner=None); KeyError otherwise."""
        where, params = ("id=?", (run_id,)) if owner is None else ("id=? AND owner=?", (run_id, owner))
        found = _infos(self.index.select(where, params))
        if not found and (self.runs_dir / run_id).is_dir():   # a folder the index lost: add it back, look again
            self.index.reconcile()
            found = _infos(self.index.select(where, params))
        if not found or not (self.runs_dir / run_id).is_dir():
            raise KeyError(run_id)
        return found[0]

    def shared(self, token: str) -> RunInfo:
        """The run a share link's token names, for reading only; KeyError for an unknown token."""
        found = _infos(self.index.select("token=?", (token,))) if token else []
        if not found or not (self.runs_dir / found[0].id).is_dir():
            raise KeyError("shared run")
        return found[0]

    def history(self, run_id: str) -> dict[str, list]:
        return json.loads((self.runs_dir / run_id / "history.json").read_text())

    def weights(self, run_id: str) -> dict[str, torch.Tensor]:
        return torch.load(self.runs_dir / run_id / "weights.pt", weights_only=True)

    def thumbnail(self, run_id: str) -> bytes:
        return (self.runs_dir / run_id / "thumb.png").read_bytes()

    def _upload_paths(self, run_id: str) -> list[tuple[str, Path]]:
        """(original name, stored path) of a run's uploaded image files, in upload order."""
        paths = sorted(self.runs_dir.glob(f"{run_id}/{UPLOAD_PREFIX}*"),
                       key=lambda p: int(p.name[len(UPLOAD_PREFIX):].split("-", 1)[0]))
        return [(p.name[len(UPLOAD_PREFIX):].split("-", 1)[1], p) for p in paths]

    def upload_names(self, run_id: str) -> list[str]:
        """The names of the uploaded image files a run trained on (none is read)."""
        return [name for name, _ in self._upload_paths(run_id)]

    def uploads(self, run_id: str) -> list[tuple[str, bytes]]:
        """The uploaded image files a run trained on, as (name, bytes) in upload order; [] if none."""
        return [(name, path.read_bytes()) for name, path in self._upload_paths(run_id)]

    def preprocess(self, run_id: str) -> dict[str, Any] | None:
        """A table run's fitted preprocessing (plain data), if the run kept one."""
        path = self.runs_dir / run_id / "preprocess.json"
        return json.loads(path.read_text()) if path.exists() else None

    def source(self, run_id: str) -> bytes | None:
        """The uploaded CSV a run trained on, if its data came from an upload."""
        path = self.runs_dir / run_id / "source.csv"
        return path.read_bytes() if path.exists() else None


def _infos(records: list[dict[str, Any]]) -> list[RunInfo]:
    out = []
    for r in records:
        try:
            metrics = json.loads(r["metrics"]) if isinstance(r["metrics"], str) else r["metrics"]
            out.append(RunInfo(r["id"], r["name"], r["lab"], r["created"], from_json(r["config"]), metrics,
                               r["steps"], r["epochs"], r["status"], r["owner"] or "", r["token"] or ""))
        except (ValueError, TypeError):
            continue
    return out


def upload_arrays(info: RunInfo, store: RunStore):
    """The images of an uploaded-images run, read again from its stored files (None for other runs)."""
    files = store.uploads(info.id)
    if not files:
        return None
    from playground.data.images import read_upload

    return read_upload(files, info.cfg.data.image.size)


def backbone_sources(info: RunInfo, store: RunStore) -> dict[str, Any]:
    """The run backbone ("run:<id>") a stored run started from, read from the same store, for build(); empty
    for a shipped or no backbone. Its weights are the run's starting point only (the run's own weights are
    loaded over them), so a run opened by its share link reveals nothing its own weights do not."""
    from playground.models.backbones import RUN_PREFIX, backbone_from_run

    name = info.cfg.model.backbone
    if not name.startswith(RUN_PREFIX):
        return {}
    try:
        return {name: backbone_from_run(store.get(name[len(RUN_PREFIX):]), store)}
    except KeyError:        # the backbone run was deleted: build() says so, naming model.backbone
        return {}


def restore(info: RunInfo, store: RunStore, dataset=None):
    """Rebuild a stored run as an Experiment: same config, stored weights and curves (data from its config,
    or from the stored CSV or image files of an uploaded-data run)."""
    from playground.experiment import build

    raw = store.source(info.id) if dataset is None else None
    if raw is not None:
        from playground.data.tabular import csv_dataset

        dataset = csv_dataset(raw, info.cfg.data, info.cfg.seed)
    elif dataset is None and (arrays := upload_arrays(info, store)) is not None:
        from playground.data.images import images_dataset

        dataset = images_dataset(arrays, info.cfg.data, info.cfg.seed)
    exp = build(info.cfg, dataset, sources=backbone_sources(info, store))
    exp.trainer.load_state(store.weights(info.id))
    exp.trainer.history.columns = store.history(info.id)
    exp.trainer.epoch, exp.trainer.steps = info.epochs, info.steps
    return exp
