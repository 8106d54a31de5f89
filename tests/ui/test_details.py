"""The small things, through the real window: the connection test's answer wraps and
speaks as Settings does, drafts show a thumbnail and their prompt, the Canvas size menu
marks the size, file dialogs start in Pictures and remember their folder per kind, saved
sketches get the user's usual permissions, dark-scheme icons take the text colour."""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QGuiApplication, QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from scribble_studio.services.atomic_files import atomic_write, current_umask
from scribble_studio.ui.file_dialogs import pictures_folder
from scribble_studio.ui.look import SchemeIcon, follow_color_scheme, resource
from scribble_studio.ui.main_window import MainWindow
from scribble_studio.ui.settings_dialog import here_in_settings
from scribble_studio.ui.size_dialog import SizeDialog
from tests.asyncqt import run, until
from tests.fakes.segmind_server import FakeSegmind


def test_the_connection_test_answer_wraps_and_does_not_send_you_to_settings(
        aloop: asyncio.AbstractEventLoop, window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    window.open_settings()
    dialog = window.settings_dialog
    assert dialog is not None
    dialog.base.setText(fake_api.base_url)
    dialog.key.setText("sk-wrong")

    async def scenario() -> None:
        dialog.test.click()
        await until(lambda: "✘" in dialog.test_result.text())

    run(aloop, scenario())
    label = dialog.test_result
    assert "invalid" in label.text() and "in Settings" not in label.text()
    assert "Check the API key above." in label.text()
    # A long answer (a refused connection names host, port and the reason) wraps.
    window.studio.settings.tested.emit(False, "Cannot connect to api.segmind.com:443: the "
                                       "connection was refused by the other side. Check the "
                                       "connection, a proxy or a firewall, and the API base "
                                       "URL in Settings (or SCRIBBLE_STUDIO_API_BASE).")
    assert "Check the connection" in label.text() and "in Settings" not in label.text()
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
    lines = label.heightForWidth(label.width()) / label.fontMetrics().lineSpacing()
    assert lines >= 3
    # Not clipped: the label has the height its wrapped text needs, inside the dialog.
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
    assert label.geometry().right() <= dialog.contentsRect().right()


def test_advice_inside_settings_points_above() -> None:
    assert here_in_settings("Check the API base URL in Settings (or "
                            "SCRIBBLE_STUDIO_API_BASE).") == "Check the API base URL above."
    assert here_in_settings("Connected. Credits: 3.") == "Connected. Credits: 3."


def test_the_drafts_list_shows_a_thumbnail_and_the_prompt(window: MainWindow,
                                                         qtbot: QtBot) -> None:
    store = window.studio.drafts.store
    sketch = Image.new("L", (512, 384), 255)
    sketch.paste(0, (100, 100, 400, 300))
    store.save("20260101-120000-abcdef", sketch, {"prompt": "a lighthouse at dusk"})
    window.open_drafts()
    dialog = window.drafts_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.list.count() >= 1
                    and "a lighthouse" in dialog.list.item(0).text())
    item = dialog.list.item(0)
    assert re.fullmatch(r"a lighthouse at dusk\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", item.text())
    thumb = item.icon().pixmap(dialog.list.iconSize()).toImage()
    assert not thumb.isNull() and thumb.width() == 96 and thumb.height() == 96
    assert thumb.pixelColor(48, 48).lightness() < 50  # the drawn block, small
    assert thumb.pixelColor(48, 5).alpha() == 0  # a 4:3 sketch, centred in the square
    assert thumb.pixelColor(48, 20).lightness() > 200  # its white paper


def test_the_canvas_size_menu_marks_the_size_and_the_box_says_sides_snap(
        window: MainWindow) -> None:
    actions = window.actions_
    doc = window.view.document
    checked = [a.text() for a in actions.size_menu.actions() if a.isChecked()]
    assert checked == [f"{doc.size().width()} × {doc.size().height()}"]
    actions.ask_resize(QSize(768, 512))  # a blank canvas: at once
    assert actions.size_actions[(768, 512)].isChecked()
    actions.ask_resize(QSize(640, 448))
    assert actions.custom_size.isChecked()
    assert actions.custom_size.text() == "Custom size (640 × 448)…"
    assert [a for a in actions.size_menu.actions() if a.isChecked()] == [actions.custom_size]
    note = SizeDialog(doc.size(), window).note.text()
    assert "multiple of 64" in note and "snap" in note


