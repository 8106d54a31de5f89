"""The results' list: a QListView of the gallery's list model, drawn by the
:class:`GalleryDelegate`, with what a result's card used to do: click a thumbnail to view
it, Ctrl+click to pick it for comparison, the star, right-click menus, and the keyboard
(arrows move between thumbnails, Return opens, Delete puts it in the trash, S stars)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QPoint, QRect, Qt
from PySide6.QtGui import QContextMenuEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget

from scribble_studio.controllers.gallery import GalleryItem
from scribble_studio.controllers.gallery_list import GalleryListModel
from scribble_studio.ui.gallery_delegate import MARGIN, GalleryDelegate, RowGeometry

if TYPE_CHECKING:
    from scribble_studio.ui.gallery_view import GalleryView


class GalleryList(QListView):
    def __init__(self, rows: GalleryListModel, gallery: GalleryView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows, self.gallery = rows, gallery
        self.delegate = GalleryDelegate(rows, gallery.picker, self)
        self.setModel(rows)
        self.setItemDelegate(self.delegate)
        self.setUniformItemSizes(True)   # every row is a header over one row of thumbnails
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setMouseTracking(True)
        self.setSpacing(2)
        self.setAccessibleName("Gallery")
        self.verticalScrollBar().setSingleStep(24)
        gallery.picker.picked_changed.connect(self.viewport().update)

    # -- where things are (the delegate's geometry) ------------------------------------

    def geometry_at(self, index: QModelIndex) -> RowGeometry:
        return self.delegate.geometry(self.visualRect(index), self.rows.item(index.row()),
                                      self)

    def geometry_of(self, gen_id: int) -> RowGeometry | None:
        """Where the parts of generation ``gen_id``'s row are, in the viewport."""
        row = self.rows.row_of(gen_id)
        return None if row is None else self.geometry_at(self.rows.index(row))

    def thumb_rect(self, gen_id: int, image: int) -> QRect | None:
        geometry = self.geometry_of(gen_id)
        if geometry is None or image >= len(geometry.thumbs):
            return None
        return geometry.thumbs[image]

    def shown_rows(self) -> list[int]:
        """The rows the viewport shows now (wholly or in part)."""
        area = self.viewport().rect()
        top = self.indexAt(area.topLeft() + QPoint(MARGIN, 0))
        if not top.isValid():
            top = self.indexAt(area.topLeft() + QPoint(MARGIN, self.spacing() + 1))
        if not top.isValid():
            return []
        shown = []
        for n in range(top.row(), self.rows.rowCount()):  # (only those in view: fast)
            if not self.visualRect(self.rows.index(n)).intersects(area):
                break
            shown.append(n)
        return shown

    def _hit(self, point: QPoint) -> tuple[GalleryItem | None, str, int]:
        index = self.indexAt(point)
        if not index.isValid():
            return None, "", 0
        what, n = self.geometry_at(index).hit(point)
        return self.rows.item(index.row()), what, n

    def scroll_to(self, gen_id: int) -> None:
        row = self.rows.row_of(gen_id)
        if row is not None:
            self.scrollTo(self.rows.index(row))

    # -- the pointer --------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        index = self.indexAt(event.position().toPoint())
        if index.isValid():
            _, what, n = self._hit(event.position().toPoint())
            if what == "thumb":
                self.delegate.focus_image = n
            self.setCurrentIndex(index)
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        event.accept()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        event.accept()  # (a double click is two clicks: the first opened it)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mouseReleaseEvent(event)
        item, what, n = self._hit(event.position().toPoint())
        if item is None:
            return
        if what == "thumb":
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.gallery.picker.toggle(item, n)  # a pick, not a click that opens it
            else:
                self.gallery.model.load_full(item, n)
        elif what == "star":
            self.gallery.model.star(item, not item.entry.starred)
        event.accept()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        item, what, n = self._hit(event.pos())
        if item is None and event.reason() == QContextMenuEvent.Reason.Keyboard:
            item, what, n = self._focused()
        if item is None:
            return
        if what == "thumb":
            self.gallery.show_menu(item, n, event.globalPos())
        else:
            self.gallery.show_header_menu(item, event.globalPos())

    # -- the keyboard -------------------------------------------------------------------

    def _focused(self) -> tuple[GalleryItem | None, str, int]:
        index = self.currentIndex()
        if not index.isValid():
            return None, "", 0
        item = self.rows.item(index.row())
        count = len(item.entry.images)
        if count == 0:
            return item, "header", 0
        return item, "thumb", min(self.delegate.focus_image, count - 1)

    def focused_image(self) -> tuple[GalleryItem, int] | None:
        item, what, n = self._focused()
        return (item, n) if item is not None and what == "thumb" else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        focused = self.focused_image()
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and focused is not None:
            item, n = focused
            step = -1 if key == Qt.Key.Key_Left else 1
            self.delegate.focus_image = max(0, min(len(item.entry.images) - 1, n + step))
            self.viewport().update()
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space) \
                and focused is not None:
            self.gallery.model.load_full(*focused)
            return
        if key == Qt.Key.Key_Delete and focused is not None:
            self.gallery.model.delete_image(*focused)
            return
        if key == Qt.Key.Key_S and not event.modifiers() and focused is not None:
            item = focused[0]
            self.gallery.model.star(item, not item.entry.starred)
            return
        super().keyPressEvent(event)
