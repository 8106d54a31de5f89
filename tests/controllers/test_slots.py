"""The first-come, first-served concurrency limit: a place in line is taken when it is
reserved, a slot is granted in that order and only under the limit, and leaving the line
or giving a slot back lets the next one in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from scribble_studio.controllers.slots import FifoSlots
from tests.asyncqt import until

T = TypeVar("T")


def on_a_loop(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run ``scenario`` on a loop of its own (the slots need a running loop to reserve)."""

    async def main() -> T:
        return await scenario()

    return asyncio.run(main())


def granted(tickets: list[asyncio.Future[None]]) -> list[bool]:
    return [t.done() and not t.cancelled() for t in tickets]


def test_slots_are_granted_in_the_order_they_were_reserved_up_to_the_limit() -> None:
    async def scenario() -> list[list[bool]]:
        slots = FifoSlots(2)
        tickets = [slots.reserve() for _ in range(4)]
        seen = [granted(tickets)]
        slots.release(tickets[1])  # the second finishes first: the third goes next
        seen.append(granted(tickets))
        slots.release(tickets[0])
        seen.append(granted(tickets))
        return seen

    first, after_one, after_two = on_a_loop(scenario)
    assert first == [True, True, False, False]
    assert after_one == [True, True, True, False]
    assert after_two == [True, True, True, True]


def test_jobs_start_in_line_order_even_when_they_get_ready_out_of_order() -> None:
    # Each job reserves its place at once, then "prepares" (the last one quickest)
    # before it awaits the slot: the order it started in is the line's, not readiness'.
    async def scenario() -> list[int]:
        slots = FifoSlots(1)
        started: list[int] = []
        ready = [asyncio.Event() for _ in range(3)]
        in_line = [asyncio.Event() for _ in range(3)]

        async def job(number: int, ticket: asyncio.Future[None]) -> None:
            await ready[number].wait()
            in_line[number].set()
            await ticket
            started.append(number)
            # The slot is held until every job awaits its ticket: none can jump the line.
            await until(lambda: all(e.is_set() for e in in_line), what="every job in line")
            slots.release(ticket)

        tasks = [asyncio.create_task(job(n, slots.reserve())) for n in range(3)]
        for number in reversed(range(3)):
            ready[number].set()
            await in_line[number].wait()
        await asyncio.gather(*tasks)
        return started

    assert on_a_loop(scenario) == [0, 1, 2]


def test_leaving_the_line_gives_the_place_to_the_next_without_freeing_a_slot() -> None:
    async def scenario() -> tuple[list[bool], list[bool], bool]:
        slots = FifoSlots(1)
        running, leaving, waiting = slots.reserve(), slots.reserve(), slots.reserve()
        slots.release(leaving)  # left the line before its turn: no slot was its
        after_leave = granted([running, leaving, waiting])
        slots.release(running)
        after_release = granted([running, leaving, waiting])
        cancelled = slots.reserve()
        cancelled.cancel()  # the other way to leave: cancel the future itself
        behind = slots.reserve()
        slots.release(waiting)
        return after_leave, after_release, behind.done() and not behind.cancelled()

    after_leave, after_release, behind_granted = on_a_loop(scenario)
    assert after_leave == [True, False, False]
    assert after_release == [True, False, True]
    assert behind_granted


def test_a_raised_limit_lets_the_waiting_in_and_a_lowered_one_holds_the_next() -> None:
    async def scenario() -> tuple[list[bool], list[bool], list[bool], int]:
        slots = FifoSlots(1)
        tickets = [slots.reserve() for _ in range(4)]
        before = granted(tickets)
        slots.set_limit(3)
        raised = granted(tickets)
        slots.set_limit(1)  # the three running keep their slots; the fourth waits for
        slots.release(tickets[0])  # two of them to finish, not one
        slots.release(tickets[1])
        held = granted(tickets)
        slots.set_limit(0)  # never below one: a job can always run
        return before, raised, held, slots.limit

    before, raised, held, limit = on_a_loop(scenario)
    assert before == [True, False, False, False]
    assert raised == [True, True, True, False]
    assert held == [True, True, True, False]
    assert limit == 1


def test_a_limit_below_one_still_runs_one_at_a_time() -> None:
    async def scenario() -> list[bool]:
        slots = FifoSlots(0)
        return granted([slots.reserve(), slots.reserve()])

    assert on_a_loop(scenario) == [True, False]


def test_a_job_cancelled_while_waiting_leaves_the_line_as_the_session_does_it() -> None:
    # The session's job awaits its ticket and releases it in ``finally``: cancelled in
    # line, its ticket is cancelled with it, and the slot it never had stays free.
    async def scenario() -> tuple[bool, list[str]]:
        slots = FifoSlots(1)
        seen: list[str] = []

        async def job(name: str, ticket: asyncio.Future[None]) -> None:
            try:
                await ticket
                seen.append(name)
                await asyncio.Event().wait()  # runs until cancelled
            finally:
                slots.release(ticket)

        running = asyncio.create_task(job("running", slots.reserve()))
        cancelled = asyncio.create_task(job("cancelled", slots.reserve()))
        last = asyncio.create_task(job("last", slots.reserve()))
        # (by then each task has started and awaits its ticket)
        await until(lambda: seen == ["running"], what="the first job running")
        cancelled.cancel()
        await asyncio.gather(cancelled, return_exceptions=True)
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        await until(lambda: seen[-1] == "last", what="the last job given the slot")
        last.cancel()
        await asyncio.gather(last, return_exceptions=True)
        third = slots.reserve()  # every slot was given back: one is free at once
        return third.done(), seen

    granted_in_turn, seen = on_a_loop(scenario)
    assert granted_in_turn and seen == ["running", "last"]


def test_a_job_cancelled_just_as_its_slot_is_granted_gives_the_slot_back() -> None:
    # The slot is granted (the running job finished) and the waiting job is cancelled
    # before it resumes: it never runs, and its release frees the slot it was given.
    async def scenario() -> tuple[list[str], bool]:
        slots = FifoSlots(1)
        seen: list[str] = []

        in_line = asyncio.Event()

        async def job(name: str, ticket: asyncio.Future[None]) -> None:
            try:
                in_line.set()
                await ticket
                seen.append(name)
            finally:
                slots.release(ticket)

        first = slots.reserve()
        waiting = asyncio.create_task(job("waiting", slots.reserve()))
        await in_line.wait()  # (it awaits its ticket)
        slots.release(first)  # grants the waiting job's ticket ...
        waiting.cancel()  # ... and it is cancelled before it runs again
        await asyncio.gather(waiting, return_exceptions=True)
        return seen, slots.reserve().done()

    seen, free = on_a_loop(scenario)
    assert seen == [] and free
