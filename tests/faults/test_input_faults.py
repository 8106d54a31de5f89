"""Hostile input that used to end in a traceback: numbers past what SQLite holds on the
command line, drafts with settings of the wrong type or range, drafts larger than any
canvas."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from scribble_studio.domain.errors import UnreadableImage
from scribble_studio.services.drafts import DRAFT_KEY, DraftStore
from tests.faults.conftest import cli, history_with


@pytest.mark.parametrize("args", [
    ("history", "list", "--limit", "99999999999999999999"),
    ("history", "list", "--limit", "0"),
    ("history", "export", "99999999999999999999", "out"),
    ("history", "export", "-3", "out"),
])
def test_numbers_sqlite_cannot_hold_are_usage_errors(tmp_path: Path, args: tuple[str, ...]
                                                     ) -> None:
    history_with(tmp_path, 1)
    done = cli(*args, home=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "must be between" in done.stderr


def write_draft(store: DraftStore, draft_id: str, meta: Any,
                size: tuple[int, int] = (512, 512)) -> None:
    store.folder.mkdir(parents=True, exist_ok=True)
    info = PngInfo()
    info.add_itxt(DRAFT_KEY, meta if isinstance(meta, str) else json.dumps(meta))
    buffer = io.BytesIO()
    Image.new("L", size, 255).save(buffer, format="PNG", pnginfo=info)
    store.path(draft_id).write_bytes(buffer.getvalue())


def test_a_draft_keeps_its_valid_settings_and_names_the_bad_ones(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    write_draft(store, "d1", {
        "params": {"prompt": "an owl", "steps": "many", "guidance": 7.5, "samples": 99,
                   "seed": -1, "scheduler": "Euler", "strength": None, "model": "sd15"},
        "opacity": "half", "updated": 1700000000, "reference": None})
    draft = store.load("d1")
    # "model" is a parameter now (issue 12): "sd15" is no model id, so it is dropped too.
    assert draft.params == {"prompt": "an owl", "guidance": 7.5, "scheduler": "Euler"}
    assert set(draft.dropped) == {"steps", "samples", "seed", "strength", "opacity", "model"}
    assert draft.reference_opacity == 0.5 and draft.updated == 1700000000


@pytest.mark.parametrize("meta", ["[1, 2, 3]", "not json", '"text"', "null",
                                  {"params": [1, 2]}, {"params": {"prompt": 5}}])
def test_a_draft_with_unreadable_settings_still_gives_its_sketch(tmp_path: Path,
                                                                meta: Any) -> None:
    store = DraftStore(tmp_path)
    write_draft(store, "d1", meta)
    draft = store.load("d1")
    assert draft.darkness.size == (512, 512) and draft.dropped
    assert "prompt" not in draft.params


def test_a_reference_that_names_a_path_outside_the_drafts_is_not_read(tmp_path: Path) -> None:
    store = DraftStore(tmp_path)
    secret = tmp_path / "outside.png"
    Image.new("RGB", (8, 8)).save(secret)
    write_draft(store, "d1", {"params": {}, "reference": "../outside"})
    (store.folder / "ref-..").mkdir()  # so the traversal would resolve
    draft = store.load("d1")
    assert draft.reference is None and draft.dropped == ("reference",)


@pytest.mark.parametrize("size", [(4096, 4096), (2048, 2112), (500, 500), (128, 128)])
def test_a_draft_of_a_size_no_canvas_has_is_refused_with_a_message(
        tmp_path: Path, size: tuple[int, int]) -> None:
    store = DraftStore(tmp_path)
    write_draft(store, "big", {"params": {}}, size)
    with pytest.raises(UnreadableImage, match="Draft big"):
        store.load("big")
