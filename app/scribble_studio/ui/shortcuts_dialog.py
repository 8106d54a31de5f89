"""The keyboard shortcuts dialog (Help ▸ Keyboard shortcuts, F1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QTreeWidget,
    QTreeWidgetItem,
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
        # A plain list: what it does, then its keys; no grid, no header, nothing to edit.
        self.list = QTreeWidget()
        self.list.setColumnCount(2)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setUniformRowHeights(True)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.list.setAccessibleName("Keyboard shortcuts")
        bold = self.list.font()
        bold.setBold(True)
        for name, keys in rows:
            item = QTreeWidgetItem([name, keys])
            item.setFont(1, bold)
            self.list.addTopLevelItem(item)
        self.list.resizeColumnToContents(0)
        self.list.setColumnWidth(0, self.list.columnWidth(0) + 24)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(460, 520)
