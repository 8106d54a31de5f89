"""One executor for background work: the runner's workers also serve the loop's
``asyncio.to_thread``."""

from __future__ import annotations

import asyncio
import threading

from pytestqt.qtbot import QtBot

from scribble_studio.controllers.background import BackgroundRunner


def test_to_thread_on_a_served_loop_runs_on_the_runners_worker(qtbot: QtBot) -> None:
    runner = BackgroundRunner(workers=1)
    loop = asyncio.new_event_loop()
    try:
        runner.serve(loop)
        by_loop = loop.run_until_complete(
            asyncio.to_thread(lambda: threading.current_thread().name))
        names: list[str] = []
        runner.run(lambda: threading.current_thread().name, names.append, print)
        qtbot.waitUntil(lambda: bool(names))
        assert by_loop == names[0] and by_loop.startswith("studio-worker")
    finally:
        loop.close()
        runner.shutdown(wait=True)

