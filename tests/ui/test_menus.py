"""The menus and the shortcuts window in the real window (offscreen): both built from the
same actions, open with real keys; every dialog is freed when closed; the import preview
is worked out on the runner's workers, the newest request winning."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QImage
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QMenuBar, QMessageBox
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.scribble_importer import ScribbleImporter
from scribble_studio.ui.compare_view import CompareView
from scribble_studio.ui.main_window import MainWindow
from scribble_studio.ui.menus import build_menu_bar, command, keys_of, plain
from scribble_studio.ui.result_viewer import ResultViewer
from scribble_studio.ui.shortcuts_dialog import ShortcutsDialog, all_sections
from scribble_studio.ui.size_dialog import SizeDialog
from tests.asyncqt import run, until
from tests.ui import lineage_world
from tests.ui.lineage_world import ctrl_click, generate, menu_entry, stroke

WORKERS = 2  # the runner's workers, as main.py builds it


def menu_actions(menu: QMenu) -> list[QAction]:
    """Every action a menu shows, its submenus' too."""
    found = []
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            found += menu_actions(sub)
        elif not action.isSeparator():
            found.append(action)
    return found


def open_shortcuts(window: MainWindow, qtbot: QtBot) -> ShortcutsDialog:
    window.activateWindow()
    qtbot.keyClick(window, Qt.Key.Key_F1)
    dialog = window.shortcuts_dialog
    assert dialog is not None and dialog.isVisible()
    return dialog


def test_the_shortcuts_window_lists_every_key_of_the_menus_under_its_menu(
        window: MainWindow, qtbot: QtBot) -> None:
    shown = open_shortcuts(window, qtbot).rows()
    listed = {row for rows in shown.values() for row in rows}
    for top in window.menuBar().actions():
        menu = top.menu()
        assert isinstance(menu, QMenu)
        for action in menu_actions(menu):
            if keys_of(action):
                assert (plain(action.text()), keys_of(action)) in listed, action.text()
    assert ("Undo", "Ctrl+Z") in shown["Edit"]
    assert ("Generate", "Ctrl+Return") in shown["Generate"]
    assert ("Keyboard shortcuts", "F1") in shown["Help"]
    assert "Thinner / thicker pen" in dict(shown["Drawing"])


def test_the_large_views_keys_are_listed_as_its_actions_have_them(
        window: MainWindow, qtbot: QtBot) -> None:
    viewer = ResultViewer(window.studio.gallery, window)
    qtbot.addWidget(viewer)
    has = {keys_of(action) for action in viewer.actions() if keys_of(action)}
    rows = open_shortcuts(window, qtbot).rows()["Large view of a result"]
    listed = {key for _name, keys in rows for key in keys.split(" / ")}
    assert listed == has
    assert {"S", "R", "Shift+R", "M", "O", "Left", "Right", "Up", "Down", "Ctrl+S",
            "Ctrl+C", "Esc"} <= listed


def test_an_action_added_to_the_table_is_in_the_menu_and_the_shortcuts(
        window: MainWindow) -> None:
    table = dict(window.menu_table)
    live = command(window, "&Live mode", lambda: None, "Ctrl+Shift+L")
    table["&Generate"] = [*table["&Generate"], None, live]
    bar = QMenuBar()
    build_menu_bar(bar, table)
    generate = next(a.menu() for a in bar.actions() if a.text() == "&Generate")
    assert isinstance(generate, QMenu) and live in generate.actions()
    sections = dict(all_sections(table))
    assert ("Live mode", "Ctrl+Shift+L") in sections["Generate"]
    bar.deleteLater()


def freed() -> None:
    """Run the deletions closing a dialog scheduled (deleteLater)."""
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_every_dialog_is_freed_when_closed_and_drafts_add_no_connection(
        window: MainWindow, qtbot: QtBot) -> None:
    keeper = window.studio.drafts
    saved_receivers = keeper.receivers("2saved()")  # SIGNAL("saved()")
    dialogs = len(window.findChildren(QDialog))
    importers = len(window.files.findChildren(ScribbleImporter))
    picture = QImage(64, 64, QImage.Format.Format_RGB32)
    picture.fill(Qt.GlobalColor.white)
    for _ in range(3):
        window.commands.settings.trigger()
        assert window.settings_dialog is not None
        window.settings_dialog.reject()
        open_shortcuts(window, qtbot).reject()
        window.commands.drafts.trigger()
        assert window.drafts_dialog is not None
        assert keeper.receivers("2saved()") == saved_receivers + 1
        window.drafts_dialog.reject()
        window.commands.about.trigger()
        about = next(w for w in window.findChildren(QMessageBox) if w.isVisible())
        about.close()
        window.actions_.custom_size.trigger()
        size = next(w for w in window.findChildren(SizeDialog) if w.isVisible())
        size.reject()
        with qtbot.waitSignal(window.files.import_ready, timeout=5000):
            window.files.import_qimage(picture)
        assert window.import_dialog is not None
        window.import_dialog.reject()
        freed()
        assert len(window.findChildren(QDialog)) == dialogs
        assert (window.settings_dialog, window.shortcuts_dialog, window.drafts_dialog,
                window.import_dialog) == (None, None, None, None)
    assert keeper.receivers("2saved()") == saved_receivers
    assert len(window.files.findChildren(ScribbleImporter)) == importers  # pictures let go


