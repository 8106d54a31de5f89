"""The outbox's small parts: the events sink that stores a request id the moment it
arrives, and which error answers refused a job (so nothing was billed)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from scribble_studio.domain.errors import (
    ApiError,
    AuthenticationFailed,
    JobFailed,
    NotEnoughCredits,
    RateLimited,
    StudioError,
)
from scribble_studio.services.history import HistoryStore

if TYPE_CHECKING:
    from scribble_studio.services.backends import JobEvents, Progress, Ticket

log = logging.getLogger("scribble_studio.services.outbox")

STORE_TRIES = 5


class StoringEvents:
    """Stores the request id the moment it arrives, then tells the caller. The id is
    kept in memory first: a database that is locked or full at that moment does not
    lose it (the job is followed anyway and the id written again with the result)."""

    def __init__(self, store: HistoryStore, gen_id: int, outer: JobEvents | None) -> None:
        self._store = store
        self._gen_id = gen_id
        self._outer = outer
        self.ticket: Ticket | None = None

    async def submitted(self, ticket: Ticket) -> None:
        self.ticket = ticket
        for attempt in range(STORE_TRIES):
            try:
                await asyncio.shield(asyncio.to_thread(
                    self._store.mark_submitted, self._gen_id, ticket.request_id, ticket.api))
                break
            except Exception:  # locked, full: the job is at the server whatever happens
                log.warning("storing request id of job %d failed (try %d)", self._gen_id,
                            attempt + 1, exc_info=True)
                await asyncio.sleep(0.5 * 2 ** attempt)
        if self._outer is not None:
            await self._outer.submitted(ticket)

    def progress(self, progress: Progress) -> None:
        if self._outer is not None:
            self._outer.progress(progress)


def refused_unbilled(exc: StudioError, ticket: Ticket | None) -> bool:
    """Whether the answer refused the job, so nothing was billed: a rate limit or another
    4xx (not a job the server ran and reported failed). With a ticket only on v1, whose
    one answer is the submit's: a v2 job with an id exists whatever a poll answers."""
    if isinstance(exc, JobFailed) or (ticket is not None and ticket.api != "v1"):
        return False
    return isinstance(exc, (RateLimited, NotEnoughCredits, AuthenticationFailed)) or (
        isinstance(exc, ApiError) and exc.status is not None and 400 <= exc.status < 500)
