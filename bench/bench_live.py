"""Live mode's cost to a user (issue 13). Printed, not asserted.

- latency: from the last pen-up (a real mouse release on the canvas of the real window,
  1024×1024) to the live request leaving the app (the backend's ``run`` called), minus
  the debounce; against Generate (Ctrl+Return's path) from the same canvas in the same
  run, whose snapshot is taken on the GUI thread.
- stall: the event loop's longest gap (a 1 ms timer) while live results of 1024×1024
  arrive about every second (a stroke a second, each sent after the debounce, the
  result decoded and shown in the live preview); against the same strokes with live
  mode off.

The backend is the tests' scripted one (no network): what is measured is the app's own
path, record in the history included.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._table import median_ms, print_table
from tests.fakes.scripted_backend import ScriptedBackend

RUNS = 15
DEBOUNCE_MS = 200
STALL_SECONDS = 10.0
API_KEY = "sk-test-6f1e0c0ffee5ecret"


class TimedBackend(ScriptedBackend):
    """The scripted backend, noting when each request leaves the app. Its result images
    are made once: the fake makes them on the loop, where Segmind's backend receives
    and checks them on a worker."""

    def __init__(self) -> None:
        super().__init__(credits=1e6)
        self.sent_at: list[float] = []
        self._images: dict[tuple[int, int | None], Any] = {}

    async def run(self, request: Any, events: Any) -> Any:
        self.sent_at.append(time.perf_counter())
        return await super().run(request, events)

    def _result(self, params: Any, count: int | None, ticket: Any, started: float) -> Any:
        key = (self.image_side, count or params.samples)
        if key not in self._images:
            self._images[key] = super()._result(params, count, ticket, started)
        made = self._images[key]
        return dataclasses.replace(made, params=params,
                                   request_id=ticket.request_id if ticket else None)


async def longest_gap(seconds: float, work: Any) -> float:
    """Largest gap between ticks of a 1 ms precise timer while ``work`` runs."""
    from PySide6.QtCore import Qt, QTimer

    ticks: list[float] = []
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(1)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    await work(seconds)
    timer.stop()
    return max(b - a for a, b in itertools.pairwise(ticks)) * 1000


def measure() -> list[list[object]]:
    import qasync
    from PySide6.QtCore import QEvent, QSize
    from PySide6.QtWidgets import QApplication

    from scribble_studio.main import build_window, settle_garbage_collection
    from tests.pointer import mouse

    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    backend = TimedBackend()
    backend.image_side = 1024
    window = build_window(Path(tempfile.mkdtemp()), {
        "SEGMIND_API_KEY": API_KEY, "SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"},
        None, backend_factory=backend.factory)
    window.resize(1500, 950)
    window.show()
    settle_garbage_collection()
    window.view.document.resize_canvas(QSize(1024, 1024))
    window.generate.params.prompt.setPlainText("a lighthouse on a cliff")
    window.live.set_debounce(DEBOUNCE_MS)
    viewport = window.view.viewport()
    strokes = itertools.count()

    async def stroke() -> float:
        """One stroke across the canvas, its moves ~8 ms apart as a mouse sends them;
        returns the moment of the pen-up."""
        n = next(strokes)
        y = 40 + (n * 13) % (viewport.height() - 80)
        points = [(40 + x * 10, y + (x % 7) * 3) for x in range(40)]
        mouse(viewport, QEvent.Type.MouseButtonPress, *points[0])
        for point in points[1:]:
            await asyncio.sleep(0.008)
            mouse(viewport, QEvent.Type.MouseMove, *point)
        mouse(viewport, QEvent.Type.MouseButtonRelease, *points[-1])
        return time.perf_counter()

    async def live_latencies() -> list[float]:
        window.live.set_on(True)
        latencies = []
        for _ in range(RUNS + 1):  # (the first warms up the imports and the history)
            shown = window.live.shown.number if window.live.shown else 0
            pen_up = await stroke()
            while window.live.shown is None or window.live.shown.number == shown:
                await asyncio.sleep(0.005)
            latencies.append(backend.sent_at[-1] - pen_up - DEBOUNCE_MS / 1000)
        window.live.set_on(False)
        return latencies[1:]

    async def generate_latencies() -> list[float]:
        latencies = []
        for _ in range(RUNS + 1):
            await stroke()
            before = len(backend.sent_at)
            clicked = time.perf_counter()
            window.request_generate()
            while len(backend.sent_at) == before or window.studio.session.active_jobs:
                await asyncio.sleep(0.005)
            latencies.append(backend.sent_at[before] - clicked)
        return latencies[1:]

    async def strokes_for(seconds: float) -> None:
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await stroke()
            await asyncio.sleep(max(0.0, 1.0 - (time.perf_counter() - started)))

    async def stalls() -> tuple[float, float, int]:
        off = await longest_gap(STALL_SECONDS, strokes_for)
        window.settings_dialog = None
        window.studio.settings.update(live_cap_jobs=1000, live_cap_dollars=0)
        window.live.set_on(True)
        before = len(backend.sent_at)
        on = await longest_gap(STALL_SECONDS, strokes_for)
        window.live.set_on(False)
        return on, off, len(backend.sent_at) - before

    async def everything() -> tuple[list[float], list[float], tuple[float, float, int]]:
        await window.studio.session.wait_ready()
        window.studio.session.store.open()
        return await live_latencies(), await generate_latencies(), await stalls()

    live, generate, (on, off, arrived) = loop.run_until_complete(everything())
    loop.run_until_complete(window.live.shutdown())
    loop.run_until_complete(window.studio.session.shutdown())
    window.studio.runner.shutdown()
    loop.close()
    return [
        ["last pen-up → live request leaves, minus the debounce (1024² canvas)", RUNS,
         f"{median_ms(live):.1f} ms", f"{median_ms(generate):.1f} ms (Generate → request)",
         f"{statistics.median(live) / statistics.median(generate):.2f}×", "≤ 30 ms"],
        [f"longest loop stall, a 1024² live result about every second ({arrived} in "
         f"{STALL_SECONDS:.0f} s)", 1, f"{on:.1f} ms", f"{off:.1f} ms (the same strokes, "
         "live off)", f"{on / off:.2f}×", "≤ 16 ms"],
    ]


def main() -> None:
    print_table("Live mode (medians; reference measured in the same run)",
                ["measure", "runs", "Scribble Studio", "reference", "ratio", "target"],
                measure())


if __name__ == "__main__":
    main()