def drain(runner: BackgroundRunner, qtbot: QtBot) -> None:
    """Return once every job given to ``runner`` so far has finished and its result has
    reached the GUI thread: one job per worker, each waiting for all the others, can only
    all run once the earlier jobs are done, and their results are delivered after those."""
    gate = threading.Barrier(WORKERS, timeout=10)
    done: list[object] = []
    for _ in range(WORKERS):
        runner.run(gate.wait, done.append, done.append)
    qtbot.waitUntil(lambda: len(done) == WORKERS, timeout=15000)
    assert all(isinstance(index, int) for index in done), done


def test_the_import_preview_follows_the_newest_slider_value(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "grey.png"
    Image.linear_gradient("L").resize((400, 400)).save(path)  # every grey: each threshold differs
    with qtbot.waitSignal(window.files.import_ready, timeout=5000):
        window.files.open_path(path, as_import=True)
    dialog = window.import_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.preview.pixmap() is not None
                    and not dialog.preview.pixmap().isNull(), timeout=5000)
    runner = window.studio.runner
    dialog.line_mode.click()  # (a gradient may be guessed a photo) the threshold applies
    assert dialog.threshold.isEnabled()
    drain(runner, qtbot)
    shown: list[QImage] = []
    dialog.importer.preview_ready.connect(shown.append)
    first = dialog.preview.pixmap().toImage()
    dialog.threshold.setFocus()
    qtbot.keyClick(dialog.threshold, Qt.Key.Key_PageUp)
    qtbot.keyClick(dialog.threshold, Qt.Key.Key_PageUp)  # asked twice before any answer
    assert dialog.preview.pixmap().toImage() == first  # the worker answers, later
    drain(runner, qtbot)
    assert len(shown) == 1  # the answer for the older value never showed
    newest = dialog.preview.pixmap().toImage()
    assert newest != first
    qtbot.keyClick(dialog.threshold, Qt.Key.Key_PageDown)  # the older value, asked alone
    drain(runner, qtbot)
    older = dialog.preview.pixmap().toImage()
    assert older not in (newest, first)
    qtbot.keyClick(dialog.threshold, Qt.Key.Key_PageUp)
    drain(runner, qtbot)
    assert dialog.preview.pixmap().toImage() == newest
    dialog.reject()


def test_a_discarded_import_drops_what_is_still_on_its_way(
        window: MainWindow, qtbot: QtBot) -> None:
    picture = QImage(64, 64, QImage.Format.Format_RGB32)
    picture.fill(Qt.GlobalColor.white)
    with qtbot.waitSignal(window.files.import_ready, timeout=5000) as blocker:
        window.files.import_qimage(picture)
    importer: QObject = blocker.args[0]
    gone: list[bool] = []
    importer.destroyed.connect(lambda: gone.append(True))
    assert window.import_dialog is not None
    window.import_dialog.reject()  # before its guesses are back
    drain(window.studio.runner, qtbot)
    freed()
    assert gone == [True]


# The lineage world (scripted backend, real history) for the gallery's own windows.
backend, win = lineage_world.backend, lineage_world.win


def test_more_like_this_and_compare_are_freed_when_closed(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    gen_id = generate(aloop, win, qtbot, samples=2)
    dialogs = len(win.findChildren(QDialog))
    for _ in range(3):
        menu_entry(win, qtbot, gen_id, 0, "More like this…")
        variations = win.gallery.variations
        assert variations is not None and variations.isVisible()
        variations.reject()
        ctrl_click(win, gen_id, 0)
        menu_entry(win, qtbot, gen_id, 1, "Compare with the picked result")

        async def compared() -> None:
            await until(lambda: win.gallery.compare_view is not None, what="compare")

        run(aloop, compared())
        assert win.gallery.compare_view is not None
        win.gallery.compare_view.close()
        qtbot.mouseClick(win.gallery.unpick, Qt.MouseButton.LeftButton)
        freed()
        assert len(win.findChildren(QDialog)) == dialogs
        assert win.gallery.variations is None and win.gallery.compare_view is None
        assert win.findChildren(CompareView) == []
