"""The history's trash: deleting an image or a generation marks it (``deleted_at``),
restoring clears the mark, and only emptying the trash (by the user, or for what has been
there 30 days, swept at start-up) removes image files.

A generation's row is never removed: it is the ledger's record of money spent, so spend
figures still count what was deleted. Emptying removes the image rows and the files no
other row still uses (files are named by their SHA-256, so two images may share one)."""

from __future__ import annotations

import dataclasses
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import sqlite3
    import threading

    from scribble_studio.services.history import Entry
    from scribble_studio.services.history_files import ChangeKind, HistoryFiles

TRASH_DAYS: Final = 30
_DAY: Final = 86400.0

# What the gallery, `history list`, search and counts show: no generation in the trash
# (one whose every image was deleted one by one is deleted as a whole: see trash_image).
# One indexed column, so the first page of a large history costs what it did.
VISIBLE: Final = "generations.deleted_at IS NULL"

# A generation that still has something in the trash: its row is deleted (with images
# left) or some of its images are.
_IN_TRASH: Final = (
    "EXISTS (SELECT 1 FROM images i WHERE i.generation_id = g.id AND (g.deleted_at IS NOT"
    " NULL OR i.deleted_at IS NOT NULL))")
_DELETED_AT: Final = (
    "COALESCE(g.deleted_at, (SELECT MAX(i.deleted_at) FROM images i WHERE i.generation_id"
    " = g.id))")
# A generation whose trash was emptied: deleted, no image rows. Its scribble is free.
_PURGED: Final = (
    "g.deleted_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM images i WHERE"
    " i.generation_id = g.id)")
# Only a finished job goes to the trash: one still open (queued, being sent, at the
# server, in doubt) may yet be collected, and its paid images would land in the trash.
FINISHED: Final = ("done", "failed", "cancelled")
_FINISHED_SQL: Final = f"state IN ({', '.join(repr(s) for s in FINISHED)})"
# What the user's "Discard" cancels: a job waiting, in doubt or failed (never one sent).
DISCARDABLE: Final = ("waiting", "unknown", "failed")


@dataclasses.dataclass(frozen=True, slots=True)
class TrashItem:
    """What one generation has in the trash: all of it (``whole``: its images are
    ``entry.images``) or some of its images (``entry.images`` are those)."""

    entry: Entry
    deleted_at: float
    whole: bool

    @property
    def expires(self) -> float:
        return self.deleted_at + TRASH_DAYS * _DAY


