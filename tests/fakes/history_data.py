"""A large history, written straight into the database, for tests and benchmarks."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.history import HistoryStore
from tests.fakes.segmind_server import result_jpeg
from tests.fakes.sketches import drawn_sketch


def seed_history(home: Path, count: int, missing_every: int = 0) -> None:
    """Write ``count`` finished generations straight into the database (one transaction)."""
    store = HistoryStore(home)
    store.open()  # creates the tables
    scribble = store.put_file(export_scribble(drawn_sketch()).png)
    digests = [store.put_file(result_jpeg(64, 64, n, 0)) for n in range(4)]
    now = time.time()
    rows, images = [], []
    for n in range(count):
        params = GenerationParams(f"{'fox' if n % 10 == 0 else 'tree'} number {n}", seed=n)
        rows.append((n + 1, now - count + n, now, "done", "app", json.dumps(params.to_dict()),
                     params.prompt, n, scribble, 512, 512))
        digest = f"{n:064x}" if missing_every and n % missing_every == 0 else digests[n % 4]
        images.append((n + 1, 0, digest, 64, 64))
    store.close()
    db = sqlite3.connect(home / "history.sqlite3")
    with db:
        db.executemany("INSERT INTO generations (id, created, updated, state, source, params,"
                       " prompt, seed, scribble, width, height) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                       rows)
        db.executemany("INSERT INTO images (generation_id, position, sha256, width, height)"
                       " VALUES (?,?,?,?,?)", images)
    db.close()