def test_file_dialogs_start_in_pictures_and_remember_the_folder_per_kind(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    actions, settings = window.actions_, window.studio.settings
    opened, saved = tmp_path / "sketches", tmp_path / "exports"
    opened.mkdir()
    saved.mkdir()
    Image.new("L", (512, 512), 255).save(opened / "one.png")
    actions.open.trigger()
    dialog = actions.file_dialog
    assert dialog is not None and Path(dialog.directory().absolutePath()) == pictures_folder()
    dialog.selectFile(str(opened / "one.png"))
    dialog.accept()
    assert settings.current().folder_open_sketch == str(opened)
    actions.open.trigger()
    again = actions.file_dialog
    assert again is not None and Path(again.directory().absolutePath()) == opened
    again.reject()
    actions.save.trigger()
    save = actions.file_dialog
    assert save is not None and Path(save.directory().absolutePath()) == pictures_folder()
    save.selectFile(str(saved / "mine.png"))
    with qtbot.waitSignal(window.files.saved, timeout=5000):
        save.accept()
    assert settings.current().folder_save_sketch == str(saved)
    assert settings.current().folder_open_sketch == str(opened)  # each kind its own
    # Kept in the settings file, for the next run.
    assert window.studio.settings.store.load().folder_save_sketch == str(saved)


def test_a_saved_sketch_has_the_users_usual_permissions(window: MainWindow, qtbot: QtBot,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "mine.png"
    with qtbot.waitSignal(window.files.saved, timeout=5000):
        window.files.save(path)
    mask = current_umask()
    assert mask == os.umask(mask)  # (read without changing it)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    private = tmp_path / "settings.json"
    atomic_write(private, b"{}")  # the app's own files stay the owner's only
    assert private.stat().st_mode & 0o777 == 0o600


def test_in_the_dark_scheme_icons_take_the_text_colour(qapp: QApplication) -> None:
    with open(resource("icons", "edit-undo.svg"), "rb") as svg:
        undo = QIcon(SchemeIcon(svg.read()))

    def ink(mode: QIcon.Mode = QIcon.Mode.Normal) -> str:
        image = undo.pixmap(48, 48, mode).toImage()
        pixels = [image.pixelColor(x, y) for x in range(48) for y in range(48)]
        return max(pixels, key=lambda colour: colour.alpha()).name()

    hints = QGuiApplication.styleHints()
    follow_color_scheme(qapp)
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert ink() == "#555555"
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    try:
        text = qapp.palette().buttonText().color()
        assert ink() == text.name() and text.lightness() > 180
        assert ink(QIcon.Mode.Disabled) != ink()
    finally:
        hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)


def test_a_remembered_folder_does_not_make_a_new_http_client(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path,
        tmp_path: Path) -> None:
    from scribble_studio.main import build_window
    from tests.fakes.scripted_backend import ScriptedBackend
    from tests.fakes.segmind_server import API_KEY
    from tests.ui.conftest import LOOPBACK
    from tests.ui.test_app_flows import draw, fill

    backend = ScriptedBackend()
    win = build_window(isolated_environment, {**LOOPBACK, "SEGMIND_API_KEY": API_KEY}, None,
                       backend_factory=backend.factory)
    qtbot.addWidget(win)
    win.show()
    fill(win)
    draw(win)

    async def generate() -> None:
        win.request_generate()
        await until(lambda: len(backend.runs) == len(win.session.jobs)
                    and all(job.state.value == "done" for job in win.session.jobs))

    run(aloop, generate())
    assert win.actions_.folders is not None
    win.actions_.folders.remember("save", tmp_path / "mine.png")
    run(aloop, generate())
    assert len(backend.runs) == 2 and len(backend.made) == 1
    win.studio.runner.shutdown()
