"""The history: every generation, in SQLite, with its images as files named by SHA-256.

History and outbox are one table; a generation's state is the job state machine of
:mod:`scribble_studio.domain.job_state`, written by the outbox through the steps here.
Each step is one transaction, committed before the next network step starts.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scribble_studio.domain.errors import DiskFull  # (re-exported: callers import it here)
from scribble_studio.domain.job_state import OPEN, JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history_entries import Entry, StoredImage, paths_of
from scribble_studio.services.history_files import (
    ChangeAnnouncer,
    ChangeKind,
    HistoryChange,
    HistoryFiles,
    sha256,
)
from scribble_studio.services.history_lookups import AT_SEGMIND, LookupsMixin
from scribble_studio.services.history_trash import VISIBLE, TrashItem, TrashMixin

if TYPE_CHECKING:  # (results load Pillow; sqlite3 and its datetime, ~2.5 ms, are loaded
    import sqlite3  # by services.history_db where the database opens: on a worker)

    from scribble_studio.domain.results import GenerationResult

DB_FILE: Final = "history.sqlite3"
log = logging.getLogger(__name__)


# The history's name for the job states (one enum: the domain's).
State = JobState

__all__ = ["AT_SEGMIND", "DB_FILE", "DiskFull", "Entry", "HistoryChange", "HistoryStore",
           "State", "StoredImage", "TrashItem", "sha256"]


class HistoryStore(TrashMixin, LookupsMixin):
    """Thread-safe (one connection behind a lock): call it from worker threads.

    The database is opened on first use, not here: opening checks the whole file
    (``PRAGMA quick_check``, growing with the history), which the app does on a worker
    after its window shows."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.files = HistoryFiles(folder)
        self.images_dir = self.files.images_dir
        self.path = folder / DB_FILE
        self._changes = ChangeAnnouncer()
        self._recovered_from: Path | None = None
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def subscribe(self, callback: Callable[[HistoryChange], None]) -> Callable[[], None]:
        """``callback(change)`` after each committed write that changes what the gallery
        shows (on the writing thread); returns what unsubscribes it."""
        return self._changes.subscribe(callback)

    def _announce(self, kind: ChangeKind, *gen_ids: int) -> None:
        self._changes.announce(kind, *gen_ids)

    @property
    def _db(self) -> sqlite3.Connection:
        with self._lock:
            if self._connection is None:
                from scribble_studio.services.history_db import open_database

                self._connection, self._recovered_from = open_database(self.path)
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
        """One write transaction. A lock held by another program past the busy timeout,
        a full disk or a read-only file is a HistoryUnavailable (a message, not a
        traceback); nothing of the transaction is kept."""
        import sqlite3

        from scribble_studio.services.history_db import unavailable

        with self._lock:
            db = self._db
            try:
                db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise unavailable(self.path, exc) from None
            try:
                yield db
                db.execute("COMMIT")
            except BaseException as exc:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                if isinstance(exc, sqlite3.OperationalError):
                    raise unavailable(self.path, exc) from None
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
        return self.files.image_path(digest)

    def put_file(self, data: bytes) -> str:
        """Store bytes under their SHA-256 (atomically; once). Raises DiskFull."""
        return self.files.put_file(data)

    def read_file(self, digest: str) -> bytes | None:
        return self.files.read_file(digest)

    def thumbnail(self, digest: str) -> bytes | None:
        """A stored image's JPEG thumbnail (≤ 256 px), made now if it has none (an older
        history); ``None`` if the image's file is missing. Call it on a worker."""
        return self.files.thumbnail(digest)

    # -- steps ------------------------------------------------------------------------------

    def record(self, params: GenerationParams, scribble_png: bytes, size: tuple[int, int],
               state: State, source: str = "app", owner: str | None = None,
               live: bool = False) -> int:
        """A new generation with the exact scribble bytes; the file is stored first."""
        digest = self.put_file(scribble_png)
        now = time.time()
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO generations (created, updated, state, source, params, prompt,"
                " seed, scribble, width, height, owner, live) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (now, now, state.value, source, json.dumps(params.to_dict()), params.prompt,
                 params.seed if params.seed is not None else -1, digest, *size, owner,
                 int(live)))
            gen_id = int(cursor.lastrowid or 0)
        if not self.image_path(digest).exists():  # emptied from the trash meanwhile (the
            self.put_file(scribble_png)           # same sketch, deleted by another row)
        return gen_id

    def claim(self, gen_id: int, owner: str, allowed: frozenset[State],
              previous_owner: str | None) -> bool:
        """Move to ``submitting`` for ``owner``, stamped with the time the submit goes
        out, only from an ``allowed`` state and while the row still names
        ``previous_owner`` (so two senders cannot both claim it). A new submit is a new
        request: the id of an earlier one (a failed job sent again) is dropped, so a
        crash now leaves no id that is not this request's."""
        marks = ",".join("?" * len(allowed))
        with self._transaction() as db:
            cursor = db.execute(
                f"UPDATE generations SET state=?, owner=?, sent_at=?, api=NULL, error=NULL,"
                f" request_id=NULL, updated=? WHERE id=? AND state IN ({marks})"
                f" AND owner IS ?",
                (State.SUBMITTING.value, owner, time.time(), time.time(), gen_id,
                 *(s.value for s in allowed), previous_owner))
            return cursor.rowcount == 1

    def adopt(self, gen_id: int, owner: str, previous_owner: str | None,
              states: frozenset[State]) -> bool:
        """Take over a job whose owner is gone (or that has none), in one of ``states``."""
        marks = ",".join("?" * len(states))
        with self._transaction() as db:
            cursor = db.execute(
                f"UPDATE generations SET owner=?, updated=? WHERE id=? AND owner IS ? "
                f"AND state IN ({marks})",
                (owner, time.time(), gen_id, previous_owner, *(s.value for s in states)))
            return cursor.rowcount == 1

    def mark_submitted(self, gen_id: int, request_id: str, api: str) -> None:
        """The server has it: its request id, stored before anything waits on it."""
        with self._transaction() as db:
            db.execute("UPDATE generations SET state=?, request_id=?, api=?, error=NULL,"
                       " updated=? WHERE id=?",
                       (State.SUBMITTED.value, request_id, api, time.time(), gen_id))

    def release(self, gen_id: int, state: State, error: str | None = None) -> None:
        """Set ``state`` and let go of the job (no process works on it any more)."""
        with self._transaction() as db:
            db.execute("UPDATE generations SET state=?, error=?, owner=NULL, updated=?"
                       " WHERE id=?", (state.value, error, time.time(), gen_id))

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
               result: GenerationResult, elapsed: float) -> None:
        """Done: the image files are written first, then one transaction records them
        with what the job cost and the server's timings; then their thumbnails."""
        stored = [(self.put_file(data), w, h) for data, w, h in images]
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO images (generation_id, position, sha256, width, height)"
                " VALUES (?,?,?,?,?)",
                [(gen_id, n, digest, w, h) for n, (digest, w, h) in enumerate(stored)])
            db.execute("UPDATE generations SET state=?, credits_after=?,"
                       " request_id=COALESCE(?, request_id), api=COALESCE(?, api), cost=?,"
                       " timings=?, elapsed=?, error=NULL, owner=NULL, updated=? WHERE id=?",
                       (State.DONE.value, result.credits, result.request_id, result.api,
                        result.cost, json.dumps(dict(result.timings)) if result.timings
                        else None, elapsed, time.time(), gen_id))
        # After the paid result is recorded: a thumbnail is never what stops that (one
        # missing is made again when shown), and it is there before the gallery hears.
        for (digest, _, _), (data, _, _) in zip(stored, images, strict=True):
            try:
                self.files.put_thumbnail(digest, data)
            except Exception:
                log.warning("no thumbnail made for %s", digest[:12], exc_info=True)
        self._announce("added", gen_id)

    def note_saved_to(self, gen_id: int, paths: list[str]) -> None:
        """Where a paid result was written that the history could not store (added to
        what was noted before: a job may be rescued more than once)."""
        with self._transaction() as db:
            row = db.execute("SELECT saved_to FROM generations WHERE id=?", (gen_id,)).fetchone()
            known = list(paths_of(row["saved_to"])) if row is not None else []
            db.execute("UPDATE generations SET saved_to=?, updated=? WHERE id=?",
                       (json.dumps(known + [p for p in paths if p not in known]),
                        time.time(), gen_id))

    # -- reading -----------------------------------------------------------------------------

    def _entry(self, row: sqlite3.Row, images: tuple[StoredImage, ...]) -> Entry:
        data: dict[str, Any] = json.loads(row["params"])
        timings = json.loads(row["timings"]) if row["timings"] else {}
        return Entry(row["id"], row["created"], row["updated"], State(row["state"]),
                     row["source"], GenerationParams.from_dict(data), row["scribble"],
                     row["width"], row["height"], row["credits_after"], row["request_id"],
                     row["elapsed"], row["error"], bool(row["starred"]), images,
                     row["owner"], row["api"], row["sent_at"], row["cost"],
                     timings if isinstance(timings, dict) else {},
                     saved_to=paths_of(row["saved_to"]), live=bool(row["live"]),
                     kept=bool(row["kept"]))

    def _with_images(self, rows: list[sqlite3.Row], trashed: bool = False) -> list[Entry]:
        """Entries with their images: those not in the trash (or, ``trashed``, those in
        it)."""
        if not rows:
            return []
        ids = [row["id"] for row in rows]
        images: dict[int, list[StoredImage]] = {i: [] for i in ids}
        marks = ",".join("?" * len(ids))
        which = "IS NOT NULL" if trashed else "IS NULL"
        with self._lock:
            for image in self._db.execute(
                    f"SELECT * FROM images WHERE generation_id IN ({marks}) AND deleted_at"
                    f" {which} ORDER BY position", ids):
                images[image["generation_id"]].append(
                    StoredImage(image["sha256"], image["width"], image["height"],
                                image["position"]))
        return [self._entry(row, tuple(images[row["id"]])) for row in rows]

    def page(self, offset: int = 0, limit: int = 50, search: str = "",
             states: tuple[State, ...] = (), starred: bool = False,
             live: bool = False) -> list[Entry]:
        """Newest first, without what is in the trash. ``search`` matches the prompt,
        case-insensitively (and a number the seed too). Live results not kept are left
        out unless ``live``."""
        where, args = self._filter(search, states, starred, live)
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM generations {where} ORDER BY created DESC, id DESC "
                "LIMIT ? OFFSET ?", (*args, limit, offset)).fetchall()
        return self._with_images(rows)

    def count(self, search: str = "", states: tuple[State, ...] = (),
              starred: bool = False, live: bool = False) -> int:
        where, args = self._filter(search, states, starred, live)
        with self._lock:
            return int(self._db.execute(f"SELECT COUNT(*) FROM generations {where}",
                                        args).fetchone()[0])

    @staticmethod
    def matches(params: GenerationParams, search: str) -> bool:
        """Whether a job of ``params`` is found by ``search``: the same rule as the SQL of
        :meth:`_filter`, for an entry that is not read back (a new result, the trash)."""
        wanted = search.strip()
        if not wanted:
            return True
        if wanted.isdigit() and params.seed == int(wanted[:18]):
            return True
        return wanted.casefold() in params.prompt.casefold()

    @staticmethod
    def _filter(search: str, states: tuple[State, ...], starred: bool,
                live: bool = False) -> tuple[str, tuple[Any, ...]]:
        # (a live job in doubt may have been paid for and not collected: it is findable)
        clauses: list[str] = [VISIBLE] + ([] if live else [
            f"(live = 0 OR kept = 1 OR state = '{State.UNKNOWN.value}')"])
        args: list[Any] = []
        if search.strip():
            escaped = search.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            if search.strip().isdigit():  # a number may be a seed as well as words
                clauses.append("(prompt LIKE ? ESCAPE '\\' OR seed = ?)")
                args.extend([f"%{escaped}%", int(search.strip()[:18])])
            else:
                clauses.append("prompt LIKE ? ESCAPE '\\'")
                args.append(f"%{escaped}%")
        if states:
            clauses.append(f"state IN ({','.join('?' * len(states))})")
            args.extend(s.value for s in states)
        if starred:
            clauses.append("starred = 1")
        return ("WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)

    def read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """Rows of one read-only query (for the ledger and other readers of this table)."""
        with self._lock:
            return list(self._db.execute(sql, args).fetchall())

    def write(self, sql: str, args: tuple[Any, ...] = ()) -> int:
        """One statement in its own transaction; returns the rows it changed."""
        with self._transaction() as db:
            return int(db.execute(sql, args).rowcount)

    def get(self, gen_id: int) -> Entry | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM generations WHERE id=?", (gen_id,)).fetchone()
        return self._with_images([row])[0] if row is not None else None

    def outbox(self) -> list[Entry]:
        """Every job not finished (waiting, queued, at the server, unknown), oldest first;
        a live job that was not sent is never in it (it is cancelled, not sent later)."""
        marks = ",".join("?" * len(OPEN))
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM generations WHERE state IN ({marks}) AND NOT (live = 1 AND"
                " state IN (?, ?)) ORDER BY created, id",
                (*(s.value for s in OPEN), State.WAITING.value, State.QUEUED.value)
            ).fetchall()
        return self._with_images(rows)

    def keep(self, gen_id: int) -> bool:
        """A live result the user keeps: shown in the gallery like any other from now."""
        with self._transaction() as db:
            kept = db.execute("UPDATE generations SET kept=1 WHERE id=? AND live=1",
                              (gen_id,)).rowcount == 1
        self._announce("added", *([gen_id] if kept else []))
        return kept

    # -- editing ------------------------------------------------------------------------------

    def star(self, gen_id: int, starred: bool) -> None:
        with self._transaction() as db:
            db.execute("UPDATE generations SET starred=? WHERE id=?", (int(starred), gen_id))
        self._announce("changed", gen_id)

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
        self._announce("removed", gen_id)
        return [self.files.remove(digest) for digest in orphans]
