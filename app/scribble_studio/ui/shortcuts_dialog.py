"""The keyboard shortcuts dialog (Help ▸ Keyboard shortcuts, F1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

if TYPE_CHECKING:
    from scribble_studio.ui.main_window import MainWindow

EXTRA_KEYS = [("Thinner / thicker pen", "[ / ]"), ("Pan", "Space + drag, middle button"),
              ("Zoom at the pointer", "Ctrl + wheel"), ("Straight line", "Shift + drag")]


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
