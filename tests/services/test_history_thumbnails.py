"""The history's thumbnails and its announcements, on a real SQLite history and real
files (no Qt)."""

from __future__ import annotations

import io
import threading
from pathlib import Path

from PIL import Image

from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.history import HistoryChange, HistoryStore, State
from tests.fakes.segmind_server import result_jpeg
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch())


def done_generation(store: HistoryStore, seed: int, images: list[bytes]) -> int:
    params = GenerationParams(f"a fox {seed}", seed=seed, samples=len(images))
    gen_id = store.record(params, SCRIBBLE.png, (512, 512), State.QUEUED)
    result = GenerationResult((), params, 9.0, f"req-{seed}", 1.0, "v2", 0.01)
    store.finish(gen_id, [(data, 1024, 768) for data in images], result, 1.0)
    return gen_id


def big(n: int) -> bytes:
    return result_jpeg(1024, 768, n, 0)


def size_of(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_finishing_writes_a_small_thumbnail_per_image(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gen = done_generation(store, 1, [big(1), big(2)])
    images = store.get(gen).images  # type: ignore[union-attr]
    for image in images:
        on_disk = tmp_path / "thumbs" / f"{image.sha256}.jpg"
        assert on_disk.exists()
        assert size_of(on_disk.read_bytes()) == (256, 192)  # ≤ 256 px long side, in ratio
        assert store.thumbnail(image.sha256) == on_disk.read_bytes()
    assert not (tmp_path / "thumbs" / f"{store.get(gen).scribble}.jpg").exists()  # type: ignore[union-attr]


def test_an_older_image_without_a_thumbnail_gets_one_when_asked(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    gen = done_generation(store, 1, [big(1)])
    (image,) = store.get(gen).images  # type: ignore[union-attr]
    thumb = tmp_path / "thumbs" / f"{image.sha256}.jpg"
    thumb.unlink()  # as a history written before thumbnails were
    data = store.thumbnail(image.sha256)
    assert data is not None and size_of(data) == (256, 192)
    assert thumb.read_bytes() == data  # written for next time


def test_a_thumbnail_that_cannot_be_written_is_made_in_memory(tmp_path: Path) -> None:
    (tmp_path / "thumbs").write_bytes(b"")  # a file where the folder goes: writes fail
    store = HistoryStore(tmp_path)
    gen = done_generation(store, 1, [big(1)])  # no error: the image is stored
    (image,) = store.get(gen).images  # type: ignore[union-attr]
    assert store.image_path(image.sha256).exists()
    data = store.thumbnail(image.sha256)
    assert data is not None and size_of(data) == (256, 192)


def test_a_missing_image_has_no_thumbnail(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    assert store.thumbnail("0" * 64) is None


def test_emptying_the_trash_removes_thumbnails_with_their_images(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    fox, owl = done_generation(store, 1, [big(1), big(2)]), done_generation(store, 2, [big(3)])
    fox_thumbs = [tmp_path / "thumbs" / f"{i.sha256}.jpg" for i in store.get(fox).images]  # type: ignore[union-attr]
    (owl_image,) = store.get(owl).images  # type: ignore[union-attr]
    store.trash_generation(fox)
    assert all(t.exists() for t in fox_thumbs)  # the trash itself removes nothing
    store.empty_trash()
    assert not any(t.exists() for t in fox_thumbs)
    assert (tmp_path / "thumbs" / f"{owl_image.sha256}.jpg").exists()


def test_the_history_announces_what_changed_after_each_write(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    heard: list[HistoryChange] = []
    unsubscribe = store.subscribe(heard.append)
    fox = done_generation(store, 1, [big(1), big(2)])
    store.star(fox, True)
    store.trash_image(fox, 0)
    store.trash_image(fox, 1)  # the last image: the generation goes
    store.restore(fox)
    store.trash_generation(fox)
    store.trash_generation(fox)  # already in the trash: nothing changed, nothing said
    assert [(c.kind, c.gen_ids) for c in heard] == [
        ("added", (fox,)), ("changed", (fox,)), ("changed", (fox,)), ("removed", (fox,)),
        ("added", (fox,)), ("removed", (fox,))]
    unsubscribe()
    store.restore(fox)
    assert len(heard) == 6


def test_a_failing_listener_does_not_undo_the_write(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    heard: list[HistoryChange] = []

    def broken(_: HistoryChange) -> None:
        raise RuntimeError("a listener's bug")

    store.subscribe(broken)
    store.subscribe(heard.append)
    fox = done_generation(store, 1, [big(1)])
    assert store.get(fox).state is State.DONE  # type: ignore[union-attr]
    assert heard == [HistoryChange("added", (fox,))]


def test_announcements_come_on_the_writing_thread(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    fox = done_generation(store, 1, [big(1)])
    threads: list[str] = []
    store.subscribe(lambda _change: threads.append(threading.current_thread().name))
    writer = threading.Thread(target=store.star, args=(fox, True), name="writer")
    writer.start()
    writer.join()
    assert threads == ["writer"]
