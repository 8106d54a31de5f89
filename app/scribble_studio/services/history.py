"""The history: every generation, in SQLite, with its images as files named by SHA-256.

History and outbox are one table. A generation's state is stored before each step:

    waiting  (could not be sent: offline or no key; the outbox)
    queued   (about to be sent)  →  sending  →  done | failed | cancelled
    unknown  (found in "sending" after a crash: it may have been billed)

``sending`` is committed *before* the request goes out, so after a crash nothing
that might have reached the server looks unsent. Only ``waiting`` items are ever sent
by themselves; ``unknown`` ones wait for the user.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.atomic_files import atomic_write

if TYPE_CHECKING:  # (services.history_db imports it where the database is opened: on a
    import sqlite3  # worker, after the window shows; sqlite3 and the datetime it loads
    #                 cost ~2.5 ms of start-up)

DB_FILE: Final = "history.sqlite3"


class State(enum.StrEnum):
    WAITING = "waiting"
    QUEUED = "queued"
    SENDING = "sending"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"


@dataclasses.dataclass(frozen=True, slots=True)
class StoredImage:
    sha256: str
    width: int
    height: int


@dataclasses.dataclass(frozen=True, slots=True)
class Entry:
    """One generation as stored."""

    id: int
    created: float
    updated: float
    state: State
    source: str
    params: GenerationParams
    scribble: str
    width: int
    height: int
    credits_after: float | None
    request_id: str | None
    elapsed: float | None
    error: str | None
    starred: bool
    images: tuple[StoredImage, ...] = ()


class DiskFull(StudioError):
    exit_code = 2
    default_action = "Free some disk space; nothing was changed."


def sha256(data: bytes) -> str:
    import hashlib  # (only when storing: ~1.5 ms kept off the app's start-up)

    return hashlib.sha256(data).hexdigest()


class HistoryStore:
    """Thread-safe (one connection behind a lock): call it from worker threads.

    The database is opened on first use, not here: opening checks the whole file
    (``PRAGMA quick_check``: ~7 ms for 10,000 entries, growing with the history), which
    the app does on a worker after its window shows. With ``recover_on_open`` (the app,
    never the CLI, which may run beside it) opening also settles what a crash left
    behind (:meth:`recover_after_crash`) before anything else uses the database: a job
    recorded in the app's first moments is never mistaken for one the crash left."""

    def __init__(self, folder: Path, *, recover_on_open: bool = False) -> None:
        self.folder = folder
        self.images_dir = folder / "images"
        self.path = folder / DB_FILE
        self.in_doubt: list[int] = []  # left "sending" by a crash, found on opening
        self._recover_on_open = recover_on_open
        self._recovered_from: Path | None = None
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        folder.mkdir(parents=True, exist_ok=True)

    @property
    def _db(self) -> sqlite3.Connection:
        with self._lock:
            if self._connection is None:
                from scribble_studio.services.history_db import open_database

                self._connection, self._recovered_from = open_database(self.path)
                if self._recover_on_open:
                    self.in_doubt = self.recover_after_crash()
            return self._connection

    def open(self) -> None:
        """Open now (the first use would): check, migrate, or replace a corrupt file."""
        self._db  # noqa: B018

    @property
    def recovered_from(self) -> Path | None:
        """Where a corrupt database was moved when it was opened (this opens it)."""
        self.open()
        return self._recovered_from

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()

    def integrity(self) -> str:
        with self._lock:
            return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    # -- files ------------------------------------------------------------------------------

    def image_path(self, digest: str) -> Path:
        return self.images_dir / f"{digest}.png"

    def put_file(self, data: bytes) -> str:
        """Store bytes under their SHA-256 (atomically; once). Raises DiskFull."""
        digest = sha256(data)
        path = self.image_path(digest)
        if not path.exists():
            try:
                atomic_write(path, data)
            except OSError as exc:
                raise DiskFull(f"Cannot write to {self.images_dir}: {exc.strerror or exc}.") \
                    from None
        return digest

    def read_file(self, digest: str) -> bytes | None:
        try:
            return self.image_path(digest).read_bytes()
        except OSError:
            return None

    # -- steps ------------------------------------------------------------------------------

    def record(self, params: GenerationParams, scribble_png: bytes, size: tuple[int, int],
               state: State, source: str = "app") -> int:
        """A new generation with the exact scribble bytes; the file is stored first."""
        digest = self.put_file(scribble_png)
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO generations (created, updated, state, source, params, prompt,"
                " seed, scribble, width, height) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (now, now, state.value, source, json.dumps(params.to_dict()), params.prompt,
                 params.seed if params.seed is not None else -1, digest, *size))
            return int(cursor.lastrowid or 0)

    def set_state(self, gen_id: int, state: State, error: str | None = None,
                  expect: tuple[State, ...] = ()) -> bool:
        """Move to ``state``; with ``expect``, only from one of those states (so two
        senders cannot both claim an item). Returns whether it moved."""
        with self._transaction() as db:
            if expect:
                marks = ",".join("?" * len(expect))
                cursor = db.execute(
                    f"UPDATE generations SET state=?, error=?, updated=? WHERE id=? "
                    f"AND state IN ({marks})",
                    (state.value, error, time.time(), gen_id, *(s.value for s in expect)))
            else:
                cursor = db.execute(
                    "UPDATE generations SET state=?, error=?, updated=? WHERE id=?",
                    (state.value, error, time.time(), gen_id))
            return cursor.rowcount == 1

    def finish(self, gen_id: int, images: list[tuple[bytes, int, int]],
               credits_after: float | None, request_id: str | None, elapsed: float) -> None:
        """Done: the image files are written first, then one transaction records them."""
        stored = [(self.put_file(data), w, h) for data, w, h in images]
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO images (generation_id, position, sha256, width, height)"
                " VALUES (?,?,?,?,?)",
                [(gen_id, n, digest, w, h) for n, (digest, w, h) in enumerate(stored)])
            db.execute("UPDATE generations SET state=?, credits_after=?, request_id=?,"
                       " elapsed=?, error=NULL, updated=? WHERE id=?",
                       (State.DONE.value, credits_after, request_id, elapsed, time.time(),
                        gen_id))

    def recover_after_crash(self) -> list[int]:
        """At start: ``sending`` becomes ``unknown`` (it may have been billed); ``queued``
        becomes ``waiting`` (``sending`` is stored before sending, so it never left)."""
        with self._transaction() as db:
            unknown = [r[0] for r in db.execute(
                "SELECT id FROM generations WHERE state=?", (State.SENDING.value,))]
            db.execute("UPDATE generations SET state=?, updated=? WHERE state=?",
                       (State.UNKNOWN.value, time.time(), State.SENDING.value))
            db.execute("UPDATE generations SET state=?, updated=? WHERE state=?",
                       (State.WAITING.value, time.time(), State.QUEUED.value))
        return unknown

    # -- reading -----------------------------------------------------------------------------

    def _entry(self, row: sqlite3.Row, images: tuple[StoredImage, ...]) -> Entry:
        data: dict[str, Any] = json.loads(row["params"])
        return Entry(row["id"], row["created"], row["updated"], State(row["state"]),
                     row["source"], GenerationParams.from_dict(data), row["scribble"],
                     row["width"], row["height"], row["credits_after"], row["request_id"],
                     row["elapsed"], row["error"], bool(row["starred"]), images)

    def _with_images(self, rows: list[sqlite3.Row]) -> list[Entry]:
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        images: dict[int, list[StoredImage]] = {i: [] for i in ids}
        marks = ",".join("?" * len(ids))
        with self._lock:
            for image in self._db.execute(
                    f"SELECT * FROM images WHERE generation_id IN ({marks}) ORDER BY position",
                    ids):
                images[image["generation_id"]].append(
                    StoredImage(image["sha256"], image["width"], image["height"]))
        return [self._entry(row, tuple(images[row["id"]])) for row in rows]

    def page(self, offset: int = 0, limit: int = 50, search: str = "",
             states: tuple[State, ...] = (), starred: bool = False) -> list[Entry]:
        """Newest first. ``search`` matches the prompt, case-insensitively."""
        where, args = self._filter(search, states, starred)
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM generations {where} ORDER BY created DESC, id DESC "
                "LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
        return self._with_images(rows)

    def count(self, search: str = "", states: tuple[State, ...] = (),
              starred: bool = False) -> int:
        where, args = self._filter(search, states, starred)
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM generations {where}",
                                        args).fetchone()[0])

    @staticmethod
    def _filter(search: str, states: tuple[State, ...],
                starred: bool) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        args: list[Any] = []
        if search.strip():
            clauses.append("prompt LIKE ? ESCAPE '\\'")
            escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            args.append(f"%{escaped}%")
        if states:
            clauses.append(f"state IN ({','.join('?' * len(states))})")
            args.extend(s.value for s in states)
        if starred:
            clauses.append("starred = 1")
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)

    def get(self, gen_id: int) -> Entry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM generations WHERE id=?", (gen_id,)).fetchone()
        return self._with_images([row])[0] if row is not None else None

    def outbox(self) -> list[Entry]:
        """Waiting and unknown items, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM generations WHERE state IN (?,?) ORDER BY created, id",
                (State.WAITING.value, State.UNKNOWN.value)).fetchall()
        return self._with_images(rows)

    # -- editing ------------------------------------------------------------------------------

    def star(self, gen_id: int, starred: bool) -> None:
        with self._transaction() as db:
            db.execute("UPDATE generations SET starred=? WHERE id=?", (int(starred), gen_id))

    def delete(self, gen_id: int) -> list[Path]:
        """Forget a generation and remove the files nothing else refers to."""
        with self._transaction() as db:
            row = db.execute("SELECT scribble FROM generations WHERE id=?", (gen_id,)).fetchone()
            if row is None:
                return []
            digests = {row["scribble"]} | {r[0] for r in db.execute(
                "SELECT sha256 FROM images WHERE generation_id=?", (gen_id,))}
            db.execute("DELETE FROM generations WHERE id=?", (gen_id,))
            orphans = [d for d in digests if not db.execute(
                "SELECT 1 FROM images WHERE sha256=? UNION ALL "
                "SELECT 1 FROM generations WHERE scribble=? LIMIT 1", (d, d)).fetchone()]
        removed = []
        for digest in orphans:
            path = self.image_path(digest)
            path.unlink(missing_ok=True)
            removed.append(path)
        return removed
