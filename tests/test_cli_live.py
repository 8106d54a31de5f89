"""The CLI's history list leaves out live-mode images nobody kept, unless asked."""

from __future__ import annotations

import json
from pathlib import Path

from scribble_studio.services.history import HistoryStore, State
from tests.conftest import png_bytes
from tests.controllers.conftest import params
from tests.fakes.sketches import drawn_sketch
from tests.test_cli import cli


def test_history_list_hides_live_images_not_kept(isolated_environment: Path) -> None:
    store = HistoryStore(isolated_environment)
    scribble = png_bytes(drawn_sketch((64, 64)))
    ids = {name: store.record(params(prompt=name, seed=1), scribble, (64, 64), State.DONE,
                              source, live=source == "live")
           for name, source in (("drawn", "app"), ("live", "live"), ("kept", "live"))}
    assert store.keep(ids["kept"]) and not store.keep(ids["drawn"])  # (only a live one)
    store.close()

    listed = json.loads(cli("history", "list", "--json", server=None).stdout)
    assert sorted(i["prompt"] for i in listed) == ["drawn", "kept"]
    everything = json.loads(cli("history", "list", "--json", "--live", server=None).stdout)
    assert sorted((i["prompt"], i["live"], i["kept"]) for i in everything) == [
        ("drawn", False, False), ("kept", True, True), ("live", True, False)]
