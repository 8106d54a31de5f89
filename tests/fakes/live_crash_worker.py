"""A live-mode session in its own process, until it is killed: the real session and live
mode over HTTP to the fake (offscreen), a stroke on the canvas, then ``submitted <id>``
once the live job's request id is stored; it then waits to be killed.

``python -m tests.fakes.live_crash_worker HOME API_BASE HISTORY_BASE``"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.config import ApiKey
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.settings_store import AppSettings
from tests.fakes.segmind_server import API_KEY


async def life(home: Path, api_base: str, history_base: str) -> None:
    from PySide6.QtCore import QPointF, QSize

    from scribble_studio.controllers.canvas_document import CanvasDocument
    from scribble_studio.controllers.live_mode import LiveMode
    from scribble_studio.controllers.session import GenerationSession
    from tests.asyncqt import until

    settings = AppSettings(api_base=api_base, history_base=history_base, live_cap_dollars=0)
    session = GenerationSession(lambda: settings, lambda: ApiKey(API_KEY), HistoryStore(home))
    document = CanvasDocument(QSize(128, 128))
    live = LiveMode(session, document, lambda: GenerationParams("a live crash", seed=5),
                    lambda: settings, debounce_ms=5)
    live.set_on(True)
    document.begin_stroke(QPointF(10, 10), 3)
    document.extend_stroke(QPointF(100, 90), 3)
    document.end_stroke()
    await until(lambda: session.store.read("SELECT id FROM generations WHERE "
                                           "state='submitted'"), timeout=60, what="the submit")
    [(gen_id,)] = session.store.read("SELECT id FROM generations")
    print(f"submitted {gen_id}", flush=True)
    await asyncio.Event().wait()  # until killed


def main(argv: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(["live-crash-worker"])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    home, api_base, history_base = argv
    with loop:
        loop.run_until_complete(life(Path(home), api_base, history_base))


if __name__ == "__main__":
    main(sys.argv[1:])
