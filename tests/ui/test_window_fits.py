"""The window on a laptop (issue 16, items 2, 6 and 7): it takes 1024 × 640 and
1366 × 768 with Generate in view and uncovered, shows a whole row of thumbnails at
1280 × 800 on a first start, keeps its tool bar still and "What the model sees" out of
the overflow, and says on a first start where the key comes from."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QRegion
from PySide6.QtWidgets import QApplication, QToolBar, QWidget
from pytestqt.qtbot import QtBot

from scribble_studio.main import build_window, start
from scribble_studio.ui.first_run_hint import API_KEYS_URL
from scribble_studio.ui.gallery_view import THUMB
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.history_data import finished_generations
from tests.fakes.segmind_server import API_KEY
from tests.pointer import drag
from tests.ui.conftest import LOOPBACK
from tests.ui.gallery_helpers import shown_loaded

SIZES = [QSize(1024, 640), QSize(1024, 700), QSize(1366, 768)]  # 700: where it broke


def open_window(qtbot: QtBot, home: Path, environ: dict[str, str] | None = None) -> MainWindow:
    window = build_window(home, environ if environ is not None else LOOPBACK, None)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture
def fresh(qtbot: QtBot, isolated_environment: Path) -> Iterator[MainWindow]:
    """A first start, no key, and a few generations in the history."""
    finished_generations(isolated_environment, 3)
    window = open_window(qtbot, isolated_environment)
    yield window
    window.studio.runner.shutdown()


def in_window(window: MainWindow, widget: QWidget) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def uncovered(widget: QWidget) -> bool:
    """Nothing lies over any part of ``widget``: Qt's unobscured region is all of it."""
    return widget.visibleRegion() == QRegion(widget.rect())


def resize(qtbot: QtBot, window: MainWindow, size: QSize) -> None:
    window.resize(size)
    qtbot.waitUntil(lambda: window.size() == size)
    QApplication.processEvents()  # the docks are laid out


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s.width()}x{s.height()}")
def test_the_window_takes_a_laptop_size_with_generate_in_view(
        qtbot: QtBot, fresh: MainWindow, size: QSize) -> None:
    window = fresh
    hint = window.minimumSizeHint()
    assert hint.width() <= 1024 and hint.height() <= 640, hint
    resize(qtbot, window, size)
    assert window.size() == size  # the window took the size: nothing forced it bigger
    button = window.generate.button
    assert button.isVisible() and button.width() >= 100 and button.height() >= 30
    assert window.rect().contains(in_window(window, button)), in_window(window, button)
    assert uncovered(button), button.visibleRegion()
    # The Jobs list is there too (under the parameters), not squeezed away.
    assert window.jobs.isVisible() and window.jobs.list.height() >= 40
    # The form scrolls rather than being cut: all its fields can be reached.
    scroll = window.generate.scroll_area
    assert scroll.widget().height() >= window.generate.params.minimumSizeHint().height()
    if size.height() >= 768:  # a laptop's full screen: the whole form, nothing scrolls
        assert scroll.verticalScrollBar().maximum() == 0
    assert window.view.viewport().height() >= 150


def test_generate_stays_in_view_when_the_parameters_scroll(qtbot: QtBot,
                                                           fresh: MainWindow) -> None:
    window = fresh
    resize(qtbot, window, QSize(1024, 640))
    # The user gives the Jobs list most of the column.
    window.resizeDocks([window.jobs_dock], [400], Qt.Orientation.Vertical)
    scroll = window.generate.scroll_area
    bar = scroll.verticalScrollBar()
    # The parameters have to scroll in so short a dock.
    qtbot.waitUntil(lambda: bar.maximum() > 0 and window.jobs_dock.height() > 200)
    bar.setValue(bar.maximum())
    QApplication.processEvents()
    button = window.generate.button
    assert uncovered(button) and window.rect().contains(in_window(window, button))
    # The button is outside the scrolled area, under it.
    assert in_window(window, button).top() >= in_window(window, scroll).bottom()


def test_a_first_start_at_1280x800_shows_a_whole_row_of_thumbnails(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, fresh: MainWindow) -> None:
    window = fresh
    resize(qtbot, window, QSize(1280, 800))

    async def scenario() -> None:
        start(window)
        await until(lambda: window.gallery.rows.rowCount() == 3, what="the gallery")
        await until(lambda: shown_loaded(window.gallery), what="its thumbnails")

    run(aloop, scenario())
    QApplication.processEvents()
    viewport = window.gallery.list.viewport()
    newest = window.gallery.list.geometry_of(3)
    assert newest is not None and newest.thumbs, "a generation shows its thumbnails"
    row = newest.thumbs[0]
    assert row.height() >= THUMB
    assert viewport.rect().contains(row), (row, viewport.rect())
    assert QRegion(row).subtracted(viewport.visibleRegion()).isEmpty()  # nothing over it


