"""A first-come, first-served concurrency limit whose place in line is taken at once
(``reserve`` is synchronous), so jobs start in the order they were queued even when
their preparation finishes out of order."""

from __future__ import annotations

import asyncio
from collections import deque


class FifoSlots:
    def __init__(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._running = 0
        self._line: deque[asyncio.Future[None]] = deque()

    @property
    def limit(self) -> int:
        return self._limit

    def set_limit(self, limit: int) -> None:
        self._limit = max(1, limit)
        self._wake()

    def reserve(self) -> asyncio.Future[None]:
        """A place in line; await it for the slot, then :meth:`release` it (or cancel
        the future to leave the line)."""
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._line.append(ticket)
        self._wake()
        return ticket

    def release(self, ticket: asyncio.Future[None]) -> None:
        """Give back a slot (a granted ticket) or leave the line (a waiting one)."""
        if ticket.done() and not ticket.cancelled():
            self._running -= 1
        else:
            ticket.cancel()
        self._wake()

    def _wake(self) -> None:
        while self._running < self._limit and self._line:
            ticket = self._line.popleft()
            if ticket.cancelled():
                continue
            self._running += 1
            ticket.set_result(None)
