""""What the model sees": the ink layer thresholded (and inverted if set), kept up to
date rectangle by rectangle while the user draws."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSize, Signal
from PySide6.QtGui import QImage, QPainter

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.qt_images import alpha_to_pil, gray_to_qimage

GRAY8 = QImage.Format.Format_Grayscale8


class ModelPreview(QObject):
    changed = Signal(QRect)

    def __init__(self, document: CanvasDocument, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.invert = False
        self.image = QImage()
        self._active = False

    @property
    def active(self) -> bool:
        return self._active

    def set_active(self, active: bool) -> None:
        if active == self._active:
            return
        self._active = active
        if active:
            self.document.changed.connect(self._on_document_changed)
            self.document.size_changed.connect(self._on_document_size_changed)
            self._rebuild()
        else:
            self.document.changed.disconnect(self._on_document_changed)
            self.document.size_changed.disconnect(self._on_document_size_changed)
            self.image = QImage()

    def set_invert(self, invert: bool) -> None:
        self.invert = invert
        if self._active:
            self._rebuild()

    def _rebuild(self) -> None:
        # In place: the canvas view holds this image from when the preview was turned
        # on, and a resized canvas would otherwise go on showing the old size's map.
        self.image.swap(QImage(self.document.size(), GRAY8))
        self._on_document_changed(self.document.image.rect())

    def _on_document_size_changed(self, _size: QSize) -> None:
        self._rebuild()

    def _on_document_changed(self, rect: QRect) -> None:
        from scribble_studio.domain.scribble import binarize
        from scribble_studio.domain.scribble_import import ink_to_darkness

        rect = rect.intersected(self.document.image.rect())
        if rect.isEmpty():
            return
        part = binarize(ink_to_darkness(alpha_to_pil(self.document.image.copy(rect))),
                        self.invert)
        tile = gray_to_qimage(part)
        painter = QPainter(self.image)
        painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
        painter.drawImage(rect.topLeft(), tile)
        painter.end()
        self.changed.emit(rect)
