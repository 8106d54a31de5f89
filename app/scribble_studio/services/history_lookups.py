"""The history's look-ups and recovery steps: what a crash left (orphans, stale live
jobs), request ids, the usual time of a model, and the same paid result of a job. A mixin
of :class:`~scribble_studio.services.history.HistoryStore` (split from it by size)."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Final

from scribble_studio.domain.job_state import OPEN, JobState, after_crash
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history_entries import Entry, StoredImage

if TYPE_CHECKING:
    import sqlite3
    import threading


State = JobState
# A job Segmind has (or may have): paid for, its result still to come.
AT_SEGMIND: Final = (State.SUBMITTING.value, State.SUBMITTED.value, State.UNKNOWN.value)


class LookupsMixin:
    """The look-ups and recovery steps of the history store."""

    if TYPE_CHECKING:
        _lock: threading.RLock

        @property
        def _db(self) -> sqlite3.Connection: ...
        def _transaction(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _entry(self, row: sqlite3.Row, images: tuple[Any, ...]) -> Entry: ...
        def get(self, gen_id: int) -> Entry | None: ...
        def read(self, sql: str, args: tuple[Any, ...] = ()) -> list[sqlite3.Row]: ...
        def _with_images(self, rows: list[sqlite3.Row],
                         trashed: bool = False) -> list[Entry]: ...
        @staticmethod
        def _filter(search: str, states: tuple[JobState, ...], starred: bool,
                    live: bool = False) -> tuple[str, tuple[Any, ...]]: ...

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

    def visible(self, gen_ids: tuple[int, ...], search: str = "",
                states: tuple[State, ...] = (), starred: bool = False) -> list[Entry]:
        """Which of ``gen_ids`` a page of these arguments would show (the same rule as
        :meth:`page`), newest first: what a change announced means for a list."""
        where, args = self._filter(search, states, starred)
        marks = ",".join("?" * len(gen_ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT * FROM generations {where} AND id IN ({marks}) ORDER BY created DESC,"
                " id DESC", (*args, *gen_ids)).fetchall()
        return self._with_images(rows)
