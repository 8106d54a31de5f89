"""A disk that fills up right after a paid answer (issue 17, item 2), on real full
filesystems (tmpfs): the paid images are written wherever they can go — the history's
images folder, ``--out``, the rescue folder, in that order —, the job notes where when
its database can be written, stays at the server and is collected (not paid) again."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from scribble_studio.domain import errors
from scribble_studio.domain.png_metadata import PARAMETERS_KEY, STUDIO_KEY
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.outbox import Outbox
from tests.fakes.segmind_server import API_KEY
from tests.faults.conftest import FillsAtFirstPoll, cli, fill
from tests.services.test_paid_jobs_stay_collectable import SCRIBBLE, send

Disks = Callable[[Path], Path]
LATER = "the job will be stored when there is room."


def record(store: HistoryStore) -> int:
    from scribble_studio.domain.params import GenerationParams

    return store.record(GenerationParams("a lighthouse", seed=7, samples=2), SCRIBBLE.png,
                        (512, 512), State.WAITING)


def pngs(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.png"))


def check_metadata(path: Path, request_id: str) -> None:
    with Image.open(path) as image:
        assert "Seed: 7" in image.text[PARAMETERS_KEY]
        assert json.loads(image.text[STUDIO_KEY])["request_id"] == request_id


def test_a_full_images_disk_keeps_the_paid_images_in_out_and_the_job_says_where(
        tmp_path: Path, small_disks: Disks) -> None:
    home, out, rescue = tmp_path / "home", tmp_path / "out", tmp_path / "rescued"
    images = small_disks(home / "images")  # the database beside it can still be written
    store = HistoryStore(home)
    gen_id = record(store)
    fillers: list[Path] = []
    with FillsAtFirstPoll(lambda: fillers.append(fill(images))) as server:
        box = Outbox(store, keep_in=(out, rescue))
        try:
            asyncio.run(send(box, server, gen_id))
            raise AssertionError("stored on a full disk")
        except errors.ResultNotStored as exc:
            caught = exc
        kept = pngs(out)
        assert len(kept) == 2 and caught.kept == tuple(str(p) for p in kept)
        assert caught.message == f"2 images kept in {out} (the history's disk is full); {LATER}"
        assert caught.exit_code == 2 and pngs(rescue) == []
        [submit] = server.submits
        for path in kept:
            check_metadata(path, submit.request_id)
        entry = store.get(gen_id)
        assert entry is not None and entry.state is State.SUBMITTED and not entry.images
        assert entry.saved_to == caught.kept and entry.error == caught.message
        shown = cli("history", "show", str(gen_id), home=home)
        assert shown.returncode == 0, shown.stderr
        assert [f"saved to: {p}" for p in kept] == shown.stdout.splitlines()[-2:]
        listed = cli("history", "list", home=home)
        assert f"saved to {kept[0]}, {kept[1]}" in listed.stdout
        fillers[0].unlink()  # room again: collected (never submitted again) and stored
        asyncio.run(send(box, server, gen_id, collect=True))
        done = store.get(gen_id)
        assert done is not None and done.state is State.DONE and len(done.images) == 2
        assert len(server.submits) == 1 and server.billed == 1
        assert done.saved_to == caught.kept  # (the copies are still where it said)


class _OnStoreFailed(logging.Handler):
    """Runs ``then`` once, when the outbox logs that storing a result failed."""

    def __init__(self, then: Callable[[], object]) -> None:
        super().__init__()
        self._then: Callable[[], object] | None = then

    def emit(self, record: logging.LogRecord) -> None:
        then, self._then = self._then, None
        if then is not None and "storing the result" in record.getMessage():
            then()
        elif then is not None:
            self._then = then


def test_a_history_locked_by_another_process_keeps_them_in_its_own_images_folder(
        tmp_path: Path, lock_database: Any) -> None:
    """The first place: the history's images folder takes them (only the database is
    locked); once the lock goes, the job notes where, and it is stored when collected."""
    home = tmp_path / "home"
    store = HistoryStore(home)
    gen_id = record(store)
    holders: list[Any] = []
    outbox_log = logging.getLogger("scribble_studio.services.outbox")
    handler = _OnStoreFailed(lambda: holders[0].release())  # (after the busy timeout)
    outbox_log.addHandler(handler)
    try:
        with FillsAtFirstPoll(lambda: holders.append(
                lock_database(home / "history.sqlite3", writer=True))) as server:
            box = Outbox(store, keep_in=(tmp_path / "out",))
            try:
                asyncio.run(send(box, server, gen_id))
                raise AssertionError("stored into a locked database")
            except errors.ResultNotStored as exc:
                caught = exc
            kept = sorted(Path(p) for p in caught.kept)
            assert len(kept) == 2 and {p.parent for p in kept} == {store.images_dir}
            assert caught.message == (f"2 images kept in {store.images_dir} (the history is "
                                      "locked by another program); the job will be stored "
                                      "when the history is free.")
            assert not (tmp_path / "out").exists()
            entry = store.get(gen_id)
            assert entry is not None and entry.state is State.SUBMITTED
            assert entry.saved_to == caught.kept
            asyncio.run(send(box, server, gen_id, collect=True))
            done = store.get(gen_id)
            assert done is not None and done.state is State.DONE
            assert {str(store.image_path(i.sha256)) for i in done.images} == set(caught.kept)
            assert len(server.submits) == 1 and server.billed == 1
    finally:
        outbox_log.removeHandler(handler)


def test_a_full_history_disk_keeps_them_in_the_rescue_folder_and_the_job_stays_at_segmind(
        small_disk: Path, tmp_path: Path) -> None:
    rescue = tmp_path / "rescued"
    store = HistoryStore(small_disk)
    gen_id = record(store)
    fillers: list[Path] = []
    with FillsAtFirstPoll(lambda: fillers.append(fill(small_disk))) as server:
        box = Outbox(store, keep_in=(rescue,))
        try:
            asyncio.run(send(box, server, gen_id))
            raise AssertionError("stored on a full disk")
        except errors.ResultNotStored as exc:
            caught = exc
        kept = pngs(rescue)
        assert len(kept) == 2 and caught.kept == tuple(str(p) for p in kept)
        assert caught.message == (f"2 images kept in {rescue} (the history's disk is full); "
                                  f"{LATER}")
        check_metadata(kept[0], server.submits[0].request_id)
        entry = store.get(gen_id)  # the database could not note it: it stays at Segmind
        assert entry is not None and entry.state is State.SUBMITTED and entry.saved_to == ()
        fillers[0].unlink()
        asyncio.run(send(box, server, gen_id, collect=True))
        assert store.get(gen_id).state is State.DONE  # type: ignore[union-attr]
        assert len(server.submits) == 1 and server.billed == 1


def test_out_on_a_full_disk_too_sends_them_to_the_rescue_folder(
        tmp_path: Path, small_disks: Disks) -> None:
    home, rescue = tmp_path / "home", tmp_path / "rescued"
    images = small_disks(home / "images")
    out = small_disks(tmp_path / "out")
    fill(out)
    store = HistoryStore(home)
    gen_id = record(store)
    with FillsAtFirstPoll(lambda: fill(images)) as server:
        try:
            asyncio.run(send(Outbox(store, keep_in=(out, rescue)), server, gen_id))
            raise AssertionError("stored on a full disk")
        except errors.ResultNotStored as exc:
            caught = exc
    assert pngs(out) == [] and len(pngs(rescue)) == 2
    assert caught.message.startswith(f"2 images kept in {rescue} (the history's disk is full)")
    assert store.get(gen_id).saved_to == caught.kept  # type: ignore[union-attr]


def test_kept_nowhere_the_job_stays_at_segmind_and_is_collected_once_there_is_room(
        tmp_path: Path, small_disks: Disks) -> None:
    home = small_disks(tmp_path / "home")
    rescue = small_disks(tmp_path / "rescued")
    fill(rescue)
    store = HistoryStore(home)
    gen_id = record(store)
    fillers: list[Path] = []
    with FillsAtFirstPoll(lambda: fillers.append(fill(home))) as server:
        box = Outbox(store, keep_in=(rescue,))
        try:
            asyncio.run(send(box, server, gen_id))
            raise AssertionError("stored on a full disk")
        except errors.ResultNotStored as exc:
            caught = exc
        assert caught.kept == () and caught.message == (
            "The 2 images paid for could not be written anywhere (the history's disk is "
            "full); they stay at Segmind and are collected again once there is room.")
        assert store.get(gen_id).state is State.SUBMITTED  # type: ignore[union-attr]
        fillers[0].unlink()
        asyncio.run(send(box, server, gen_id, collect=True))
        assert store.get(gen_id).state is State.DONE  # type: ignore[union-attr]
        assert len(server.submits) == 1 and server.billed == 1


def test_the_same_rescue_at_each_try_writes_no_second_copy(
        tmp_path: Path, small_disks: Disks) -> None:
    home, rescue = tmp_path / "home", tmp_path / "rescued"
    images = small_disks(home / "images")
    store = HistoryStore(home)
    gen_id = record(store)
    with FillsAtFirstPoll(lambda: fill(images)) as server:
        box = Outbox(store, keep_in=(rescue,))
        for _ in range(2):  # collected again while the disk is still full
            server.credits -= 1  # (another job meanwhile: the PNGs' metadata differs)
            try:
                asyncio.run(send(box, server, gen_id, collect=_ > 0))
                raise AssertionError("stored on a full disk")
            except errors.ResultNotStored:
                pass
        assert len(pngs(rescue)) == 2 and len(server.submits) == 1


def test_the_cli_on_a_full_disk_says_what_it_kept_and_outbox_send_stores_it_later(
        small_disk: Path, tmp_path: Path) -> None:
    sketch, out = tmp_path / "sketch.png", tmp_path / "out"
    sketch.write_bytes(SCRIBBLE.png)
    fillers: list[Path] = []
    with FillsAtFirstPoll(lambda: fillers.append(fill(small_disk))) as server:
        env = {"SEGMIND_API_KEY": API_KEY, "SCRIBBLE_STUDIO_API_BASE": server.base_url,
               "SCRIBBLE_STUDIO_HISTORY_BASE": server.history_base}
        done = cli("generate", str(sketch), "-p", "a lighthouse", "--seed", "7",
                   "--samples", "2", "--out", str(out), "--json", home=small_disk, **env)
        assert done.returncode == 2, done.stderr
        kept = pngs(out)
        assert len(kept) == 2 and "Traceback" not in done.stderr
        assert f"2 images kept in {out} (the history's disk is full)" in done.stderr
        assert "#1 (submitted)" in done.stderr
        failure = json.loads(done.stdout)
        assert failure["kept"] == [str(p) for p in kept] and failure["state"] == "submitted"
        check_metadata(kept[0], server.submits[0].request_id)
        fillers[0].unlink()
        later = cli("outbox", "send", home=small_disk, **env)
        assert later.returncode == 0, later.stderr
        assert "#1 done: 2 images" in later.stderr
        assert len(server.submits) == 1 and server.billed == 1
