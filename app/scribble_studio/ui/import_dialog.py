"""Import a picture as scribble: line drawing (threshold) or photo (colour edges, with a
line thickness and gap closing), previewed; replacing the drawing or added to it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.scribble_importer import PREVIEW_SIDE, ScribbleImporter
from scribble_studio.domain.scribble_import import ImportMode


def _slider(low: int, high: int, value: int, name: str) -> QSlider:
    slider = QSlider(Qt.Orientation.Horizontal)
    slider.setRange(low, high)
    slider.setValue(value)
    slider.setAccessibleName(name)
    return slider


class ImportDialog(QDialog):
    """Opened with ``open()`` (never ``exec()``); OK applies the import as one edit."""

    def __init__(self, importer: ScribbleImporter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed when closed
        self.importer = importer
        self.setWindowTitle("Import as scribble")
        self.preview = QLabel(self)
        self.preview.setFixedSize(PREVIEW_SIDE, PREVIEW_SIDE)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setAccessibleName("Preview of the imported scribble")
        self.line_mode = QRadioButton("Line drawing")
        self.photo_mode = QRadioButton("Photo (trace its edges)")
        modes = QButtonGroup(self)
        modes.addButton(self.line_mode)
        modes.addButton(self.photo_mode)
        (self.photo_mode if importer.mode is ImportMode.PHOTO else self.line_mode).setChecked(True)
        self.threshold = _slider(1, 254, importer.threshold, "Threshold")
        self.invert = QCheckBox("Light strokes on a dark background")
        self.invert.setChecked(importer.invert)
        self.strength = _slider(0, 100, round(importer.strength * 100), "Edge strength")
        self.thickness = QSpinBox()
        self.thickness.setRange(1, 15)
        self.thickness.setSingleStep(2)
        self.thickness.setValue(importer.thickness)
        self.thickness.setSuffix(" px")
        self.thickness.setAccessibleName("Line thickness")
        self.close_gaps = _slider(0, 6, importer.close_gaps, "Close gaps up to")
        self.close_gaps.setToolTip("Join line ends up to twice this many pixels apart")
        self.replace = QRadioButton("Replace the drawing")
        self.add = QRadioButton("Add to the drawing")
        combine = QButtonGroup(self)
        combine.addButton(self.replace)
        combine.addButton(self.add)
        self.replace.setChecked(not importer.add_to_drawing)
        self.add.setChecked(importer.add_to_drawing)
        has_drawing = importer.document.has_ink(any_alpha=True)
        self.replace.setEnabled(has_drawing)
        self.add.setEnabled(has_drawing)
        self.form = QWidget()
        form = QFormLayout(self.form)
        form.setContentsMargins(0, 0, 0, 0)
        mode_row = QHBoxLayout()
        mode_row.addWidget(self.line_mode)
        mode_row.addWidget(self.photo_mode)
        form.addRow("Picture is a", mode_row)
        form.addRow("Threshold", self.threshold)
        form.addRow("", self.invert)
        form.addRow("Edge strength", self.strength)
        form.addRow("Line thickness", self.thickness)
        form.addRow("Close gaps", self.close_gaps)
        combine_row = QHBoxLayout()
        combine_row.addWidget(self.replace)
        combine_row.addWidget(self.add)
        form.addRow("The canvas", combine_row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.preview)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.line_mode.toggled.connect(self._on_mode_toggled)
        self.threshold.valueChanged.connect(importer.set_threshold)
        self.invert.toggled.connect(importer.set_invert)
        self.strength.valueChanged.connect(self._on_strength_value_changed)
        self.thickness.valueChanged.connect(importer.set_thickness)
        self.close_gaps.valueChanged.connect(importer.set_close_gaps)
        self.add.toggled.connect(importer.set_add_to_drawing)
        importer.preview_ready.connect(self._on_importer_preview_ready)
        importer.guessed.connect(self._on_importer_guessed)
        self.rejected.connect(importer.discard)  # cancelled: the picture is let go
        self.ok = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.preview.setText("Looking at the picture…")
        if importer.ready:
            self._on_importer_guessed()
        else:  # the guesses are worked out on a worker: nothing to set until then
            self.form.setEnabled(False)
            self.ok.setEnabled(False)

    def _on_importer_guessed(self) -> None:
        importer = self.importer
        for widget in (self.line_mode, self.photo_mode, self.invert):
            widget.blockSignals(True)  # the importer holds these values already
        (self.photo_mode if importer.mode is ImportMode.PHOTO else self.line_mode) \
            .setChecked(True)
        self.invert.setChecked(importer.invert)
        for widget in (self.line_mode, self.photo_mode, self.invert):
            widget.blockSignals(False)
        self.form.setEnabled(True)
        self.ok.setEnabled(True)
        self._sync_enabled()
        importer.refresh()

    def _sync_enabled(self) -> None:
        line = self.line_mode.isChecked()
        self.threshold.setEnabled(line)
        self.invert.setEnabled(line)
        self.strength.setEnabled(not line)
        self.thickness.setEnabled(not line)
        self.close_gaps.setEnabled(not line)

    def _on_mode_toggled(self, line: bool) -> None:
        self._sync_enabled()
        self.importer.set_mode(ImportMode.LINE_DRAWING if line else ImportMode.PHOTO)

    def _on_strength_value_changed(self, value: int) -> None:
        self.importer.set_strength(value / 100)

    def _on_importer_preview_ready(self, image: QImage) -> None:
        self.preview.setPixmap(QPixmap.fromImage(image))

    def accept(self) -> None:
        self.importer.apply()
        super().accept()
