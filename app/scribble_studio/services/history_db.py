"""Opening the history database: the connection's settings, a check of the whole file,
the schema's migrations, and a corrupt file moved aside for a fresh one."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path
from typing import Final

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
)


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def open_database(path: Path) -> tuple[sqlite3.Connection, Path | None]:
    """The checked, migrated database at ``path``, and where a corrupt one was moved
    (``None`` if it was sound)."""
    try:
        db = connect(path)
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("quick_check failed")
        migrate(db)
        return db, None
    except sqlite3.DatabaseError as exc:
        log.error("history database unusable (%s); starting a fresh one", exc)
        moved = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        for suffix in ("", "-wal", "-shm"):
            old = Path(str(path) + suffix)
            if old.exists():
                old.replace(Path(str(moved) + suffix))
        db = connect(path)
        migrate(db)
        return db, moved


def migrate(db: sqlite3.Connection) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in filter(str.strip, script.split(";")):
                db.execute(statement)
            db.execute(f"PRAGMA user_version={number}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
