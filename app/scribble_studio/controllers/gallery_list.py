"""The gallery's results as a list model for a QListView: one row per generation (the
gallery model's items, a page at a time through fetchMore), its header line as the
row's text, and its thumbnails from the bounded :class:`ThumbnailCache`; a thumbnail
that arrives updates its rows (dataChanged)."""

from __future__ import annotations

import time
from typing import Final

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QImage

from scribble_studio.controllers.gallery import GalleryItem, GalleryModel, Show
from scribble_studio.controllers.gallery_thumbs import ThumbnailCache

ITEM_ROLE: Final = Qt.ItemDataRole.UserRole + 1   # the row's GalleryItem
Index = QModelIndex | QPersistentModelIndex


def header_text(item: GalleryItem) -> str:
    e, p = item.entry, item.entry.params
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.created))
    return f"{when} · {p.prompt} · seed {p.seed} · {p.steps} steps · {p.scheduler}"


class GalleryListModel(QAbstractListModel):
    """Rows mirror ``gallery.items`` (Results and Starred; the other views are cards)."""

    def __init__(self, gallery: GalleryModel, thumbs: ThumbnailCache,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.gallery, self.thumbs = gallery, thumbs
        self.rows: list[GalleryItem] = []
        self._waiting: dict[str, list[QPersistentModelIndex]] = {}
        self._fetching = False
        gallery.reset.connect(self._on_gallery_reset)
        gallery.appended.connect(self._on_gallery_appended)
        gallery.added.connect(self._on_gallery_added)
        gallery.changed.connect(self._on_gallery_changed)
        gallery.removed.connect(self._on_gallery_removed)
        thumbs.ready.connect(self._on_thumbs_ready)

    @property
    def active(self) -> bool:
        return self.gallery.show in (Show.RESULTS, Show.STARRED)

    # -- the model ---------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        item = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return header_text(item)
        if role == Qt.ItemDataRole.AccessibleDescriptionRole:
            count = len(item.entry.images)
            star = ", starred" if item.entry.starred else ""
            return f"Generation {item.entry.id}: {count} image{'' if count == 1 else 's'}{star}"
        if role == ITEM_ROLE:
            return item
        return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.active and not self._fetching \
            and self.gallery.has_more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if self.canFetchMore(parent):
            self._fetching = True  # until the page arrives (one request at a time)
            self.gallery.load_more()

    @property
    def fetching(self) -> bool:
        """Whether a page asked for by fetchMore is still on its way."""
        return self._fetching

    def item(self, row: int) -> GalleryItem:
        return self.rows[row]

    def row_of(self, gen_id: int) -> int | None:
        return next((n for n, i in enumerate(self.rows) if i.entry.id == gen_id), None)

    def thumbnail(self, index: Index, image: int) -> QImage | None:
        """The row's ``image``-th thumbnail if cached; otherwise it is asked for and the
        row is updated when it arrives."""
        digest = self.rows[index.row()].entry.images[image].sha256
        found = self.thumbs.get(digest)
        if found is None and digest not in self.thumbs.missing:
            waiting = self._waiting.setdefault(digest, [])
            if len(waiting) < 8:  # (one digest may be shown by many rows)
                waiting.append(QPersistentModelIndex(index))
        return found

    def is_missing(self, index: Index, image: int) -> bool:
        return self.rows[index.row()].entry.images[image].sha256 in self.thumbs.missing

    # -- following the gallery ---------------------------------------------------------

    def _on_gallery_reset(self, items: list[GalleryItem]) -> None:
        self.beginResetModel()
        self.rows = list(items) if self.active else []
        self._waiting.clear()
        self._fetching = False
        self.thumbs.forget_missing()
        self.endResetModel()

    def _on_gallery_appended(self, items: list[GalleryItem]) -> None:
        self._fetching = False
        if not self.active or not items:
            return
        start = len(self.rows)
        self.beginInsertRows(QModelIndex(), start, start + len(items) - 1)
        self.rows.extend(items)
        self.endInsertRows()

    def _on_gallery_added(self, item: GalleryItem) -> None:
        if not self.active or item in self.rows:
            return
        at = self.gallery.items.index(item) if item in self.gallery.items else 0
        at = min(at, len(self.rows))
        self.beginInsertRows(QModelIndex(), at, at)
        self.rows.insert(at, item)
        self.endInsertRows()

    def _on_gallery_changed(self, item: GalleryItem) -> None:
        if item in self.rows:
            index = self.index(self.rows.index(item))
            self.dataChanged.emit(index, index)

    def _on_gallery_removed(self, item: GalleryItem) -> None:
        if item in self.rows:
            row = self.rows.index(item)
            self.beginRemoveRows(QModelIndex(), row, row)
            del self.rows[row]
            self.endRemoveRows()

    def _on_thumbs_ready(self, digest: str) -> None:
        for persistent in self._waiting.pop(digest, []):
            if persistent.isValid():
                index = self.index(persistent.row())
                self.dataChanged.emit(index, index)
