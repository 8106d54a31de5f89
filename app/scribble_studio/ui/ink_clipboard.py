"""Ink on the clipboard: copied from the canvas with where it was, pasted back as ink;
other programs get a dark-on-white picture of it."""

from __future__ import annotations

import json
import zlib

from PySide6.QtCore import QByteArray, QMimeData, QPoint, QRect
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter

from scribble_studio.controllers.canvas_document import CanvasDocument

INK_MIME = "application/x-scribble-studio-ink"


def copy_selection(document: CanvasDocument) -> bool:
    """Copy the selected ink as it looks now; False when nothing is selected."""
    found = document.selection.copy_ink()
    if found is None:
        return False
    copy_to_clipboard(*found)
    return True


def cut_selection(document: CanvasDocument) -> bool:
    """Copy, then clear the selected ink (one undo step) and deselect."""
    if not copy_selection(document):
        return False
    document.selection.delete()
    document.selection.drop()
    return True


def paste_ink(document: CanvasDocument) -> bool:
    """Paste ink this canvas copied, in its old place (kept inside the canvas), floating
    and selected so it can be moved at once; False when the clipboard holds other data."""
    found = ink_from_clipboard()
    if found is None:
        return False
    ink, at = found
    size = document.size()
    at = QPoint(max(0, min(at.x(), size.width() - ink.width())),
                max(0, min(at.y(), size.height() - ink.height())))
    document.selection.float_image(ink, at, "Paste")
    return True


def copy_to_clipboard(ink: QImage, rect: QRect) -> None:
    """Put selected ink on the clipboard: as ink for this canvas (with where it was),
    and as a dark-on-white picture for other programs."""
    header = {"x": rect.x(), "y": rect.y(), "width": ink.width(), "height": ink.height(),
              "stride": ink.bytesPerLine()}
    body = zlib.compress(bytes(ink.constBits()), 1)
    mime = QMimeData()
    mime.setData(INK_MIME, QByteArray(json.dumps(header).encode() + b"\n" + body))
    picture = QImage(ink.size(), QImage.Format.Format_RGB32)
    picture.fill(QColor(255, 255, 255))
    painter = QPainter(picture)
    painter.drawImage(0, 0, ink)  # Alpha8 draws as black with that alpha
    painter.end()
    mime.setImageData(picture)
    QGuiApplication.clipboard().setMimeData(mime)


def ink_from_clipboard() -> tuple[QImage, QPoint] | None:
    """Ink this canvas copied, and where it came from; None for anything else."""
    mime = QGuiApplication.clipboard().mimeData()
    if mime is None or not mime.hasFormat(INK_MIME):
        return None
    header_line, _, body = bytes(mime.data(INK_MIME).data()).partition(b"\n")
    try:
        header = json.loads(header_line)
        raw = zlib.decompress(body)
        width, height, stride = int(header["width"]), int(header["height"]), int(header["stride"])
        if width < 1 or height < 1 or len(raw) < stride * height:
            return None
    except (ValueError, KeyError, TypeError, zlib.error):
        return None
    ink = QImage(raw, width, height, stride, QImage.Format.Format_Alpha8).copy()
    return ink, QPoint(int(header["x"]), int(header["y"]))
