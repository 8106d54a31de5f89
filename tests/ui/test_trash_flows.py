"""Deleting in the gallery goes to a trash that Ctrl+Z, Undo and "Recently deleted"
restore; only emptying it removes files (not those another result shares). The "Show"
filter: starred, failed & unknown of earlier sessions (with Retry), an empty search.
The real window, a real history, real events; the scripted backend."""

from __future__ import annotations

import asyncio
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.gallery import Show
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.main import build_window, start
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.ui.gallery_cards import StoppedCard, TrashCard
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.segmind_server import API_KEY, result_jpeg
from tests.fakes.sketches import drawn_sketch
from tests.ui.gallery_helpers import click_star, header_menu, rows, shown_loaded, thumb_menu

ENV = {"SEGMIND_API_KEY": API_KEY, "SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}
SHARED = result_jpeg(64, 64, 99, 0)   # one image file two generations have


def seed(home: Path) -> dict[str, int]:
    """Two finished generations of four images (sharing one file) and a job an earlier
    session left failed."""
    store = HistoryStore(home)
    scribble = export_scribble(drawn_sketch()).png
    ids = {}
    for n, name in enumerate(("fox", "owl"), start=1):
        params = GenerationParams(f"a {name}", seed=100 + n, samples=4)
        gen = store.record(params, scribble, (512, 512), State.QUEUED)
        images = [SHARED] + [result_jpeg(64, 64, n, k) for k in range(1, 4)]
        store.finish(gen, [(data, 64, 64) for data in images],
                     GenerationResult((), params, 9.0, f"req-{n}", 1.0, "v2", 0.01), 1.0)
        ids[name] = gen
    ids["failed"] = store.record(GenerationParams("a cat", seed=777), scribble, (512, 512),
                                 State.QUEUED)
    store.release(ids["failed"], State.FAILED, "The model failed: out of memory.")
    store.close()
    return ids


def open_window(qtbot: QtBot, home: Path, backend: ScriptedBackend) -> MainWindow:
    window = build_window(home, ENV, None, backend_factory=backend.factory)
    qtbot.addWidget(window)
    window.resize(1400, 900)
    window.show()
    qtbot.waitExposed(window)
    return window


def context_menu(qtbot: QtBot, widget: QWidget) -> QMenu:
    """Right-click ``widget`` (a real context-menu event) and return the menu shown."""
    before = set(QApplication.topLevelWidgets())
    centre = widget.rect().center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, centre,
                              widget.mapToGlobal(centre))
    QApplication.sendEvent(widget, event)
    menus: list[QMenu] = []
    qtbot.waitUntil(lambda: bool(menus.extend(
        w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()
        and w not in before) or menus), timeout=3000)
    return menus[-1]


def choose(menu: QMenu, text: str) -> None:
    (action,) = [a for a in menu.actions() if a.text().startswith(text)]
    action.trigger()
    menu.close()


def shown(window: MainWindow) -> set[int]:
    """The generations the gallery shows: its list's rows, or its cards."""
    gallery = window.gallery
    return set(rows(gallery)) if gallery.lists_rows else set(gallery.cards)


def images_of(window: MainWindow, gen_id: int) -> int:
    """How many thumbnails a generation's row draws (-1: no such row)."""
    item = rows(window.gallery).get(gen_id)
    return -1 if item is None else len(item.entry.images)


def focus_thumb(window: MainWindow, gen_id: int, image: int) -> None:
    """Give the keyboard focus to a thumbnail: click its row's thumbnail with Ctrl held
    twice (a pick and an unpick: no viewer), which moves the focus there."""
    from tests.ui.gallery_helpers import click_thumb

    click_thumb(window.gallery, gen_id, image, Qt.KeyboardModifier.ControlModifier)
    click_thumb(window.gallery, gen_id, image, Qt.KeyboardModifier.ControlModifier)
    assert window.gallery.list.focused_image() is not None


