"""A worker for the crash tests: writes history, sends through the outbox and saves
drafts in a loop until it is killed. ``python -m tests.fakes.crash_worker HOME BASE RUN``.
Prints ``recorded <id> <seed>`` once a record is committed."""

from __future__ import annotations

import asyncio
import contextlib
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw

from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services import outbox
from scribble_studio.services.api_client import RetryPolicy, SegmindClient
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.drafts import DraftStore
from scribble_studio.services.history import HistoryStore, State
from tests.fakes.segmind_server import API_KEY


async def work(home: Path, base: str, run: int) -> None:
    store = HistoryStore(home)
    store.recover_after_crash()
    drafts = DraftStore(home)
    draft_id = drafts.current_id() or drafts.new_id()
    rng = random.Random(run)
    sketch = Image.new("L", (512, 512), 255)
    print("ready", flush=True)
    settings = ClientSettings(base, connect_timeout=2, read_timeout=10)
    async with SegmindClient(ApiKey(API_KEY), settings, retry=RetryPolicy(attempts=1)) as client:
        for n in range(10_000):
            for entry in store.outbox():  # what is safe to send goes by itself
                if entry.state is State.WAITING:
                    with contextlib.suppress(StudioError):  # it stays in the outbox
                        await outbox.send(store, client, entry.id)
            seed = run * 100_000 + n
            params = GenerationParams(f"run {run} item {n}", seed=seed)
            scribble = export_scribble(sketch)
            gen_id = await outbox.record(store, params, scribble, "test")
            print(f"recorded {gen_id} {seed}", flush=True)
            with contextlib.suppress(StudioError):  # recorded as failed or waiting
                await outbox.send(store, client, gen_id)
            ImageDraw.Draw(sketch).line([(rng.uniform(0, 512), rng.uniform(0, 512))
                                         for _ in range(3)], fill=0, width=3)
            drafts.save(draft_id, sketch, {"prompt": f"run {run}", "n": n})
            print(f"draft {n}", flush=True)


if __name__ == "__main__":
    asyncio.run(work(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])))
