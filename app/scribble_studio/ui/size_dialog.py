"""A custom canvas size: each side a multiple of 64 from 256 to 2048."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

from scribble_studio.domain.strokes import SIDE_RANGE


def _side(value: int, name: str) -> QSpinBox:
    box = QSpinBox()
    box.setRange(*SIDE_RANGE)
    box.setSingleStep(64)
    box.setSuffix(" px")
    box.setValue(value)
    box.setAccessibleName(name)
    # Typed values snap to the nearest multiple of 64 when editing ends.
    box.editingFinished.connect(lambda: box.setValue(round(box.value() / 64) * 64))
    return box


class SizeDialog(QDialog):
    def __init__(self, current: QSize, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed when closed
        self.setWindowTitle("Canvas size")
        self.width_box = _side(current.width(), "Width")
        self.height_box = _side(current.height(), "Height")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Width", self.width_box)
        form.addRow("Height", self.height_box)
        low, high = SIDE_RANGE
        self.note = QLabel(f"Each side is a multiple of 64 from {low} to {high} px: other "
                           "values snap to the nearest one.")
        self.note.setWordWrap(True)
        form.addRow(self.note)
        form.addRow(buttons)

    def chosen(self) -> QSize:
        return QSize(round(self.width_box.value() / 64) * 64,
                     round(self.height_box.value() / 64) * 64)