def test_one_image_goes_ctrl_z_brings_it_back_the_header_deletes_all(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    ids = seed(isolated_environment)
    backend = ScriptedBackend()
    window = open_window(qtbot, isolated_environment, backend)
    store = window.session.store
    gallery = window.gallery

    async def opened() -> None:
        start(window)
        await until(lambda: len(shown(window)) == 2 and shown_loaded(gallery),
                    what="the gallery")

    run(aloop, opened())
    fox = rows(gallery)[ids["fox"]]
    files = [store.image_path(i.sha256) for i in fox.entry.images]
    choose(thumb_menu(qtbot, gallery, ids["fox"], 2), "Delete this image")
    qtbot.waitUntil(lambda: images_of(window, ids["fox"]) == 3)
    qtbot.waitUntil(lambda: len(store.get(ids["fox"]).images) == 3)  # type: ignore[union-attr]
    assert all(f.exists() for f in files)  # in the trash, not gone
    assert gallery.deleted_bar.isVisible() and gallery.deleted_bar.undo.isVisible()
    assert gallery.deleted_bar.text.text().startswith("Deleted 1 image")

    # Ctrl+Z with the focus in the gallery: the image is back.
    focus_thumb(window, ids["fox"], 0)
    qtbot.keyClick(gallery.list, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: images_of(window, ids["fox"]) == 4, timeout=5000)
    assert len(store.get(ids["fox"]).images) == 4  # type: ignore[union-attr]
    assert not window.studio.gallery.can_undo

    # The Delete key on a thumbnail with the focus: that image.
    focus_thumb(window, ids["fox"], 3)
    qtbot.keyClick(gallery.list, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: images_of(window, ids["fox"]) == 3)
    qtbot.waitUntil(lambda: [i.position for i in store.get(ids["fox"]).images]  # type: ignore[union-attr]
                    == [0, 1, 2])
    qtbot.mouseClick(gallery.deleted_bar.undo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: images_of(window, ids["fox"]) == 4, timeout=5000)

    # The header's menu deletes the whole generation; Undo (the notice's) brings it back.
    choose(header_menu(qtbot, gallery, ids["fox"]), "Delete the whole generation (4 images)")
    qtbot.waitUntil(lambda: ids["fox"] not in shown(window))
    qtbot.waitUntil(lambda: store.count(states=(State.DONE,)) == 1)
    assert {e.id for e in store.page()} == {ids["owl"], ids["failed"]}  # out of the list
    assert "Deleted generation" in gallery.deleted_bar.text.text()
    qtbot.mouseClick(gallery.deleted_bar.undo, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: images_of(window, ids["fox"]) == 4, timeout=5000)
    assert list(rows(gallery)) == [ids["owl"], ids["fox"]]  # back in its place


def test_recently_deleted_lists_restores_and_emptying_removes_only_unshared_files(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    ids = seed(isolated_environment)
    window = open_window(qtbot, isolated_environment, ScriptedBackend())
    store, gallery = window.session.store, window.gallery

    async def opened() -> None:
        start(window)
        await until(lambda: len(shown(window)) == 2, what="the gallery")

    run(aloop, opened())
    fox = rows(gallery)[ids["fox"]]
    fox_files = [store.image_path(i.sha256) for i in fox.entry.images]
    choose(thumb_menu(qtbot, gallery, ids["owl"], 1), "Delete this image")
    choose(header_menu(qtbot, gallery, ids["fox"]), "Delete the whole generation")
    qtbot.waitUntil(lambda: store.trash_count() == 2)

    gallery.show_box.setCurrentIndex(gallery.show_box.findData(Show.TRASH))
    qtbot.waitUntil(lambda: set(gallery.cards) == {ids["fox"], ids["owl"]})
    trashed = gallery.cards[ids["owl"]]
    assert isinstance(trashed, TrashCard) and len(trashed.thumbs) == 1
    assert "1 image of it" in trashed.when.text() and gallery.empty_trash.isVisible()
    qtbot.mouseClick(trashed.restore, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: set(gallery.cards) == {ids["fox"]})
    assert len(store.get(ids["owl"]).images) == 4  # type: ignore[union-attr]

    qtbot.mouseClick(gallery.empty_trash, Qt.MouseButton.LeftButton)  # asked first:
    ask = gallery.confirm
    assert ask is not None and ask.isVisible() and "1 item" in ask.text()
    qtbot.mouseClick(ask.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert all(f.exists() for f in fox_files) and set(gallery.cards) == {ids["fox"]}
    qtbot.mouseClick(gallery.empty_trash, Qt.MouseButton.LeftButton)
    (empty,) = [b for b in gallery.confirm.buttons() if b.text() == "Empty trash"]
    qtbot.mouseClick(empty, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not gallery.cards and gallery.empty.isVisible())
    assert "trash is empty" in gallery.empty.text()
    assert fox_files[0].exists()  # the owl's first image is the same file
    assert not any(f.exists() for f in fox_files[1:])
    assert all(store.image_path(i.sha256).exists()
               for i in store.get(ids["owl"]).images)  # type: ignore[union-attr]

    gallery.show_box.setCurrentIndex(gallery.show_box.findData(Show.RESULTS))
    qtbot.waitUntil(lambda: shown(window) == {ids["owl"]})


def test_the_filter_shows_starred_no_matches_and_an_earlier_sessions_failed_job(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    ids = seed(isolated_environment)
    backend = ScriptedBackend()
    window = open_window(qtbot, isolated_environment, backend)
    store, gallery = window.session.store, window.gallery

    async def opened() -> None:
        start(window)
        await until(lambda: len(shown(window)) == 2, what="the gallery")
        await window.session.wait_ready()  # (the warm-up: a scenario's end cancels it)

    run(aloop, opened())
    click_star(gallery, ids["owl"])
    qtbot.waitUntil(lambda: store.get(ids["owl"]).starred)  # type: ignore[union-attr]
    gallery.show_box.setCurrentIndex(gallery.show_box.findData(Show.STARRED))
    qtbot.waitUntil(lambda: shown(window) == {ids["owl"]})

    qtbot.keyClicks(gallery.search, "zebra")
    qtbot.waitUntil(lambda: not shown(window) and gallery.empty.isVisible())
    assert gallery.empty.text().startswith("No matches")
    gallery.search.clear()

    gallery.show_box.setCurrentIndex(gallery.show_box.findData(Show.STOPPED))
    qtbot.waitUntil(lambda: set(gallery.cards) == {ids["failed"]})
    stopped = gallery.cards[ids["failed"]]
    assert isinstance(stopped, StoppedCard)
    assert "out of memory" in stopped.reason.text() and "Failed" in stopped.reason.text()
    assert "seed 777" in stopped.retry.toolTip() and "≈ $" in stopped.retry.toolTip()
    assert not stopped.look_up.isVisible()

    async def retried() -> None:
        stopped.retry.click()
        await until(lambda: len(backend.runs) == 1 and window.session.jobs
                    and window.session.jobs[-1].state is JobState.DONE, what="the retry")

    run(aloop, retried())
    assert backend.runs[0].params.seed == 777
    job = window.session.jobs[-1]
    assert window.jobs.rows[job.id].title.text().startswith(f"#{job.history_id} ")

    async def discarded() -> None:
        qtbot.mouseClick(stopped.discard, Qt.MouseButton.LeftButton)
        await until(lambda: not gallery.cards and store.get(ids["failed"]).state  # type: ignore[union-attr]
                    is JobState.CANCELLED, what="the discard")

    run(aloop, discarded())
    assert ids["failed"] not in [e.id for e in store.page()]


def test_an_empty_gallery_says_how_to_make_the_first_result(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    window = open_window(qtbot, isolated_environment, ScriptedBackend())

    async def opened() -> None:
        start(window)
        await until(lambda: window.gallery.empty.isVisible(), what="the empty line")

    run(aloop, opened())
    assert "Generate" in window.gallery.empty.text()



def test_an_earlier_sessions_unknown_job_can_be_looked_up_from_the_gallery(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    store = HistoryStore(isolated_environment)
    unknown = store.record(GenerationParams("a boat", seed=31), export_scribble(
        drawn_sketch()).png, (512, 512), State.QUEUED)
    store.release(unknown, State.UNKNOWN, "Scribble Studio stopped while sending it.")
    store.close()
    backend = ScriptedBackend()  # its request history does not know the job
    window = open_window(qtbot, isolated_environment, backend)
    gallery = window.gallery

    async def opened() -> None:
        start(window)
        await until(lambda: len(backend.of("find")) == 1, what="the look-up at start")
        await until(lambda: window.session.jobs and not window.session.active_jobs)
        gallery.show_box.setCurrentIndex(gallery.show_box.findData(Show.STOPPED))
        await until(lambda: set(gallery.cards) == {unknown}, what="the filter")
        stopped = gallery.cards[unknown]
        assert isinstance(stopped, StoppedCard)
        assert stopped.look_up.isVisible() and "Outcome unknown" in stopped.reason.text()
        assert "may have been generated and billed" in stopped.retry.toolTip()
        stopped.look_up.click()
        await until(lambda: len(backend.of("find")) == 2, what="the second look-up")

    run(aloop, opened())
    assert backend.runs == []  # looking up sends nothing


def test_what_has_been_in_the_trash_30_days_is_swept_at_start(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    ids = seed(isolated_environment)
    store = HistoryStore(isolated_environment)
    owl_only = [store.image_path(i.sha256) for i in store.get(ids["owl"]).images[1:]]  # type: ignore[union-attr]
    store.trash_generation(ids["owl"])
    store.trash_image(ids["fox"], 3)  # yesterday's: stays
    store.write("UPDATE generations SET deleted_at = deleted_at - 31 * 86400 WHERE id = ?",
                (ids["owl"],))
    store.close()
    window = open_window(qtbot, isolated_environment, ScriptedBackend())

    async def opened() -> None:
        start(window)
        await until(lambda: not any(f.exists() for f in owl_only), what="the sweep")

    run(aloop, opened())
    assert [(t.entry.id, t.whole) for t in window.session.store.trash()] == [(ids["fox"], False)]
