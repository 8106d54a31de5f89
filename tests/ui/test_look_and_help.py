"""The system's colour scheme, icons with fallbacks, Help → shortcuts and examples."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QApplication, QMessageBox, QToolBar
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.services.sketch_files import read_image
from scribble_studio.ui.help_menu import examples
from scribble_studio.ui.look import app_icon, follow_color_scheme, icon
from scribble_studio.ui.main_window import MainWindow
from tests.pointer import drag


def test_the_app_follows_the_systems_dark_and_light_scheme(qapp: QApplication) -> None:
    hints = QGuiApplication.styleHints()
    follow_color_scheme(qapp)  # (the app's Fusion style: test_start.py)
    # The offscreen platform cannot switch schemes itself, so the signal the desktop
    # would send is sent here.
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert qapp.palette().window().color().lightness() < 80
    assert qapp.palette().text().color().lightness() > 180
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert qapp.palette().window().color().lightness() > 180


def test_icons_fall_back_to_the_bundled_svgs() -> None:
    assert not app_icon().isNull()
    for name in ("draw-freehand", "draw-eraser", "edit-undo", "zoom-fit-best",
                 "view-preview"):
        assert not icon(name).isNull(), name


def test_help_open_example_loads_each_example_exactly(window: MainWindow, qtbot: QtBot) -> None:
    paths = examples()
    assert [p.stem for p in paths] == ["flower", "house", "mountains"]
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    example_menu = next(a.menu() for a in menu.actions() if a.menu() is not None)
    for action, path in zip(example_menu.actions(), paths, strict=True):
        with qtbot.waitSignal(window.files.opened, timeout=5000):
            action.trigger()
        expected = read_image(path).point(lambda v: 255 - v).tobytes()
        assert alpha_to_pil(window.view.document.image).tobytes() == expected, path.name


def test_the_main_controls_have_accessible_names_and_tooltips(window: MainWindow) -> None:
    assert window.view.accessibleName() == "Sketch canvas"
    assert window.generate.params.prompt.accessibleName() == "Prompt"
    assert window.generate.params.seed.accessibleName() == "Seed"
    assert "(B)" in window.actions_.pen.toolTip()
    # Every tool bar action with a key says it in its tool tip (the label stays short).
    bar = window.findChild(QToolBar, "canvas-tools")
    assert bar is not None
    keyed = [a for a in bar.actions() if not a.shortcut().isEmpty()]
    assert window.actions_.undo in keyed and len(keyed) >= 5
    def says_its_key(action: QAction) -> bool:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()]
        return any(key in action.toolTip() for key in keys)

    assert [a.text() for a in keyed if not says_its_key(a)] == []
    centre = window.view.viewport().rect().center()
    drag(window.view.viewport(), [(centre.x() - 40, centre.y()), (centre.x() + 40, centre.y())])
    undo = window.actions_.undo.toolTip()  # now it says what it undoes, and still its key
    assert undo.startswith("Undo ") and undo != "Undo (Ctrl+Z)" and says_its_key(
        window.actions_.undo), undo
    assert [a for a in keyed if not says_its_key(a)] == []


def test_about_opens_without_a_nested_event_loop(window: MainWindow, qtbot: QtBot) -> None:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in menu.actions() if a.text() == "&About")
    about.trigger()  # exec() would block here until the box closed
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible())
    assert "Scribble Studio" in box.text()
    box.close()
