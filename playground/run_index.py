"""The run store's index: a SQLite table that lists runs fast, and is rebuilt from the run folders when it is lost.

The truth is the folders: each `runs/<id>/run.json` holds everything a listing shows (its record), written
with the run's other files before the folder is renamed into place. The index mirrors those records. It
heals itself: a missing or unreadable database (`sqlite3.DatabaseError`: not a database, malformed) is set
aside as `runs.sqlite.damaged-<time>` and rebuilt from the folders; a row whose folder is gone is dropped;
a folder whose row is missing (a save that raced a rebuild) is added back. Each repair leaves a notice.
Folders from before run.json (config.json and history.json only) are listed with a record made from those.
This module does not know about models, configs or owners' rights: it stores and returns records (dicts).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from playground.history import NOT_SCORES

FIELDS = ("id", "name", "lab", "created", "config", "metrics", "steps", "epochs", "status", "digest", "owner",
          "token")
SCHEMA = """CREATE TABLE IF NOT EXISTS runs (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, lab TEXT NOT NULL, created REAL NOT NULL,
    config TEXT NOT NULL, metrics TEXT NOT NULL, steps INTEGER NOT NULL, epochs INTEGER NOT NULL,
    status TEXT NOT NULL, digest TEXT, owner TEXT NOT NULL DEFAULT '', token TEXT NOT NULL DEFAULT '')"""
ADDED = {"digest": "TEXT", "owner": "TEXT NOT NULL DEFAULT ''", "token": "TEXT NOT NULL DEFAULT ''"}
RECORD = "run.json"
T = TypeVar("T")


def read_record(folder: Path) -> dict[str, Any] | None:
    """A run folder's record: its run.json, or one made from config.json and history.json (older runs);
    None for a folder that holds neither (not a run)."""
    try:
        return json.loads((folder / RECORD).read_text())
    except (OSError, ValueError):
        pass
    try:
        config = (folder / "config.json").read_text()
        history = json.loads((folder / "history.json").read_text())
    except (OSError, ValueError):
        return None
    epochs = history.get("epoch") or [0]
    steps = history.get("step") or [0]
    metrics = {k: v[-1] for k, v in history.items() if v and k not in NOT_SCORES
               and isinstance(v[-1], int | float | type(None))}
    return {"id": folder.name, "name": folder.name, "lab": json.loads(config).get("lab", "playground"),
            "created": folder.stat().st_mtime, "config": config, "metrics": metrics, "steps": int(steps[-1] or 0),
            "epochs": int(epochs[-1] or 0), "status": "stored", "digest": None, "owner": "", "token": ""}


def _row(record: dict[str, Any]) -> tuple:
    return tuple(json.dumps(record[f]) if f == "metrics" else record.get(f) for f in FIELDS)


class RunIndex:
    """runs.sqlite over the folders in `runs_dir`; every call heals a damaged database once and retries."""

    def __init__(self, db: Path, runs_dir: Path):
        self.db, self.runs_dir = db, runs_dir
        self.notices: list[str] = []
        self._call(self._ensure_schema)

    # -- healing -----------------------------------------------------------------------------

    def _call(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        try:
            with self._connect() as con:
                return fn(con)
        except sqlite3.DatabaseError as err:
            if isinstance(err, sqlite3.OperationalError):   # locked, unwritable: not damage, nothing to rebuild
                raise
            self.rebuild(reason="damaged")
            with self._connect() as con:
                return fn(con)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.db, timeout=10)
        try:
            con.execute("PRAGMA journal_mode=WAL")
            with con:   # one transaction: committed on success, rolled back on error
                yield con
        finally:
            con.close()

    def _ensure_schema(self, con: sqlite3.Connection) -> None:
        con.execute(SCHEMA)
        have = {row[1] for row in con.execute("PRAGMA table_info(runs)")}
        for column, decl in ADDED.items():   # a store from before these columns
            if column not in have:
                con.execute(f"ALTER TABLE runs ADD COLUMN {column} {decl}")

    def rebuild(self, reason: str = "asked") -> int:
        """Write a new index from the run folders and put it in place of the old one; returns the runs listed.
        A damaged old database is kept beside it (`runs.sqlite.damaged-<time>`) for a look by hand."""
        tmp = self.db.with_name(f".{self.db.name}.rebuild-{os.getpid()}-{time.time_ns()}")
        con = sqlite3.connect(tmp)
        try:
            with con:
                con.execute(SCHEMA)
                records = [r for f in self._folders() if (r := read_record(f)) is not None]
                con.executemany(f"INSERT OR REPLACE INTO runs ({', '.join(FIELDS)}) VALUES "
                                f"({', '.join('?' * len(FIELDS))})", [_row(r) for r in records])
        finally:
            con.close()
        if reason == "damaged" and self.db.exists():
            os.replace(self.db, self.db.with_name(f"{self.db.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"))
        for side in ("-wal", "-shm"):   # an old write-ahead log must never be replayed onto the new file
            self.db.with_name(self.db.name + side).unlink(missing_ok=True)
        os.replace(tmp, self.db)
        if reason == "damaged":
            self.notices.append(f"The run index was damaged; it was rebuilt from the run folders ({len(records)} "
                                "runs), and no run was lost.")
        return len(records)

    def _folders(self) -> list[Path]:
        return [p for p in self.runs_dir.iterdir() if p.is_dir() and not p.name.startswith(".")]

    def reconcile(self) -> None:
        """Drop rows whose folder is gone and add folders that have no row (each with a notice)."""
        folders = {p.name: p for p in self._folders()}

        def fix(con: sqlite3.Connection) -> None:
            ids = {row[0]: row[1] for row in con.execute("SELECT id, name FROM runs")}
            gone = [i for i in ids if i not in folders]
            con.executemany("DELETE FROM runs WHERE id=?", [(i,) for i in gone])
            if gone:
                self.notices.append(f"{len(gone)} run(s) whose files are gone were removed from the list.")
            found = [r for name, f in folders.items() if name not in ids and (r := read_record(f)) is not None]
            con.executemany(f"INSERT OR REPLACE INTO runs ({', '.join(FIELDS)}) VALUES "
                            f"({', '.join('?' * len(FIELDS))})", [_row(r) for r in found])

        self._call(fix)

    # -- reading and writing -----------------------------------------------------------------

    def insert(self, record: dict[str, Any]) -> None:
        self._call(lambda con: con.execute(f"INSERT OR REPLACE INTO runs ({', '.join(FIELDS)}) VALUES "
                                           f"({', '.join('?' * len(FIELDS))})", _row(record)))

    def update(self, run_id: str, **values: Any) -> None:
        sets = ", ".join(f"{k}=?" for k in values)
        self._call(lambda con: con.execute(f"UPDATE runs SET {sets} WHERE id=?", (*values.values(), run_id)))

    def delete(self, run_id: str) -> None:
        self._call(lambda con: con.execute("DELETE FROM runs WHERE id=?", (run_id,)))

    def select(self, where: str = "", params: tuple = ()) -> list[dict[str, Any]]:
        """Records matching `where` (SQL over FIELDS, with ? parameters), newest first."""
        query = f"SELECT {', '.join(FIELDS)} FROM runs" + (f" WHERE {where}" if where else "") + \
            " ORDER BY created DESC"
        rows = self._call(lambda con: con.execute(query, params).fetchall())
        return [dict(zip(FIELDS, row)) for row in rows]
