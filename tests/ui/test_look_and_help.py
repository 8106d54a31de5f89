"""The system's colour scheme, icons with fallbacks, Help → shortcuts and examples."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.services.sketch_files import read_image
from scribble_studio.ui.help_menu import examples
from scribble_studio.ui.look import app_icon, follow_color_scheme, icon
from scribble_studio.ui.main_window import MainWindow


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
    assert "Ctrl+Z" in window.actions_.undo.toolTip() or window.actions_.undo.toolTip()
    assert "(B)" in window.actions_.pen.toolTip()


def test_about_opens_without_a_nested_event_loop(window: MainWindow, qtbot: QtBot) -> None:
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    about = next(a for a in menu.actions() if a.text() == "&About")
    about.trigger()  # exec() would block here until the box closed
    box = next(w for w in QApplication.topLevelWidgets()
               if isinstance(w, QMessageBox) and w.isVisible())
    assert "Scribble Studio" in box.text()
    box.close()
