"""`history trash`, `history restore ID`, `history empty-trash`, and `history list`
without what was deleted: the CLI as a user runs it, over a real history."""

from __future__ import annotations

import json
from pathlib import Path

from scribble_studio.services.history import HistoryStore
from tests.services.test_trash import done_generation, four
from tests.test_cli import cli


def test_the_trash_from_the_command_line(isolated_environment: Path) -> None:
    store = HistoryStore(isolated_environment)
    kept, gone = done_generation(store, 1, four(1)), done_generation(store, 2, four(2))
    store.trash_image(kept, 3)
    store.trash_generation(gone)
    files = [store.image_path(i.sha256) for i in store.get(gone).images]  # type: ignore[union-attr]
    store.close()

    listed = json.loads(cli("history", "list", "--json", server=None).stdout)
    assert [(e["id"], len(e["images"])) for e in listed] == [(kept, 3)]
    trash = json.loads(cli("history", "trash", "--json", server=None).stdout)
    assert [(t["id"], t["whole"], t["positions"]) for t in trash] == [
        (gone, True, [0, 1, 2, 3]), (kept, False, [3])]
    text = cli("history", "trash", server=None).stdout
    assert "[all, deleted" in text and "[1 image, deleted" in text

    restored = cli("history", "restore", str(kept), server=None)
    assert restored.returncode == 0 and f"#{kept} is back" in restored.stderr
    assert cli("history", "restore", "99", server=None).returncode == 2
    emptied = cli("history", "empty-trash", server=None)
    assert emptied.returncode == 0 and "4 files removed" in emptied.stderr
    assert not any(f.exists() for f in files)
    listed = json.loads(cli("history", "list", "--json", server=None).stdout)
    assert [(e["id"], len(e["images"])) for e in listed] == [(kept, 4)]
    empty = cli("history", "trash", server=None)
    assert empty.stdout == "" and "the trash is empty" in empty.stderr
