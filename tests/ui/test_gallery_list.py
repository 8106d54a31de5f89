"""The gallery's list view over a real history: rows paged with fetchMore, the bounded
thumbnail cache after scrolling many rows, the rows' accessible text, and results the
history announces (written on another thread) arriving in their place. The real window,
the scripted backend, real scroll bar changes and paints."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.gallery import PAGE, Show
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.main import build_window, start
from scribble_studio.services.history import State
from scribble_studio.ui.gallery_delegate import THUMB, fitted, row_geometry, row_height
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.history_data import finished_generations, seed_history
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.segmind_server import API_KEY, result_jpeg
from tests.fakes.sketches import drawn_sketch
from tests.ui.gallery_helpers import click_star, header_text, rows, shown_loaded

ENV = {"SEGMIND_API_KEY": API_KEY, "SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}


def open_window(qtbot: QtBot, home: Path) -> MainWindow:
    window = build_window(home, ENV, None, backend_factory=ScriptedBackend().factory)
    qtbot.addWidget(window)
    window.resize(QSize(1400, 900))
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_list_pages_with_fetch_more_and_says_each_row(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    seed_history(isolated_environment, PAGE * 2 + 5)
    window = open_window(qtbot, isolated_environment)
    gallery = window.gallery

    async def opened() -> None:
        start(window)
        await until(lambda: gallery.rows.rowCount() == PAGE, what="the first page")

    run(aloop, opened())
    first = gallery.rows.index(0)
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == first.data() \
        == header_text(rows(gallery)[PAGE * 2 + 5])
    assert "1 image" in first.data(Qt.ItemDataRole.AccessibleDescriptionRole)
    assert gallery.rows.canFetchMore()
    gallery.rows.fetchMore()
    gallery.rows.fetchMore()  # (asked twice while the page is on its way: one page)

    async def paged() -> None:
        await until(lambda: gallery.rows.rowCount() == PAGE * 2, what="the second page")
        bar = gallery.list.verticalScrollBar()
        while gallery.rows.rowCount() < PAGE * 2 + 5:  # the list asks at the bottom
            bar.setValue(bar.maximum())
            await until(lambda: not gallery.rows.fetching, what="the page")

    run(aloop, paged())
    assert gallery.rows.rowCount() == PAGE * 2 + 5 and not gallery.rows.canFetchMore()
    assert list(rows(gallery)) == list(range(PAGE * 2 + 5, 0, -1))  # newest first, no repeats


def test_the_thumbnail_cache_stays_within_its_bound_while_scrolling_many_rows(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    finished_generations(isolated_environment, 30)  # 120 distinct images: over the bound
    window = open_window(qtbot, isolated_environment)
    gallery = window.gallery
    gallery.thumbs.limit_bytes = 40 * 256 * 256 * 4  # (40 thumbnails: a few screens)
    seen: set[str] = set()

    async def scrolled() -> None:
        start(window)
        await until(lambda: gallery.rows.rowCount() == 30 and shown_loaded(gallery))
        bar = gallery.list.verticalScrollBar()
        while True:
            seen.update(i.sha256 for n in gallery.list.shown_rows()
                        for i in gallery.rows.item(n).entry.images)
            assert gallery.thumbs.size_bytes <= gallery.thumbs.limit_bytes
            if bar.value() >= bar.maximum():
                break
            bar.setValue(bar.value() + bar.pageStep())
            await until(lambda: shown_loaded(gallery), what="the rows in view")

    run(aloop, scrolled())
    assert len(seen) == 120  # every row was shown ...
    assert len(gallery.thumbs) <= 40 < len(seen)  # ... and only the last few kept

    async def back() -> None:  # scrolled back to the top: read again, drawn again
        gallery.list.verticalScrollBar().setValue(0)
        await until(lambda: gallery.list.shown_rows()[:1] == [0] and shown_loaded(gallery),
                    what="the top again")

    run(aloop, back())
    top = rows(gallery)[30].entry.images[0].sha256
    assert top in gallery.thumbs and gallery.thumbs.size_bytes <= gallery.thumbs.limit_bytes


def test_a_result_the_history_stores_on_another_thread_arrives_at_the_top(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    finished_generations(isolated_environment, 2)
    window = open_window(qtbot, isolated_environment)
    gallery, store = window.gallery, window.session.store

    async def opened() -> None:
        start(window)
        await until(lambda: gallery.rows.rowCount() == 2, what="the gallery")

    run(aloop, opened())
    params = GenerationParams("a new house", seed=5, samples=1)
    gen = store.record(params, export_scribble(drawn_sketch()).png, (512, 512), State.QUEUED)
    image = result_jpeg(256, 256, 5, 0)
    result = GenerationResult((), params, None, None, 1.0)
    writer = threading.Thread(target=store.finish, args=(gen, [(image, 256, 256)], result, 1.0))
    writer.start()
    writer.join()  # (another process's or the outbox's write: the history announces it)

    async def arrived() -> None:
        await until(lambda: list(rows(gallery))[:1] == [gen], what="the new result")
        await until(lambda: shown_loaded(gallery), what="its thumbnail")

    run(aloop, arrived())
    assert window.studio.gallery.total == 3

    # Unstarred in the Starred view: it leaves the list (what the history says it shows).
    click_star(gallery, gen)
    qtbot.waitUntil(lambda: store.get(gen).starred)  # type: ignore[union-attr]
    gallery.show_box.setCurrentIndex(gallery.show_box.findData(Show.STARRED))
    qtbot.waitUntil(lambda: list(rows(gallery)) == [gen])
    click_star(gallery, gen)
    qtbot.waitUntil(lambda: not rows(gallery) and gallery.empty.isVisible())


def test_one_geometry_draws_a_row_and_tells_what_a_point_is_on() -> None:
    geometry = row_geometry(QRect(0, 0, 700, row_height(16)), 3, 16)
    assert [geometry.hit(r.center()) for r in geometry.thumbs] == [
        ("thumb", 0), ("thumb", 1), ("thumb", 2)]
    assert geometry.hit(geometry.star.center()) == ("star", 0)
    assert geometry.hit(geometry.header.center()) == ("header", 0)
    assert geometry.hit(QPoint(690, 150)) == ("", 0)  # right of the last thumbnail
    first, second, _ = geometry.thumbs
    assert first.right() < second.left() and first.size() == QSize(THUMB, THUMB)
    assert not geometry.header.intersects(first) and not geometry.star.intersects(geometry.header)
    # An image keeps its proportions in the square; a small one keeps its size.
    assert fitted(256, 192, first) == QRect(first.x(), first.y() + 16, 128, 96)
    assert fitted(64, 64, first) == QRect(first.x() + 32, first.y() + 32, 64, 64)


def test_the_keyboard_moves_between_thumbnails_opens_and_stars(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    finished_generations(isolated_environment, 2)
    window = open_window(qtbot, isolated_environment)
    gallery, store = window.gallery, window.session.store

    async def opened() -> None:
        start(window)
        await until(lambda: gallery.rows.rowCount() == 2, what="the gallery")

    run(aloop, opened())
    gallery.list.setFocus()
    gallery.list.setCurrentIndex(gallery.rows.index(0))
    qtbot.keyClick(gallery.list, Qt.Key.Key_Right)
    qtbot.keyClick(gallery.list, Qt.Key.Key_Right)
    assert gallery.list.focused_image() == (rows(gallery)[2], 2)
    qtbot.keyClick(gallery.list, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: gallery.viewer is not None and gallery.viewer.item is not None
                    and (gallery.viewer.item.entry.id, gallery.viewer.index) == (2, 2))
    gallery.viewer.close()
    qtbot.keyClick(gallery.list, Qt.Key.Key_S)
    qtbot.waitUntil(lambda: store.get(2).starred)  # type: ignore[union-attr]
    assert gallery.rows.index(0).data(Qt.ItemDataRole.AccessibleDescriptionRole).endswith(
        "starred")
