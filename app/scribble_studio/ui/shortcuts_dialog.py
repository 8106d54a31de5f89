"""The keyboard shortcuts dialog (Help ▸ Keyboard shortcuts, F1): the menus' own actions,
the large view's keys and the canvas's pointer keys, read from where each is defined."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.ui.menus import MenuTable, Section, plain, shortcut_sections
from scribble_studio.ui.result_viewer import VIEWER_KEYS

# Keys the canvas reads from its events (no action carries them).
CANVAS_KEYS = [("Thinner / thicker pen", "[ / ]"), ("Pan", "Space + drag, middle button"),
               ("Zoom at the pointer", "Ctrl + wheel"), ("Straight line", "Shift + drag")]


def viewer_section() -> Section:
    # A button's text where it is a word, else what it does (☆, −, +).
    rows = [(plain(text) if any(c.isalpha() for c in text) else tip,
             QKeySequence(keys).toString(QKeySequence.SequenceFormat.NativeText))
            for name, text, keys, tip in VIEWER_KEYS if name not in ("previous", "next")]
    # The arrows as one row each way, with what the button shows.
    rows.insert(0, ("Previous / next result", "Left / Right"))
    return "Large view of a result", rows


def all_sections(table: MenuTable) -> list[Section]:
    return [*shortcut_sections(table), viewer_section(), ("Drawing", CANVAS_KEYS)]


class ShortcutsDialog(QDialog):
    """Freed when closed."""

    def __init__(self, sections: list[Section], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Keyboard shortcuts")
        # A list to read, under headings: what it does, then its keys; nothing to edit.
        self.list = QTreeWidget()
        self.list.setColumnCount(2)
        self.list.setHeaderHidden(True)
        self.list.setRootIsDecorated(False)
        self.list.setItemsExpandable(False)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setFrameShape(QTreeWidget.Shape.NoFrame)
        self.list.setAccessibleName("Keyboard shortcuts")
        bold = self.list.font()
        bold.setBold(True)
        for title, rows in sections:
            heading = QTreeWidgetItem([title])
            heading.setFont(0, bold)
            heading.setFirstColumnSpanned(True)
            heading.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.list.addTopLevelItem(heading)
            for name, keys in rows:
                item = QTreeWidgetItem([name, keys])
                item.setFont(1, bold)
                heading.addChild(item)
        self.list.expandAll()
        self.list.resizeColumnToContents(0)
        self.list.setColumnWidth(0, self.list.columnWidth(0) + 24)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.resize(520, 640)

    def rows(self) -> dict[str, list[tuple[str, str]]]:
        """What it shows: each heading's rows."""
        shown: dict[str, list[tuple[str, str]]] = {}
        root = self.list.invisibleRootItem()
        for top in range(root.childCount()):
            heading = root.child(top)
            if heading is None:
                continue
            children = (heading.child(i) for i in range(heading.childCount()))
            shown[heading.text(0)] = [(c.text(0), c.text(1)) for c in children if c]
        return shown
