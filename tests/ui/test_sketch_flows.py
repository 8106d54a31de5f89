"""Window-level canvas flows offscreen: open, save, import, paste, preview, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.domain.scribble_import import ImportMode
from scribble_studio.ui.main_window import MainWindow
from tests.pointer import drag


def ink(win: MainWindow) -> bytes:
    return alpha_to_pil(win.view.document.image).tobytes()


def scribble(win: MainWindow) -> None:
    centre = win.view.viewport().rect().center()
    drag(win.view.viewport(), [(centre.x() - 100, centre.y() - 50),
                               (centre.x() + 80, centre.y() + 60)])


def iou(a: Image.Image, b: Image.Image) -> float:
    ab = [(x > 127, y > 127) for x, y in zip(a.tobytes(), b.tobytes(), strict=True)]
    inter = sum(1 for x, y in ab if x and y)
    union = sum(1 for x, y in ab if x or y)
    return inter / union if union else 1.0


def test_the_window_title_and_actions(window: MainWindow) -> None:
    assert "Scribble Studio" in window.windowTitle()
    assert window.actions_.undo.shortcut().toString() == "Ctrl+Z"
    redo = {s.toString() for s in window.actions_.redo.shortcuts()}
    assert redo == {"Ctrl+Shift+Z", "Ctrl+Y"}


def test_save_then_open_restores_the_sketch_exactly(window: MainWindow, qtbot: QtBot,
                                                    tmp_path: Path) -> None:
    scribble(window)
    drawn = ink(window)
    path = tmp_path / "mine.png"
    with qtbot.waitSignal(window.files.saved, timeout=5000):
        window.files.save(path)
    window.view.document.clear()
    with qtbot.waitSignal(window.files.opened, timeout=5000):
        window.files.open_path(path)
    assert ink(window) == drawn
    window.view.document.undo_stack.undo()  # opening is one undoable edit
    assert set(ink(window)) == {0}


def test_importing_each_shared_scribble_matches_its_dark_pixels(
        window: MainWindow, qtbot: QtBot, scribble_files: list[Path]) -> None:
    from scribble_studio.domain.scribble import darkness
    for path in scribble_files:
        original = Image.open(path)
        window.view.document.resize_canvas(QSize(*original.size))
        with qtbot.waitSignal(window.files.import_ready, timeout=5000) as blocker:
            window.files.open_path(path, as_import=True)
        importer = blocker.args[0]
        qtbot.waitUntil(lambda imp=importer: imp.ready, timeout=5000)  # guessed on a worker
        assert importer.mode is ImportMode.LINE_DRAWING, path.name
        with qtbot.waitSignal(importer.applied, timeout=10000):
            window.import_dialog.accept()
        expected = darkness(original).point(lambda v: 255 if v < 127 else 0)
        got = window.view.document.ink_mask().point(lambda v: 255 if v > 128 else 0)
        assert iou(got, expected) >= 0.9, path.name


def test_the_import_dialog_previews_and_applies_one_undoable_edit(
        window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    picture = Image.new("RGB", (300, 200), "white")
    ImageDraw.Draw(picture).rectangle((50, 50, 250, 150), outline="black", width=6)
    path = tmp_path / "drawing.jpg"
    picture.save(path)
    with qtbot.waitSignal(window.files.import_ready, timeout=5000):
        window.files.open_path(path)  # not one of ours: imported, not opened
    dialog = window.import_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.preview.pixmap() is not None
                    and not dialog.preview.pixmap().isNull(), timeout=5000)
    with qtbot.waitSignal(dialog.importer.applied, timeout=5000):
        dialog.accept()
    assert window.view.document.has_ink()
    assert window.view.document.undo_stack.count() == 1
    window.view.document.undo_stack.undo()
    assert not window.view.document.has_ink(any_alpha=True)


def test_a_dark_line_drawing_is_inverted_automatically(window: MainWindow, qtbot: QtBot,
                                                        tmp_path: Path) -> None:
    picture = Image.new("L", (512, 512), 0)
    ImageDraw.Draw(picture).line((20, 256, 490, 256), fill=255, width=5)
    path = tmp_path / "chalk.png"
    picture.save(path)
    with qtbot.waitSignal(window.files.import_ready, timeout=5000) as blocker:
        window.files.open_path(path)
    importer = blocker.args[0]
    qtbot.waitUntil(lambda: importer.ready, timeout=5000)  # guessed on a worker
    assert importer.invert
    with qtbot.waitSignal(importer.applied, timeout=5000):
        window.import_dialog.accept()
    mask = window.view.document.ink_mask()
    assert mask.getpixel((256, 256)) == 255 and mask.getpixel((256, 100)) == 0


def test_a_photo_becomes_edges(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    photo = Image.linear_gradient("L").resize((512, 512)).convert("RGB")
    ImageDraw.Draw(photo).ellipse((120, 120, 400, 400), fill=(40, 90, 200))
    path = tmp_path / "photo.jpg"
    photo.save(path, quality=90)
    with qtbot.waitSignal(window.files.import_ready, timeout=5000) as blocker:
        window.files.open_path(path)
    importer = blocker.args[0]
    qtbot.waitUntil(lambda: importer.ready, timeout=5000)  # guessed on a worker
    assert importer.mode is ImportMode.PHOTO
    with qtbot.waitSignal(importer.applied, timeout=5000):
        window.import_dialog.accept()
    mask = window.view.document.ink_mask()
    inked = sum(1 for v in mask.tobytes() if v > 128)
    assert 500 < inked < 512 * 512 // 10  # outlines, not a filled blob
    assert mask.getpixel((260, 260)) == 0  # the inside of the disc is not ink


def test_paste_imports_a_clipboard_picture(window: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtGui import QColor, QImage, QPainter
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.fillRect(100, 20, 8, 200, QColor("black"))
    painter.end()
    QApplication.clipboard().setImage(image)
    with qtbot.waitSignal(window.files.import_ready, timeout=5000):
        window.actions_.paste.trigger()
    assert window.import_dialog is not None


@pytest.mark.parametrize("content", [b"", b"not a picture", b"\x89PNG\r\n\x1a\n\x00\x00junk",
                                     "truncated", "bomb", "missing"])
def test_bad_files_are_refused_and_leave_the_canvas_as_it_was(
        window: MainWindow, qtbot: QtBot, tmp_path: Path, content: object,
        scribble_files: list[Path]) -> None:
    scribble(window)
    before = ink(window)
    path = tmp_path / "bad.png"
    if content == "truncated":
        data = scribble_files[0].read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif content == "bomb":
        Image.new("1", (20000, 20000), 0).save(path)
    elif isinstance(content, bytes):
        path.write_bytes(content)
    for action in (lambda: window.files.open_path(path),
                   lambda: window.files.open_path(path, as_import=True),
                   lambda: window.files.load_reference(path)):
        with qtbot.waitSignal(window.files.notices.error, timeout=10000) as blocker:
            action()
        assert blocker.args[0].message and "Traceback" not in blocker.args[0].message
    assert window.banner.isVisible() and "bad.png" in window.banner.label.text()
    assert ink(window) == before and window.view.document.reference is None
    assert window.view.document.undo_stack.count() == 1


def test_the_model_preview_shows_the_binarized_map(window: MainWindow) -> None:
    scribble(window)
    window.actions_.model_view.setChecked(True)
    overlay = window.view.overlay
    assert overlay is not None
    values = {overlay.pixelColor(x, y).red() for x in range(0, 512, 3) for y in range(0, 512, 3)}
    assert values <= {0, 255} and values == {0, 255}
    window.actions_.invert.setChecked(True)
    assert window.view.overlay.pixelColor(2, 2).red() == 0  # paper is black when inverted
    window.actions_.model_view.setChecked(False)
    assert window.view.overlay is None


def test_the_reference_image_shows_but_is_not_exported(window: MainWindow, qtbot: QtBot,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "ref.png"
    Image.new("RGB", (640, 480), (20, 20, 20)).save(path)
    with qtbot.waitSignal(window.view.document.reference_changed, timeout=5000):
        window.files.load_reference(path)
    window.actions_.opacity.setValue(100)
    shot = window.view.viewport().grab().toImage()
    centre = window.view.viewport().rect().center()
    assert shot.pixelColor(centre).red() < 60  # the dark reference shows under the ink
    assert not window.view.document.has_ink(any_alpha=True)


def test_changing_the_size_of_a_drawing_asks_first(window: MainWindow) -> None:
    window.actions_.ask_resize(QSize(768, 768))  # blank: at once
    assert window.view.document.size() == QSize(768, 768)
    scribble(window)
    window.actions_.ask_resize(QSize(1024, 768))
    box = window.actions_.confirm_box
    assert box.isVisible() and window.view.document.size() == QSize(768, 768)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert window.view.document.size() == QSize(768, 768)
    window.actions_.ask_resize(QSize(1024, 768))
    window.actions_.confirm_box.button(QMessageBox.StandardButton.Ok).click()
    assert window.view.document.size() == QSize(1024, 768)
    window.view.document.undo_stack.undo()
    assert window.view.document.size() == QSize(768, 768)


def test_dropping_a_picture_file_imports_it(window: MainWindow, qtbot: QtBot,
                                             scribble_files: list[Path]) -> None:
    from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(scribble_files[2]))])
    centre = window.rect().center()
    enter = QDragEnterEvent(centre, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPoint(centre).toPointF(), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.files.import_ready, timeout=5000):
        QApplication.sendEvent(window, drop)
    assert window.import_dialog is not None
