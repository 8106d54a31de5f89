"""How a generation's row of the gallery is drawn: its header line and star over a row
of thumbnails. :func:`row_geometry` is the one place the rectangles are computed, for
painting and for telling which thumbnail a click or a menu is on."""

from __future__ import annotations

import dataclasses
from typing import Final

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QHelpEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from scribble_studio.controllers.gallery import GalleryItem
from scribble_studio.controllers.gallery_list import ITEM_ROLE, GalleryListModel, header_text
from scribble_studio.ui.compare_view import ComparePicker

THUMB: Final = 128   # logical pixels; thumbnails are stored at 2× for HiDPI screens
MARGIN: Final = 10
GAP: Final = 8
PLACEHOLDER: Final = QColor(200, 200, 200)
Index = QModelIndex | QPersistentModelIndex


@dataclasses.dataclass(frozen=True)
class RowGeometry:
    header: QRect
    star: QRect
    thumbs: tuple[QRect, ...]

    def hit(self, point: QPoint) -> tuple[str, int]:
        """What ``point`` is on: ("thumb", n), ("star", 0), ("header", 0) or ("", 0)."""
        for n, rect in enumerate(self.thumbs):
            if rect.contains(point):
                return "thumb", n
        if self.star.contains(point):
            return "star", 0
        if self.header.contains(point):
            return "header", 0
        return "", 0


def row_geometry(rect: QRect, count: int, line: int) -> RowGeometry:
    """The rectangles of a row drawn in ``rect`` with ``count`` thumbnails and a header
    line ``line`` pixels high."""
    inner = rect.adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)
    side = line + 4
    star = QRect(inner.right() - side + 1, inner.top(), side, side)
    header = QRect(inner.left(), inner.top(), max(0, inner.width() - side - GAP), side)
    top = inner.top() + side + GAP
    thumbs = tuple(QRect(inner.left() + n * (THUMB + GAP), top, THUMB, THUMB)
                   for n in range(count))
    return RowGeometry(header, star, thumbs)


def fitted(width: int, height: int, target: QRect) -> QRect:
    """Where an image of that size is drawn in a thumbnail's square: whole, in its
    proportions, centred; a small one (a stored 2× thumbnail is 256 px) at its size."""
    scale = min(target.width() / max(1, width), target.height() / max(1, height))
    if max(width, height) <= THUMB:
        scale = 1.0
    w, h = round(width * scale), round(height * scale)
    return QRect(target.x() + (target.width() - w) // 2, target.y() + (target.height() - h) // 2,
                 w, h)


def row_height(line: int) -> int:
    return 2 * MARGIN + line + 4 + GAP + THUMB


class GalleryDelegate(QStyledItemDelegate):
    def __init__(self, rows: GalleryListModel, picker: ComparePicker,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows, self.picker = rows, picker
        self.focus_image = 0   # the focused thumbnail of the current row (keyboard)

    def geometry(self, option_rect: QRect, item: GalleryItem, widget: QWidget) -> RowGeometry:
        return row_geometry(option_rect, len(item.entry.images), widget.fontMetrics().height())

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        item: GalleryItem = index.data(ITEM_ROLE)
        count = len(item.entry.images) if item is not None else 1
        width = 2 * MARGIN + max(1, count) * (THUMB + GAP)
        return QSize(width, row_height(option.fontMetrics.height()))

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        item: GalleryItem | None = index.data(ITEM_ROLE)
        widget = option.widget
        if item is None or widget is None:
            return
        rect: QRect = option.rect
        palette: QPalette = option.palette
        geometry = self.geometry(rect, item, widget)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        frame = rect.adjusted(1, 1, -2, -2)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(palette.color(QPalette.ColorRole.Window))
        painter.drawRoundedRect(frame, 3, 3)
        painter.setBrush(palette.color(QPalette.ColorRole.Button))  # the star, as a button
        painter.drawRoundedRect(geometry.star.adjusted(2, 2, -2, -2), 2, 2)
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        text = option.fontMetrics.elidedText(
            header_text(item), Qt.TextElideMode.ElideRight, geometry.header.width())
        left = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        painter.drawText(geometry.header, left, text)
        painter.drawText(geometry.star, Qt.AlignmentFlag.AlignCenter,
                         "★" if item.entry.starred else "☆")
        current = bool(option.state & QStyle.StateFlag.State_HasFocus)
        for n, target in enumerate(geometry.thumbs):
            image = self.rows.thumbnail(index, n)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(target.adjusted(-3, -3, 2, 2), 2, 2)  # as a button's
            if image is None:
                painter.fillRect(target, PLACEHOLDER)
            else:
                painter.drawImage(fitted(image.width(), image.height(), target), image)
            if self.picker.is_picked((item, n)):
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 3))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(target.adjusted(1, 1, -2, -2))
            if current and n == self.focus_image:
                painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2,
                                    Qt.PenStyle.DashLine))
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRect(target.adjusted(-3, -3, 2, 2))
        painter.restore()

    def helpEvent(self, event: QHelpEvent, view: QAbstractItemView,
                  option: QStyleOptionViewItem, index: Index) -> bool:
        item: GalleryItem | None = index.data(ITEM_ROLE)
        if item is None:
            return False
        what, n = self.geometry(option.rect, item, view).hit(event.pos())
        if what == "thumb":
            tip = ("The image file is missing from the data folder"
                   if self.rows.is_missing(index, n) else
                   "Click to view; right-click for more; Delete puts it in the trash")
        elif what == "star":
            tip = "Unstar" if item.entry.starred else "Star this generation"
        else:
            tip = f"{header_text(item)}\nRight-click to delete the whole generation"
        QToolTip.showText(event.globalPos(), tip, view)
        return True