class TrashMixin:
    """The trash methods of :class:`~scribble_studio.services.history.HistoryStore`."""

    if TYPE_CHECKING:
        _lock: threading.RLock

        @property
        def _db(self) -> sqlite3.Connection: ...
        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _with_images(self, rows: list[sqlite3.Row],
                         trashed: bool = False) -> list[Entry]: ...
        def image_path(self, digest: str) -> Path: ...
        files: HistoryFiles
        def _announce(self, kind: ChangeKind, *gen_ids: int) -> None: ...

    def trash_image(self, gen_id: int, position: int) -> bool:
        """Put one image of a generation in the trash; False if it was not there. The
        last image left takes its generation along (restoring any image brings the
        generation back). An image of a job still open is not moved."""
        now = time.time()
        with self._transaction() as db:
            moved = db.execute(
                "UPDATE images SET deleted_at=? WHERE generation_id=? AND position=? AND"
                " deleted_at IS NULL AND EXISTS (SELECT 1 FROM generations WHERE id=? AND"
                f" {_FINISHED_SQL})", (now, gen_id, position, gen_id)).rowcount == 1
            whole = db.execute(
                "UPDATE generations SET deleted_at=? WHERE id=? AND deleted_at IS NULL AND NOT"
                " EXISTS (SELECT 1 FROM images WHERE generation_id=? AND deleted_at IS NULL)",
                (now, gen_id, gen_id)).rowcount == 1
        if moved:
            self._announce("removed" if whole else "changed", gen_id)
        return moved

    def trash_generation(self, gen_id: int) -> bool:
        """Put a whole generation in the trash (images deleted one by one before stay
        deleted one by one); False if it already was, or if the job is still open."""
        with self._transaction() as db:
            moved = db.execute("UPDATE generations SET deleted_at=? WHERE id=? AND deleted_at"
                               f" IS NULL AND {_FINISHED_SQL}", (time.time(), gen_id)
                               ).rowcount == 1
        self._announce("removed", *([gen_id] if moved else []))
        return moved

    def discard_generation(self, gen_id: int) -> bool:
        """The user's "Discard" of a stopped job: cancelled if it is waiting, in doubt or
        failed, then put in the trash, in one transaction: a job found at the server
        meanwhile (now submitted, being collected) is neither cancelled nor trashed.
        Returns whether it went to the trash (or already was there)."""
        now = time.time()
        marks = ",".join("?" * len(DISCARDABLE))
        with self._transaction() as db:
            db.execute(f"UPDATE generations SET state='cancelled', error='Discarded.', updated=?"
                       f" WHERE id=? AND state IN ({marks})", (now, gen_id, *DISCARDABLE))
            db.execute("UPDATE generations SET deleted_at=? WHERE id=? AND deleted_at IS NULL"
                       f" AND {_FINISHED_SQL}", (now, gen_id))
            row = db.execute("SELECT deleted_at FROM generations WHERE id=?",
                             (gen_id,)).fetchone()
            trashed = row is not None and row[0] is not None
        self._announce("removed", *([gen_id] if trashed else []))
        return trashed

    def restore(self, gen_id: int, positions: tuple[int, ...] | None = None) -> None:
        """Take a generation out of the trash: everything of it (``positions`` None), or
        the generation and only the images at ``positions`` (an undo of exactly what
        one delete did: ``()`` for a whole-generation delete)."""
        with self._transaction() as db:
            db.execute("UPDATE generations SET deleted_at=NULL WHERE id=?", (gen_id,))
            if positions is None:
                db.execute("UPDATE images SET deleted_at=NULL WHERE generation_id=?",
                           (gen_id,))
            else:
                db.executemany("UPDATE images SET deleted_at=NULL WHERE generation_id=? AND"
                               " position=?", [(gen_id, p) for p in positions])
        self._announce("added", gen_id)

    def trash(self) -> list[TrashItem]:
        """What is in the trash, most recently deleted first."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT g.*, {_DELETED_AT} AS trashed_at FROM generations g WHERE"
                f" {_IN_TRASH} ORDER BY trashed_at DESC, g.id DESC").fetchall()
        whole = [r for r in rows if r["deleted_at"] is not None]
        some = [r for r in rows if r["deleted_at"] is None]
        entries = {e.id: e for e in self._with_images(some, trashed=True)}
        if whole:  # all of a deleted generation's images, wherever they are
            entries |= {e.id: dataclasses.replace(e, images=tuple(sorted(
                e.images + e2.images, key=lambda i: i.position)))
                for e, e2 in zip(self._with_images(whole), self._with_images(whole, True),
                                 strict=True)}
        return [TrashItem(entries[r["id"]], float(r["trashed_at"]), r["deleted_at"] is not None)
                for r in rows]

    def trash_count(self) -> int:
        with self._lock:
            return int(self._db.execute(
                f"SELECT COUNT(*) FROM generations g WHERE {_IN_TRASH}").fetchone()[0])

    def empty_trash(self, before: float | None = None) -> list[Path]:
        """Remove what is in the trash (deleted at ``before`` or earlier, if given): the
        image rows, and the files (images, and the scribbles of whole generations) no
        remaining row uses. Generation rows stay, for the ledger. Returns the removed
        files."""
        cutoff = before if before is not None else float("inf")
        with self._transaction() as db:
            whole = [r[0] for r in db.execute(
                "SELECT id FROM generations WHERE deleted_at IS NOT NULL AND deleted_at <= ?",
                (cutoff,))]
            marks = ",".join("?" * len(whole))
            gone = db.execute(
                f"SELECT generation_id, sha256 FROM images WHERE (deleted_at IS NOT NULL AND"
                f" deleted_at <= ?) OR generation_id IN ({marks})", (cutoff, *whole)).fetchall()
            db.execute(f"DELETE FROM images WHERE (deleted_at IS NOT NULL AND deleted_at <= ?)"
                       f" OR generation_id IN ({marks})", (cutoff, *whole))
            touched = {r[0] for r in gone}
            # A finished generation with no image left is deleted as a whole (its row
            # stays, out of every list).
            db.executemany("UPDATE generations SET deleted_at=? WHERE id=? AND deleted_at IS"
                           " NULL AND NOT EXISTS (SELECT 1 FROM images WHERE generation_id=?)",
                           [(time.time(), i, i) for i in touched])
            # The scribbles of whole generations too: a discarded job has no image, and
            # its scribble is free once no other job (a retry) uses it.
            owners = touched | set(whole)
            scribbles = {r[0] for r in db.execute(
                f"SELECT scribble FROM generations WHERE id IN ({','.join('?' * len(owners))})",
                tuple(owners))}
            digests = {r[1] for r in gone} | scribbles
            orphans = [d for d in sorted(digests) if not db.execute(
                f"SELECT 1 FROM images WHERE sha256=? UNION ALL SELECT 1 FROM generations g"
                f" WHERE g.scribble=? AND NOT ({_PURGED}) LIMIT 1", (d, d)).fetchone()]
            # Removed while the store's lock is held: no other reader of this store
            # counts on them meanwhile.
            # (an image's thumbnail goes with it)
            removed = [self.files.remove(digest) for digest in orphans]
        return removed

    def sweep_trash(self, now: float | None = None) -> list[Path]:
        """Empty what has been in the trash for 30 days (at start-up, on a worker)."""
        return self.empty_trash(before=(now if now is not None else time.time())
                                - TRASH_DAYS * _DAY)