def test_the_tool_bar_keeps_still_and_shows_what_the_model_sees_at_1280(
        qtbot: QtBot, fresh: MainWindow) -> None:
    window = fresh
    resize(qtbot, window, QSize(1280, 800))
    bar = window.findChild(QToolBar, "canvas-tools")
    assert isinstance(bar, QToolBar)
    actions = window.actions_
    seen = bar.widgetForAction(actions.model_view)
    assert seen is not None and seen.isVisible()
    assert bar.rect().contains(QRect(seen.mapTo(bar, QPoint(0, 0)), seen.size()))
    places = {a.text(): bar.widgetForAction(a).geometry() for a in bar.actions()
              if bar.widgetForAction(a) is not None and a.isVisible()}
    view = window.view
    view.document.begin_stroke(QPointF(40, 40), 4)
    view.document.extend_stroke(QPointF(90, 80), 4)
    view.document.end_stroke()
    qtbot.waitUntil(actions.undo.isEnabled)
    QApplication.processEvents()
    assert actions.undo.text() == "Undo" and actions.undo.toolTip() != "Undo"
    after = {a.text(): bar.widgetForAction(a).geometry() for a in bar.actions()
             if bar.widgetForAction(a) is not None and a.isVisible()}
    assert after == places  # not one button moved


def started(aloop: asyncio.AbstractEventLoop, window: MainWindow) -> MainWindow:
    """What runs once the window has painted (the first-run hint is built then)."""

    shown: list[object] = []
    window.studio.gallery.reset.connect(shown.append)

    async def scenario() -> None:
        start(window)
        await until(lambda: shown, what="the history to be read")

    run(aloop, scenario())
    return window


def test_the_first_run_hint_shows_without_a_key_and_stays_dismissed(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    window = started(aloop, open_window(qtbot, isolated_environment))
    hint = window.first_run_hint
    assert hint is not None and hint.isVisible()
    text = hint.text.text()
    assert API_KEYS_URL in text and "Settings" in text and hint.text.openExternalLinks()
    viewport = window.view.viewport()
    assert hint.parentWidget() is viewport  # over the canvas, not in a dialog
    assert QRect(QPoint(0, 0), viewport.size()).contains(hint.geometry())
    assert QApplication.activeModalWidget() is None
    # Drawing works meanwhile: beside the card the pointer reaches the canvas itself.
    window.view.zoom_fit()
    ends = [window.view.to_view(QPointF(x, y)) for x, y in ((400, 420), (480, 500))]
    points = [(p.x(), p.y()) for p in ends]
    assert all(viewport.childAt(QPoint(int(x), int(y))) is None for x, y in points)
    drag(viewport, points)
    assert window.view.document.has_ink() and hint.isVisible()
    qtbot.mouseClick(hint.settings_button, Qt.MouseButton.LeftButton)
    assert window.settings_dialog is not None and window.settings_dialog.isVisible()
    window.settings_dialog.reject()
    assert window.studio.settings.current().first_run_hint_dismissed is False
    qtbot.mouseClick(hint.got_it, Qt.MouseButton.LeftButton)
    assert not hint.isVisible()
    settings_file = isolated_environment / "settings.json"
    qtbot.waitUntil(lambda: settings_file.exists() and json.loads(
        settings_file.read_text()).get("first_run_hint_dismissed") is True)
    window.close()
    window.studio.runner.shutdown(wait=True)
    again = started(aloop, open_window(qtbot, isolated_environment))
    assert again.first_run_hint is None  # not even built
    again.studio.runner.shutdown()


def test_the_first_run_hint_does_not_show_with_a_key_and_goes_once_one_is_set(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path,
        tmp_path: Path) -> None:
    with_key = started(aloop, open_window(qtbot, isolated_environment,
                                          {**LOOPBACK, "SEGMIND_API_KEY": API_KEY}))
    assert with_key.first_run_hint is None
    with_key.studio.runner.shutdown(wait=True)
    other = tmp_path / "another-home"
    window = started(aloop, open_window(qtbot, other))
    hint = window.first_run_hint
    assert hint is not None and hint.isVisible()

    async def scenario() -> None:
        window.studio.settings.set_key(API_KEY)  # as the Settings dialog does
        assert not hint.isVisible()
        assert window.studio.settings.current().first_run_hint_dismissed is True
        window.studio.settings.set_key("")  # the key removed again: the hint stays away
        assert not hint.isVisible()

    run(aloop, scenario())
    window.studio.runner.shutdown(wait=True)


def test_a_banner_pushes_the_first_run_hint_down_instead_of_covering_it(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    window = started(aloop, open_window(qtbot, isolated_environment))
    hint, banner = window.first_run_hint, window.banner
    assert hint is not None and hint.isVisible() and not banner.isVisible()
    alone = hint.mapToGlobal(QPoint(0, 0)).y()
    banner.show_message("Could not connect to 127.0.0.1:9. Check the connection.", key="x")
    assert banner.isVisible()
    under = banner.mapToGlobal(QPoint(0, banner.height())).y()
    assert hint.mapToGlobal(QPoint(0, 0)).y() >= under  # its title and ✕ stay in view
    banner.resolve("x")
    assert hint.mapToGlobal(QPoint(0, 0)).y() == alone
