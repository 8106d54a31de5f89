"""Help: the keyboard shortcuts, the example sketches, About."""

from __future__ import annotations

import functools
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMessageBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from scribble_studio import APP_NAME, __version__

if TYPE_CHECKING:
    from scribble_studio.ui.main_window import MainWindow

EXTRA_KEYS = [("Thinner / thicker pen", "[ / ]"), ("Pan", "Space + drag, middle button"),
              ("Zoom at the pointer", "Ctrl + wheel"), ("Straight line", "Shift + drag")]


def examples() -> list[Path]:
    folder = files("scribble_studio.assets").joinpath("examples")
    return sorted(Path(str(folder.joinpath(entry.name))) for entry in folder.iterdir()
                  if entry.name.endswith(".png"))


def shortcut_rows(window: MainWindow) -> list[tuple[str, str]]:
    rows = {}
    for action in window.findChildren(QAction):
        keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                         for s in action.shortcuts())
        name = action.text().replace("&", "").rstrip("…")
        if keys and name:
            rows[name] = keys
    return sorted(rows.items()) + EXTRA_KEYS


class ShortcutsDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        rows = shortcut_rows(window)
        self.table = QTableWidget(len(rows), 2)
        self.table.setHorizontalHeaderLabels(["Action", "Keys"])
        self.table.setAccessibleName("Keyboard shortcuts")
        for n, (name, keys) in enumerate(rows):
            self.table.setItem(n, 0, QTableWidgetItem(name))
            self.table.setItem(n, 1, QTableWidgetItem(keys))
        self.table.resizeColumnsToContents()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(460, 520)


def build_help_menu(window: MainWindow) -> None:
    menu = window.menuBar().addMenu("&Help")
    menu.addAction("&Keyboard shortcuts", QKeySequence("F1"), window.show_shortcuts)
    example_menu = menu.addMenu("Open &example")
    for path in examples():
        example_menu.addAction(path.stem.capitalize(),
                               functools.partial(window.files.open_path, path))
    menu.addAction("&About", lambda: QMessageBox.about(
        window, f"About {APP_NAME}",
        f"{APP_NAME} {__version__}\nSketch a scribble, get images from Segmind's "
        "ControlNet Scribble model."))
