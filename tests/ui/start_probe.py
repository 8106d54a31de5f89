"""Run in a child process: starts the app as ``scribble-studio`` does (main.make_app,
open_window, run_window) in the data folder ``argv[2]``, and prints what it saw.

- ``keyring``: whether the key is pending and the window visible once it is built, then
  the key that arrived from the system keyring and whether the window showed by then;
- ``close-early``: closes the window one loop turn after the start, prints "closed";
- ``style``: prints the name of the style the application was made with;
- ``network``: queues a job without a key, says whether the HTTP stack (httpx) is
  loaded, sets a key, and says it again once the credits call has loaded it.
"""

from __future__ import annotations

import asyncio
import sys

import qasync

from scribble_studio import main as studio
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.main_window import MainWindow


async def network(window: MainWindow) -> None:
    from PIL import Image

    settings, session = window.studio.settings, window.studio.session
    while settings.key_pending or "PIL" not in sys.modules:
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
    app = studio.make_app(["probe"])
    if mode == "style":
        print(app.style().name(), flush=True)
        return
    window = studio.open_window({"SCRIBBLE_STUDIO_HOME": home,
                                 "SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"})
    settings = window.studio.settings
    arrived = asyncio.Event()

    def key_arrived() -> None:
        key = settings.api_key()
        print(f"key: {key.reveal() if key is not None else None}, "
              f"window visible: {window.isVisible()}", flush=True)
        arrived.set()

    if mode == "keyring":
        print(f"built: key pending {settings.key_pending}, "
              f"window visible {window.isVisible()}", flush=True)
        settings.key_changed.connect(key_arrived)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)

    async def life() -> None:
        running = asyncio.ensure_future(studio.run_window(window, app))
        if mode == "keyring":
            await asyncio.wait_for(arrived.wait(), 30)
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
