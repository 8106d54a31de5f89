"""Driving Qt and asyncio together in tests: the qasync loop runs a scenario coroutine,
so Qt events, signals and asyncio tasks all make progress while it awaits."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def run(loop: asyncio.AbstractEventLoop, scenario: Awaitable[T], timeout: float = 30) -> T:
    """Run ``scenario`` on the loop; then cancel what it left running (a credits call,
    an outbox probe), so nothing runs later outside the loop."""
    try:
        return loop.run_until_complete(asyncio.wait_for(scenario, timeout))
    finally:
        leftovers = [task for task in asyncio.all_tasks(loop) if not task.done()]
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))


async def until(condition: Callable[[], object], timeout: float = 10,
                what: str = "condition") -> None:
    """Wait (letting Qt and asyncio run) until ``condition()`` is true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)
