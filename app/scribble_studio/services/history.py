"""The history: every generation, in SQLite, with its images as files named by SHA-256.

History and outbox are one table; a generation's state is the job state machine of
:mod:`scribble_studio.domain.job_state`, written by the outbox through the steps here.
Each step is one transaction, committed before the next network step starts.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from scribble_studio.domain.errors import DiskFull  # (re-exported: callers import it here)
from scribble_studio.domain.job_state import OPEN, JobState, after_crash
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.atomic_files import atomic_write
from scribble_studio.services.history_trash import VISIBLE, TrashItem, TrashMixin

if TYPE_CHECKING:  # (results load Pillow: not at the app's start)
    from scribble_studio.domain.results import GenerationResult
if TYPE_CHECKING:  # (services.history_db imports it where the database is opened: on a
    import sqlite3  # worker, after the window shows; sqlite3 and the datetime it loads
    #                 cost ~2.5 ms of start-up)

DB_FILE: Final = "history.sqlite3"


# The history's name for the job states (one enum: the domain's).
State = JobState
# A job Segmind has (or may have): paid for, its result still to come.
AT_SEGMIND: Final = (State.SUBMITTING.value, State.SUBMITTED.value, State.UNKNOWN.value)


@dataclasses.dataclass(frozen=True, slots=True)
class StoredImage:
    sha256: str
    width: int
    height: int
    position: int = 0              # its place in the generation (kept when others go)


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
    owner: str | None = None       # the lock name of the process working on it
    api: str | None = None         # "v2" or "v1"
    sent_at: float | None = None   # when its submit went out (epoch seconds)
    cost: float | None = None      # dollars, as the server said
    timings: dict[str, float] = dataclasses.field(default_factory=dict)
    # Where its paid images were written when the history could not store them.
    saved_to: tuple[str, ...] = ()
    live: bool = False             # made by live mode: hidden from the gallery unless kept
    kept: bool = False             # a live result the user kept (shown like any other)


def _paths(saved_to: str | None) -> tuple[str, ...]:
    """The ``saved_to`` column: a JSON list of paths (anything else reads as none)."""
    try:
        paths = json.loads(saved_to) if saved_to else []
    except ValueError:
        return ()
    return tuple(p for p in paths if isinstance(p, str)) if isinstance(paths, list) else ()


def sha256(data: bytes) -> str:
    import hashlib  # (only when storing: ~1.5 ms kept off the app's start-up)

    return hashlib.sha256(data).hexdigest()


__all__ = ["DB_FILE", "DiskFull", "Entry", "HistoryStore", "State", "StoredImage",
           "TrashItem", "sha256"]


class HistoryStore(TrashMixin):
    """Thread-safe (one connection behind a lock): call it from worker threads.

    The database is opened on first use, not here: opening checks the whole file
    (``PRAGMA quick_check``, growing with the history), which the app does on a worker
    after its window shows."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.images_dir = folder / "images"
        self.path = folder / DB_FILE
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
        with what the job cost and the server's timings."""
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

    def note_saved_to(self, gen_id: int, paths: list[str]) -> None:
        """Where a paid result was written that the history could not store (added to
        what was noted before: a job may be rescued more than once)."""
        with self._transaction() as db:
            row = db.execute("SELECT saved_to FROM generations WHERE id=?", (gen_id,)).fetchone()
            known = list(_paths(row["saved_to"])) if row is not None else []
            db.execute("UPDATE generations SET saved_to=?, updated=? WHERE id=?",
                       (json.dumps(known + [p for p in paths if p not in known]),
                        time.time(), gen_id))

    def settle_orphans(self, alive: Callable[[str | None], bool]) -> list[Entry]:
        """Jobs whose process is gone (``alive(owner)`` is false) become what a crash
        leaves (:func:`after_crash`) and are let go. Returns the settled jobs."""
        marks = ",".join("?" * len(OPEN))
        with self._transaction() as db:
            rows = db.execute(f"SELECT * FROM generations WHERE state IN ({marks}) AND "
                              "(owner IS NOT NULL OR state IN (?, ?, ?)) ORDER BY id",
                              (*(s.value for s in OPEN), State.QUEUED.value,
                               State.SUBMITTING.value, State.SUBMITTED.value)).fetchall()
            settled = []
            for row in rows:
                if alive(row["owner"]):
                    continue
                new = after_crash(State(row["state"]))
                if row["owner"] is None and new is State(row["state"]):
                    continue  # let go of before (submitted, to collect): nothing to settle
                note = ("Scribble Studio stopped while sending it; it may have reached Segmind."
                        if new is not State(row["state"]) and new is State.UNKNOWN
                        else row["error"])
                db.execute("UPDATE generations SET state=?, owner=NULL, error=?, updated=?"
                           " WHERE id=? AND owner IS ?",
                           (new.value, note, time.time(), row["id"], row["owner"]))
                settled.append(row["id"])
        return [e for e in (self.get(i) for i in settled) if e is not None]

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
                     saved_to=_paths(row["saved_to"]), live=bool(row["live"]),
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

    def cancel_stale_live(self, alive: Callable[[str | None], bool]) -> list[int]:
        """Live jobs never sent whose process is gone (or that no process holds) become
        ``cancelled``: a stale live job is worthless, and is never sent later."""
        note = "A live job that was not sent is not sent later."
        unsent = (State.WAITING.value, State.QUEUED.value)
        rows = self.read("SELECT id, owner FROM generations WHERE live = 1 AND state IN (?, ?)",
                         unsent)  # (most starts have none: no write lock is taken for them)
        stale = [(row["id"], row["owner"]) for row in rows
                 if row["owner"] is None or not alive(row["owner"])]
        if not stale:
            return []
        with self._transaction() as db:
            return [gen_id for gen_id, owner in stale if db.execute(
                f"UPDATE generations SET state=?, error=?, owner=NULL, updated=? WHERE id=?"
                f" AND owner IS ? AND state IN ({','.join('?' * len(unsent))})",
                (State.CANCELLED.value, note, time.time(), gen_id, owner, *unsent)).rowcount]

    def keep(self, gen_id: int) -> bool:
        """A live result the user keeps: shown in the gallery like any other from now."""
        with self._transaction() as db:
            return db.execute("UPDATE generations SET kept=1 WHERE id=? AND live=1",
                              (gen_id,)).rowcount == 1

    def request_ids(self, except_id: int) -> frozenset[str]:
        """The request ids every other generation recorded (lower case, no dashes)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT request_id FROM generations WHERE request_id IS NOT NULL AND id != ?",
                (except_id,)).fetchall()
        return frozenset(str(r[0]).replace("-", "").lower() for r in rows)

    def request_owner(self, request_id: str) -> int | None:
        """The generation that recorded this request id (dashes and case aside: the
        request history may spell an id without them), or ``None``."""
        wanted = request_id.replace("-", "").lower()
        with self._lock:
            row = self._db.execute(
                "SELECT id FROM generations WHERE REPLACE(LOWER(request_id), '-', '') = ?"
                " ORDER BY id LIMIT 1", (wanted,)).fetchone()
        return int(row[0]) if row is not None else None

    def usual_seconds(self, api: str, model: str, last: int = 10) -> float | None:
        """How long this API's last finished jobs of ``model`` took here as the server
        timed them (its total time), median: the next job's first status poll goes near
        it. ``None`` with no such job yet (the model spec's time is used). Our own
        elapsed time is no guide: it ends at the poll that saw the job done, so learning
        from it would only ever push the polls later."""
        rows = self.read(
            "SELECT json_extract(timings, '$.total_time') FROM generations WHERE state=? AND"
            " api=? AND model=? AND timings IS NOT NULL ORDER BY id DESC LIMIT ?",
            (State.DONE.value, api, model, last))
        times = sorted(float(r[0]) for r in rows
                       if isinstance(r[0], int | float) and not isinstance(r[0], bool)
                       and r[0] >= 0)
        return times[len(times) // 2] if times else None

    def same_result(self, scribble_sha256: str, params: GenerationParams) -> Entry | None:
        """The newest paid-for job of this very job, or ``None``: the same scribble (the
        SHA-256 of the exact bytes sent) and every parameter equal (model, prompt,
        negative prompt, seed, scheduler, steps, guidance, strength, samples), not in the
        trash, and either finished with at least one image not in the trash (only those
        are in the entry) or still at Segmind (submitting, submitted or unknown: being
        worked on or collected, no images yet). Live results count: they were paid for
        too. A random seed (``None``) is drawn as the job goes out, so it never repeats a
        result."""
        if params.seed is None:
            return None
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM generations g WHERE scribble=? AND seed=? AND model=? AND"
                " prompt=? AND deleted_at IS NULL AND (state IN (?, ?, ?) OR (state=? AND"
                " EXISTS (SELECT 1 FROM images i WHERE i.generation_id=g.id AND"
                " i.deleted_at IS NULL))) ORDER BY id DESC",
                (scribble_sha256, params.seed, params.model, params.prompt, *AT_SEGMIND,
                 State.DONE.value)).fetchall()
            for row in rows:
                entry = self._entry(row, ())
                if entry.params != params:
                    continue
                images = tuple(StoredImage(r["sha256"], r["width"], r["height"])
                               for r in self._db.execute(
                                   "SELECT * FROM images WHERE generation_id=? AND"
                                   " deleted_at IS NULL ORDER BY position", (entry.id,)))
                return dataclasses.replace(entry, images=images)
        return None

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
