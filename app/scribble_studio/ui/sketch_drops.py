"""Drag and drop onto the window: a dropped picture file or image is imported as
scribble. An event filter on the window (its own events only, not its children's), so
the window's class keeps to assembling the window."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QWidget

from scribble_studio.controllers.sketch_files import SketchFiles


class SketchDrops(QObject):
    def __init__(self, window: QWidget, files: SketchFiles) -> None:
        super().__init__(window)
        self.files = files
        window.setAcceptDrops(True)
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # By type, not class: a drag's move and enter events are QDropEvents too.
        kind = event.type()
        if kind == QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent):
            mime = event.mimeData()
            if mime.hasImage() or (mime.hasUrls() and mime.urls()[0].isLocalFile()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            mime = event.mimeData()
            if mime.hasUrls() and mime.urls()[0].isLocalFile():
                self.files.open_path(Path(mime.urls()[0].toLocalFile()), as_import=True)
            elif mime.hasImage():
                self.files.import_qimage(QImage(mime.imageData()))
            event.acceptProposedAction()
            return True
        return False
