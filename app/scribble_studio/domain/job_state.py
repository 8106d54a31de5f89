"""The one job state machine: what a generation can be, what may be sent without asking,
and what a crash leaves.

    waiting ─┐                      (in the outbox: offline, no key, rate limited)
    queued ──┴→ submitting → submitted → done
                    │            │  └──→ failed      (the server said FAILED: not billed)
                    │            └─────→ (stays)     (app quit / network gone: collected later)
                    ├→ waiting | failed              (refused before any job existed)
                    └→ unknown                       (no answer, and the request history
                                                      does not know it: maybe billed)
    cancelled                        (never sent, or discarded by the user)

``submitting`` is stored *before* the request goes out and ``submitted`` (with the
server's request id) as soon as the id arrives, before waiting for the result: after a
crash nothing that might have reached the server looks unsent, and anything with a
request id is collected instead of paid for again. The outbox is the only code that
writes these; the session, the gallery and the CLI observe them.
"""

from __future__ import annotations

import enum
from typing import Final


class JobState(enum.StrEnum):
    WAITING = "waiting"
    QUEUED = "queued"
    SUBMITTING = "submitting"
    SUBMITTED = "submitted"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def safe_to_send(self) -> bool:
        """Never sent before: it may go out without asking anyone."""
        return self in SAFE_TO_SEND

    @property
    def finished(self) -> bool:
        return self in FINISHED

    @property
    def at_server(self) -> bool:
        """A request for it may exist at the server (sending again could pay twice)."""
        return self in (JobState.SUBMITTING, JobState.SUBMITTED, JobState.UNKNOWN)


SAFE_TO_SEND: Final = frozenset({JobState.WAITING, JobState.QUEUED})
FINISHED: Final = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})
# What only the user's word sends again (it may have been billed, or it failed).
RESEND_ON_REQUEST: Final = frozenset({JobState.UNKNOWN, JobState.FAILED, JobState.CANCELLED})
# Kept in the outbox: not finished, so something will still happen to it.
OPEN: Final = frozenset(set(JobState) - FINISHED)

TRANSITIONS: Final[dict[JobState, frozenset[JobState]]] = {
    JobState.WAITING: frozenset({JobState.SUBMITTING, JobState.CANCELLED, JobState.QUEUED}),
    JobState.QUEUED: frozenset({JobState.SUBMITTING, JobState.WAITING, JobState.CANCELLED}),
    JobState.SUBMITTING: frozenset({JobState.SUBMITTED, JobState.WAITING, JobState.FAILED,
                                    JobState.UNKNOWN, JobState.DONE}),
    JobState.SUBMITTED: frozenset({JobState.DONE, JobState.FAILED}),
    JobState.UNKNOWN: frozenset({JobState.SUBMITTED, JobState.SUBMITTING, JobState.CANCELLED,
                                 JobState.UNKNOWN}),
    JobState.FAILED: frozenset({JobState.SUBMITTING}),
    JobState.CANCELLED: frozenset({JobState.SUBMITTING}),
    JobState.DONE: frozenset(),
}


def may_move(old: JobState, new: JobState) -> bool:
    return new in TRANSITIONS[old]


def after_crash(state: JobState) -> JobState:
    """What a job becomes once the process working on it is gone. A job with a request
    id stays ``submitted`` (it is collected); one whose submit may have gone out without
    an answer is ``unknown`` until the request history says otherwise; one that was only
    queued never left and waits."""
    if state is JobState.SUBMITTING:
        return JobState.UNKNOWN
    if state is JobState.QUEUED:
        return JobState.WAITING
    return state
