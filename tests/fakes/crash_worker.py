"""The app's process for the crash tests, until it is killed: builds the real
GenerationSession on a qasync loop (offscreen), starts as the app does (``open_history``:
the jobs whose sender is gone are settled and listed, then ``load_outbox`` collects what
the server has and looks up what is in doubt), and queues jobs through the session.

``python -m tests.fakes.crash_worker HOME API_BASE HISTORY_BASE FIRST_SEED COUNT``

Prints ``pending <id> <state> <request id> <elsewhere>`` for each unfinished job the
start found, ``ready <lock name>`` once the start has run, ``queued <seed>`` for each job
queued (seeds FIRST_SEED, FIRST_SEED + 1, ...), ``idle`` once no job is active, and
exits after shutting the session down."""

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
from tests.fakes.sketches import drawn_sketch


async def life(home: Path, api_base: str, history_base: str, first_seed: int,
               count: int) -> None:
    from scribble_studio.controllers.session import GenerationSession
    from scribble_studio.main import open_history

    settings = AppSettings(api_base=api_base, history_base=history_base, concurrency=2)
    session = GenerationSession(lambda: settings, lambda: ApiKey(API_KEY), HistoryStore(home),
                                probe_wait=(0.05, 0.5))
    _notices, pending = await asyncio.to_thread(open_history, session.outbox)
    for entry, elsewhere in pending:
        print(f"pending {entry.id} {entry.state} {entry.request_id} {elsewhere}", flush=True)
    session.load_outbox(pending)
    print(f"ready {session.outbox.lock.hold()}", flush=True)
    sketch = drawn_sketch((256, 256))
    for seed in range(first_seed, first_seed + count):
        session.generate(sketch, GenerationParams(f"crash app {seed}", seed=seed))
        print(f"queued {seed}", flush=True)
    while session.active_jobs or any(job.history_id is None for job in session.jobs):
        await asyncio.sleep(0.02)
    print("idle", flush=True)
    await session.shutdown()


def main(argv: list[str]) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(["crash-worker"])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    home, api_base, history_base, first_seed, count = argv
    with loop:
        loop.run_until_complete(life(Path(home), api_base, history_base, int(first_seed),
                                     int(count)))


if __name__ == "__main__":
    main(sys.argv[1:])
