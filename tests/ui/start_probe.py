"""Run in a child process: starts the app as ``scribble-studio`` does (main.make_app,
open_window, run_window) in the data folder ``argv[2]``, and prints what it saw.

- ``loaded``: which of keyring and Pillow are loaded after the build, when the first
  frame paints, and once the background start has run (one line each), then whether
  the key arrived from the keyring (read by the helper process), and whether garbage
  collection (off while the window is built) is back on;
- ``close-early``: closes the window one loop turn after the start, prints "closed";
- ``style``: prints the name of the style the application was made with;
- ``network``: queues a job without a key, says whether the HTTP stack (httpx) is
  loaded, sets a key, and says it again once the credits call has loaded it.
"""

from __future__ import annotations

import asyncio
import gc
import sys

import qasync
from PySide6.QtCore import QEvent, QObject

from scribble_studio import main as studio
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.main_window import MainWindow


def loaded() -> list[str]:
    return sorted({name.split(".")[0] for name in sys.modules} & {"keyring", "PIL"})


class FirstPaintSeen(QObject):
    """Notes ``loaded()`` when the window first paints."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[list[str]] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen.append(loaded())
        return False


async def network(window: MainWindow) -> None:
    from PIL import Image

    settings, session = window.studio.settings, window.studio.session
    while settings.key_pending or "PIL" not in loaded():
        await asyncio.sleep(0.02)
    job = session.generate(Image.new("L", (64, 64), 255), GenerationParams("a cat"))
    while job.state is not JobState.WAITING:
        await asyncio.sleep(0.02)
    print(f"no key, a job waiting: httpx loaded {'httpx' in sys.modules}", flush=True)
    settings.set_key("sg_probe_key")
    for _ in range(500):
        if "httpx" in sys.modules:
            break
        await asyncio.sleep(0.02)
    print(f"a key: httpx loaded {'httpx' in sys.modules}", flush=True)


def run(mode: str, home: str) -> None:
    gc.disable()  # as launcher.main does
    app = studio.make_app(["probe"])
    if mode == "style":
        print(app.style().name(), flush=True)
        return
    window = studio.open_window({"SCRIBBLE_STUDIO_HOME": home,
                                 "SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"})
    print(loaded(), flush=True)
    paint = FirstPaintSeen()
    window.installEventFilter(paint)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def life() -> None:
        running = asyncio.ensure_future(studio.run_window(window, app))
        if mode == "loaded":
            settings = window.studio.settings
            for _ in range(200):
                await asyncio.sleep(0.05)
                if "PIL" in loaded() and not settings.key_pending:
                    break
            print(paint.seen[0] if paint.seen else "never painted")
            print(loaded())
            key = settings.api_key()
            print(f"key: {key.reveal() if key is not None else None}")
            print(f"collecting garbage: {gc.isenabled()}, start-up objects frozen: "
                  f"{gc.get_freeze_count() > 10_000}")
        elif mode == "network":
            await network(window)
        else:
            await asyncio.sleep(0)
        window.close()
        await running

    with loop:
        loop.run_until_complete(life())
    print("closed", flush=True)


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2])
