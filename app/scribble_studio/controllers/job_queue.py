"""The session's jobs, bounded by memory: the jobs of this session in the order they were
queued, found by id or by history id, with the signals the Jobs panel, the gallery and the
banners follow.

A job that is still to be sent holds its snapshot (the canvas's ``sketch``); once it is
finished (done, failed, cancelled, in doubt) it holds only the exported scribble bytes it
was sent as (what a Retry sends again) and its small thumbnails: a 1024² sketch is a
megabyte or more, its scribble PNG a few kilobytes. And only the most recent finished jobs
stay in the list (the Jobs panel shows recent work; the history has all of it): the oldest
done or cancelled ones go first, then the oldest failed ones; one in doubt stays (it is
still looked up, and the user decides on it)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from PySide6.QtCore import QObject, Signal

from scribble_studio.controllers.job import Job
from scribble_studio.domain.job_state import JobState

# About an afternoon of Generate presses at a glance in the Jobs panel; their thumbnails
# (RGB, 256 px: ~190 kB each) are then some 8 MB at one image a job, 30 MB at four. Older
# jobs are in the gallery and the history. (200 jobs of a 1024² canvas held 200 MB of
# snapshots and 38 MB of thumbnails before: bench/bench_session_memory.py.)
FINISHED_KEPT = 40
FINISHED = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED, JobState.UNKNOWN})
# What goes first when there are too many finished jobs (in doubt: never dropped).
_DROP_ORDER = ((JobState.DONE, JobState.CANCELLED), (JobState.FAILED,))


class JobQueue(QObject):
    job_added = Signal(object)
    job_changed = Signal(object)
    job_removed = Signal(object)
    queue_changed = Signal(int)        # jobs queued, being sent or at the server

    def __init__(self, finished_kept: int = FINISHED_KEPT,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.jobs: list[Job] = []
        self.finished_kept = finished_kept
        self._ids = itertools.count(1)

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self.jobs))

    def __contains__(self, job: object) -> bool:
        return job in self.jobs

    def next_id(self) -> int:
        return next(self._ids)

    def add(self, job: Job) -> Job:
        self.jobs.append(job)
        self.job_added.emit(job)
        if job.state in FINISHED:  # (one of an earlier session, shown as it was left)
            self._finished(job)
        return job

    def remove(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)
            self.job_removed.emit(job)
            self.emit_queue()

    def changed(self, job: Job) -> None:
        """``job`` changed: the views are told; a finished one gives back its memory."""
        if job.state in FINISHED:
            self._finished(job)
            if job in self.jobs:  # (older ones make room before it is shown finished)
                self._trim(keep=job)
        self.job_changed.emit(job)

    def find(self, job_id: int) -> Job | None:
        return next((job for job in self.jobs if job.id == job_id), None)

    def of_history(self, history_id: int) -> Job | None:
        """The job shown for history entry ``history_id``, if any."""
        return next((job for job in self.jobs if job.history_id == history_id), None)

    @property
    def active(self) -> list[Job]:
        return [job for job in self.jobs if job.active]

    @property
    def at_server(self) -> list[Job]:
        return [job for job in self.jobs if job.at_server and not job.elsewhere]

    @property
    def waiting(self) -> list[Job]:
        return [job for job in self.jobs
                if job.state is JobState.WAITING and not job.elsewhere]

    @property
    def last_failed(self) -> Job | None:
        failed = [job for job in self.jobs if job.state is JobState.FAILED]
        return failed[-1] if failed else None

    def emit_queue(self) -> None:
        self.queue_changed.emit(len(self.active))

    @staticmethod
    def _finished(job: Job) -> None:
        # The snapshot is not needed any more: a Retry sends the scribble kept (or the
        # history's copy of it); "resend" and "send anyway" send the history's.
        job.sketch = None

    def _trim(self, keep: Job) -> None:
        finished = [job for job in self.jobs if job.state in FINISHED and job is not keep]
        extra = len(finished) + 1 - self.finished_kept
        for states in _DROP_ORDER:
            if extra <= 0:
                return
            for job in [job for job in finished if job.state in states][:extra]:
                self.remove(job)
                extra -= 1
