"""The history's trash, on a real SQLite history and real files."""

from __future__ import annotations

from pathlib import Path

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.history_trash import TRASH_DAYS
from scribble_studio.services.ledger import Ledger
from tests.fakes.segmind_server import result_jpeg
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch())


def done_generation(store: HistoryStore, seed: int, images: list[bytes],
                    cost: float = 0.01) -> int:
    params = GenerationParams(f"a fox {seed}", seed=seed, samples=len(images))
    gen_id = store.record(params, SCRIBBLE.png, (512, 512), State.QUEUED)
    result = GenerationResult((), params, 9.0, f"req-{seed}", 1.0, "v2", cost)
    store.finish(gen_id, [(data, 64, 64) for data in images], result, 1.0)
    return gen_id


def four(n: int) -> list[bytes]:
    return [result_jpeg(64, 64, n, k) for k in range(4)]


def test_one_image_goes_to_the_trash_and_comes_back(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gen = done_generation(store, 1, four(1))
    files = [store.image_path(i.sha256) for i in store.get(gen).images]  # type: ignore[union-attr]
    assert store.trash_image(gen, 2)
    assert [i.position for i in store.get(gen).images] == [0, 1, 3]  # type: ignore[union-attr]
    assert all(f.exists() for f in files)  # the trash removes no file
    (item,) = store.trash()
    assert (item.entry.id, item.whole, [i.position for i in item.entry.images]) == (
        gen, False, [2])
    assert store.count() == 1 and store.trash_count() == 1
    store.restore(gen, (2,))
    assert len(store.get(gen).images) == 4 and store.trash() == []  # type: ignore[union-attr]


def test_a_whole_generation_leaves_lists_search_and_counts_but_not_the_ledger(
        tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    kept, gone = done_generation(store, 1, four(1)), done_generation(store, 2, four(2), 0.02)
    spent = Ledger(store).spent_since(0)
    store.trash_image(gone, 0)
    assert store.trash_generation(gone)
    assert [e.id for e in store.page()] == [kept]
    assert store.count() == 1 and store.count("fox 2") == 0 and store.page(search="2") == []
    (item,) = store.trash()
    assert item.whole and len(item.entry.images) == 4  # with the one deleted before
    assert Ledger(store).spent_since(0) == spent  # the money was spent
    store.restore(gone, ())  # undo of the whole-generation delete only
    assert [i.position for i in store.get(gone).images] == [1, 2, 3]  # type: ignore[union-attr]
    assert [e.id for e in store.page()] == [gone, kept]


def test_every_image_deleted_one_by_one_hides_the_generation(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gen = done_generation(store, 1, four(1))
    for position in range(4):
        store.trash_image(gen, position)
    assert store.page() == [] and store.count() == 0
    (item,) = store.trash()
    assert item.whole and len(item.entry.images) == 4
    store.restore(gen, (1,))  # (the undo of the last delete)
    assert [[i.position for i in e.images] for e in store.page()] == [[1]]
    store.trash_image(gen, 1)
    store.empty_trash()
    assert store.page() == [] and store.trash() == []  # not back as an empty card
    assert Ledger(store).spent_since(0) == 0.01


def test_emptying_removes_only_files_no_live_row_uses(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    shared = result_jpeg(64, 64, 7, 0)
    a = done_generation(store, 1, [shared, *four(1)[1:]])
    b = done_generation(store, 2, [shared, *four(2)[1:]])
    a_files = {i.position: store.image_path(i.sha256)
               for i in store.get(a).images}  # type: ignore[union-attr]
    scribble = store.image_path(store.get(a).scribble)  # type: ignore[union-attr]
    store.trash_generation(a)
    removed = store.empty_trash()
    assert sorted(removed) == sorted(a_files[p] for p in (1, 2, 3))
    assert a_files[0].exists()  # b's first image is the same file
    assert scribble.exists()    # b's scribble too
    assert store.trash() == [] and store.get(a) is not None  # the row stays: the ledger
    assert store.page() == [store.get(b)]
    store.trash_generation(b)
    store.empty_trash()
    assert not a_files[0].exists() and not scribble.exists()


def test_the_sweep_empties_only_what_is_30_days_old(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    old, new = done_generation(store, 1, four(1)), done_generation(store, 2, four(2))
    store.trash_generation(old)
    store.trash_image(new, 0)
    day = 86400.0
    stamp = store.trash()[-1].deleted_at
    assert store.sweep_trash(now=stamp + (TRASH_DAYS - 1) * day) == []
    store.write("UPDATE generations SET deleted_at = deleted_at - ? WHERE id = ?",
                (TRASH_DAYS * day, old))
    removed = store.sweep_trash()
    assert len(removed) == 4
    assert [(t.entry.id, t.whole) for t in store.trash()] == [(new, False)]
