"""Opening the history database: the connection's settings, a check of the whole file,
the schema's migrations, and a corrupt file moved aside for a fresh one.

Only damage (a failed check, "file is not a database") moves a file aside. A full disk,
a lock held by another process, a read-only folder or a database that is not ours is a
:class:`HistoryUnavailable` that touches nothing: the history is still there once the
cause is gone."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Final

import stamina

from scribble_studio.domain.errors import HistoryLocked, HistoryUnavailable

log = logging.getLogger(__name__)

MIGRATIONS: Final[tuple[str, ...]] = (
    # 1: generations and their images
    """
    CREATE TABLE generations (
        id INTEGER PRIMARY KEY,
        created REAL NOT NULL,
        updated REAL NOT NULL,
        state TEXT NOT NULL,
        source TEXT NOT NULL,
        params TEXT NOT NULL,
        prompt TEXT NOT NULL,
        seed INTEGER NOT NULL,
        scribble TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        credits_after REAL,
        request_id TEXT,
        elapsed REAL,
        error TEXT,
        starred INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX generations_state ON generations(state);
    CREATE INDEX generations_created ON generations(created);
    CREATE TABLE images (
        generation_id INTEGER NOT NULL REFERENCES generations(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        PRIMARY KEY (generation_id, position)
    );
    CREATE INDEX images_sha ON images(sha256);
    """,
    # 2: the job API. Who works on a job (its process's lock), which API took it, when
    # its submit went out, what it cost and the server's timings; the request id is now
    # written at submit time. The old release's "sending" is "submitting": it may have
    # reached the server, and without a request id only the request history can say.
    """
    ALTER TABLE generations ADD COLUMN owner TEXT;
    ALTER TABLE generations ADD COLUMN api TEXT;
    ALTER TABLE generations ADD COLUMN sent_at REAL;
    ALTER TABLE generations ADD COLUMN cost REAL;
    ALTER TABLE generations ADD COLUMN timings TEXT;
    UPDATE generations SET state = 'submitting' WHERE state = 'sending';
    """,
    # 3: models and money. The model, samples and steps of every job, read from its
    # parameters (a job of an older release has no model there: SD 1.5 scribble, the only
    # model it had); what a job cost is the server's word unless cost_estimated says it was
    # worked out from the balance before and after; a failed job whose balance dropped is
    # a billed failure. Old jobs keep their cost, unknown (NULL) where none was recorded.
    """
    ALTER TABLE generations ADD COLUMN model TEXT GENERATED ALWAYS AS
        (COALESCE(json_extract(params, '$.model'), 'sd15-scribble')) VIRTUAL;
    ALTER TABLE generations ADD COLUMN samples INTEGER GENERATED ALWAYS AS
        (json_extract(params, '$.samples')) VIRTUAL;
    ALTER TABLE generations ADD COLUMN steps INTEGER GENERATED ALWAYS AS
        (json_extract(params, '$.steps')) VIRTUAL;
    ALTER TABLE generations ADD COLUMN cost_estimated INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE generations ADD COLUMN credits_before REAL;
    ALTER TABLE generations ADD COLUMN billed_failure INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX generations_model ON generations(model, steps, samples)
    """,
    # 4: iterating, the trash and rescued results. A live job is kept (it was paid for)
    # but hidden from the gallery until the user keeps it; a deleted image or generation
    # goes to the trash (deleted_at) and its files stay until the trash is emptied; a paid
    # result that could not be written into the history's folder records where its images
    # were written instead (saved_to: a JSON list of paths).
    """
    ALTER TABLE generations ADD COLUMN live INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE generations ADD COLUMN kept INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE generations ADD COLUMN deleted_at REAL;
    ALTER TABLE generations ADD COLUMN saved_to TEXT;
    ALTER TABLE images ADD COLUMN deleted_at REAL;
    CREATE INDEX generations_deleted ON generations(deleted_at);
    """,
)


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    try:
        db.row_factory = sqlite3.Row
        if _foreign(db):  # before WAL mode, which would rewrite the other program's file
            raise HistoryUnavailable(
                f"{path} is a database of another program; it was left as it is.",
                "Move that file away, or set SCRIBBLE_STUDIO_HOME to another folder.")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
        db.execute("PRAGMA foreign_keys=ON")
    except BaseException:
        db.close()
        raise
    return db


class _Damaged(Exception):
    """The file is a damaged database (or no database at all): move it aside."""


# Primary result codes (the low byte of an extended code) that mean damage to the file.
_DAMAGE: Final = frozenset({sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB})
_LOCKED: Final = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_READ_ONLY: Final = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN,
                               sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH})
_DISK: Final = frozenset({sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR})
# Below this much free space an I/O error is taken for a full disk.
_LOW_SPACE: Final = 1 << 20


def _code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", -1) or -1) & 0xFF


def _checked(path: Path) -> sqlite3.Connection:
    try:
        db = connect(path)
    except sqlite3.DatabaseError as exc:
        if _code(exc) in _DAMAGE:
            raise _Damaged(str(exc)) from exc
        raise
    try:
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise _Damaged("quick_check failed")
        migrate(db)
        _check_writable(db)
    except sqlite3.DatabaseError as exc:
        db.close()
        if _code(exc) in _DAMAGE:
            raise _Damaged(str(exc)) from exc
        raise
    except BaseException:
        db.close()
        raise
    return db


def unavailable(path: Path, exc: BaseException) -> HistoryUnavailable:
    """The user's words for why the database at ``path`` cannot be used just now."""
    code = _code(exc) if isinstance(exc, sqlite3.Error) else -1
    if code in _LOCKED:
        return HistoryLocked(f"The history ({path}) is locked by another program.")
    try:
        low = shutil.disk_usage(path.parent).free < _LOW_SPACE
    except OSError:
        low = False
    if code == sqlite3.SQLITE_FULL or (code == sqlite3.SQLITE_IOERR and low) or (
            isinstance(exc, OSError) and exc.errno == 28):
        return HistoryUnavailable(f"The disk holding the history ({path}) is full.",
                                  "Free some disk space and try again; the history was "
                                  "not changed.")
    if code in _READ_ONLY or isinstance(exc, PermissionError) or (
            isinstance(exc, OSError) and exc.errno == 30):
        return HistoryUnavailable(
            f"The history ({path}) cannot be written: its folder or file is read-only.",
            "Make the data folder writable, or set SCRIBBLE_STUDIO_HOME to one that is.")
    reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    return HistoryUnavailable(f"The history ({path}) cannot be used: {reason}.")


def _busy(exc: Exception) -> bool:
    return isinstance(exc, sqlite3.Error) and _code(exc) in _LOCKED


def _opened(path: Path) -> sqlite3.Connection:
    """:func:`_checked`, waiting for another process that is creating or migrating the
    same file: SQLite answers some lock upgrades of that moment (the switch of a new file
    to WAL, a deferred reader wanting to write) with "busy" at once, without its busy
    timeout, so those are tried again for a while before the file counts as locked."""
    for attempt in stamina.retry_context(on=_busy, attempts=None, timeout=10.0,
                                         wait_initial=0.05, wait_max=1.0):
        with attempt:
            return _checked(path)
    raise AssertionError("unreachable: stamina re-raises the last error")


def open_database(path: Path) -> tuple[sqlite3.Connection, Path | None]:
    """The checked, migrated database at ``path``, and where a corrupt one was moved
    (``None`` if it was sound). Raises :class:`HistoryUnavailable` (and changes nothing)
    when the file is sound but cannot be used now."""
    try:
        return _opened(path), None
    except _Damaged as exc:
        log.error("history database damaged (%s); moving it aside", exc)
    except (sqlite3.Error, OSError) as exc:
        log.error("history database unavailable (%s)", exc)
        raise unavailable(path, exc) from None
    try:
        moved = _move_aside(path)
        return _checked(path), moved
    except (sqlite3.Error, OSError, _Damaged) as exc:
        log.error("no fresh history database (%s)", exc)
        raise unavailable(path, exc) from None


def _move_aside(path: Path) -> Path:
    """Rename the damaged file (and its -wal and -shm) to a name no earlier move used."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    suffixes = ("", "-wal", "-shm")
    for n in range(1, 1000):
        moved = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{n}" if n > 1 else ""))
        if not any(Path(str(moved) + suffix).exists() for suffix in suffixes):
            break
    else:
        raise OSError(f"too many damaged copies named {path.name}.corrupt-{stamp}")
    for suffix in suffixes:
        old = Path(str(path) + suffix)
        if old.exists():
            old.replace(Path(str(moved) + suffix))
    return moved


def migrate(db: sqlite3.Connection) -> None:
    """Apply the MIGRATIONS the file lacks, in order, in one transaction that reads the
    version too: two processes opening a new folder at once cannot both migrate it."""
    if _version(db) >= len(MIGRATIONS):  # the usual case, without taking the write lock
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _version(db)
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version={number}")
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:  # (SQLite may have rolled back already: a full disk does)
            db.execute("ROLLBACK")
        raise


def _check_writable(db: sqlite3.Connection) -> None:
    """Raise SQLITE_READONLY now, not at the first job, if the file cannot be written
    (SQLite opens a read-only file without a word): a write that is rolled back."""
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(f"PRAGMA user_version={_version(db)}")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")


def _version(db: sqlite3.Connection) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def _foreign(db: sqlite3.Connection) -> bool:
    """Tables, but no version of ours: another program's database (ours always has a
    version, set in the same transaction as the tables). One statement reads both, so
    a process migrating the file at this moment is seen before or after, not half."""
    row = db.execute(
        "SELECT (SELECT user_version FROM pragma_user_version), EXISTS("
        "SELECT 1 FROM sqlite_master WHERE name NOT LIKE 'sqlite_%')").fetchone()
    return bool(row[0] == 0 and row[1])
