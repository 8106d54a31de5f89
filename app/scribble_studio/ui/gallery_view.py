"""The gallery: results grouped by generation under a header, newest first, a page at a
time, with search, stars and a placeholder for missing files; a "Show" filter (results,
starred, failed & unknown, recently deleted), and deletes that go to the trash."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QGuiApplication,
    QImage,
    QKeyEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.gallery import GalleryItem, GalleryModel, Show
from scribble_studio.controllers.gallery_list import GalleryListModel, header_text
from scribble_studio.controllers.gallery_thumbs import ThumbnailCache
from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.compare_view import ComparePicker
from scribble_studio.ui.file_dialogs import FileFolders
from scribble_studio.ui.gallery_cards import DeletedBar, StoppedCard, TrashCard, empty_text
from scribble_studio.ui.gallery_delegate import THUMB
from scribble_studio.ui.gallery_lineage_windows import LineageWindows
from scribble_studio.ui.gallery_list_view import GalleryList
from scribble_studio.ui.result_viewer import ResultViewer

if TYPE_CHECKING:
    pass

__all__ = ["THUMB", "GalleryView", "header_text"]


class GalleryView(LineageWindows, QWidget):
    reuse_requested = Signal(object)   # GenerationParams

    def __init__(self, model: GalleryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts or seeds")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search the history")
        self.more = QPushButton("Show more")
        self.more.hide()
        self.more.clicked.connect(model.load_more)
        self.area = QScrollArea()   # the cards of "Failed & unknown" and "Recently deleted"
        self.area.setWidgetResizable(True)
        self.area.setAccessibleName("Gallery cards")
        self.area.hide()
        inner = QWidget()
        self.column = QVBoxLayout(inner)
        self.column.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.column.addWidget(self.more)
        self.area.setWidget(inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self._filter_bar())
        self.deleted_bar = DeletedBar(self._on_undo_clicked)
        layout.addWidget(self.deleted_bar)
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName("Gallery is empty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()
        layout.addWidget(self.empty)
        layout.addWidget(self.area, 1)
        self.cards: dict[int, TrashCard | StoppedCard] = {}
        self.viewer: ResultViewer | None = None
        self.folders: FileFolders | None = None  # where Save starts (set by the window)
        self.save_dialog: QFileDialog | None = None
        self.picker = ComparePicker(self)
        # Results and Starred: one list view over a model, thumbnails from a bounded cache.
        self.thumbs = ThumbnailCache(model.store, model.runner, parent=self)
        self.rows = GalleryListModel(model, self.thumbs, self)
        self.list = GalleryList(self.rows, self)
        layout.addWidget(self.list, 1)
        self.search.textChanged.connect(model.load)
        self.area.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        model.reset.connect(self._on_model_reset)
        model.appended.connect(self._on_model_appended)
        model.added.connect(self._on_model_added)
        model.changed.connect(self._on_model_changed)
        model.removed.connect(self._on_model_removed)
        model.image_ready.connect(self._on_model_image_ready)
        model.copy_ready.connect(self._on_model_copy_ready)
        model.deleted.connect(self._on_model_deleted)
        model.notice.connect(self._on_model_notice)
        self._build_lineage(layout)

    @property
    def lists_rows(self) -> bool:
        """Whether the list view shows this view (Results, Starred) rather than cards."""
        return self.model.show in (Show.RESULTS, Show.STARRED)

    def _card(self, item: GalleryItem, position: int) -> None:
        card: TrashCard | StoppedCard
        if item.trash is not None:
            card = TrashCard(item, self.model, header_text(item))
        else:
            card = StoppedCard(item, self.model, header_text(item))
        self.cards[item.entry.id] = card
        self.column.insertWidget(position, card)

    def _on_model_reset(self, items: list[GalleryItem]) -> None:
        for card in self.cards.values():
            card.deleteLater()
        self.cards.clear()
        self.list.setVisible(self.lists_rows)
        self.area.setVisible(not self.lists_rows)
        self._on_model_appended(items)

    def _on_model_appended(self, items: list[GalleryItem]) -> None:
        if not self.lists_rows:
            for item in items:
                self._card(item, self.column.count() - 1)  # above "Show more"
        self.more.setVisible(self.model.has_more and not self.lists_rows)
        self._sync_empty()

    def _on_model_added(self, _item: GalleryItem) -> None:
        self._sync_empty()  # (the list model has the row)

    def _on_model_changed(self, item: GalleryItem) -> None:
        card = self.cards.get(item.entry.id)
        if card is not None:
            card.refresh()

    def scroll_to(self, gen_id: int) -> None:
        """Bring a generation's row into view, if it is loaded."""
        self.list.scroll_to(gen_id)

    def _on_model_removed(self, item: GalleryItem) -> None:
        card = self.cards.pop(item.entry.id, None)
        if card is not None:
            card.deleteLater()
        self._sync_empty()

    def _on_scrolled(self, value: int) -> None:
        bar = self.area.verticalScrollBar()
        if value >= bar.maximum() - 40 and self.model.has_more and self.more.isVisible():
            self.more.hide()  # until the page arrives
            self.model.load_more()

    def show_menu(self, item: GalleryItem, index: int, where: object) -> None:
        menu = QMenu(self)
        entries = [
            ("Save as PNG…", lambda: self._save_as(item, index)),
            ("Copy image", lambda: self.model.copy_image(item, index)),
            ("Copy prompt", lambda: QGuiApplication.clipboard().setText(item.entry.params.prompt)),
            ("Reuse all parameters", lambda: self.reuse(item.entry.params)),
            ("Use as reference image", lambda: self.model.use_as_reference(item, index)),
            *self._lineage_entries(item, index),
            *self._delete_entries(item, index),
        ]
        for text, slot in entries:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        self.menu = menu
        menu.popup(where)  # type: ignore[arg-type]

    def reuse(self, params: GenerationParams) -> None:
        self.reuse_requested.emit(params)

    def _save_as(self, item: GalleryItem, index: int, parent: QWidget | None = None) -> None:
        """The Save dialog of a result (from the menu or the large view), starting in the
        folder last used for exported images."""
        name = f"{item.entry.params.seed}-{index + 1}.png"
        start = str(self.folders.start("export") / name) if self.folders is not None else name
        dialog = QFileDialog(parent or self, "Save image", start, "PNG images (*.png)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda path: self._on_save_chosen(item, index, Path(path)))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.save_dialog = dialog
        dialog.open()

    def _on_save_chosen(self, item: GalleryItem, index: int, path: Path) -> None:
        if self.folders is not None:
            self.folders.remember("export", path)
        self.model.save_as(item, index, path)

    def _on_model_image_ready(self, item: GalleryItem, index: int, image: QImage) -> None:
        self._show_viewer(item, index, image)

    def _on_model_copy_ready(self, image: QImage) -> None:
        QGuiApplication.clipboard().setImage(image)

    # -- the filter, the trash, an empty gallery --------------------------------------------

    def _filter_bar(self) -> QHBoxLayout:
        self.show_box = QComboBox()
        self.show_box.setAccessibleName("Show")
        self.show_box.setToolTip("What the gallery shows")
        for show in Show:
            self.show_box.addItem(show.value, show)
        self.show_box.currentIndexChanged.connect(self._on_show_box_changed)
        self.empty_trash = QPushButton("Empty trash")
        self.empty_trash.setToolTip("Remove everything in Recently deleted for good (its "
                                    "files too); what it cost still counts in the spend")
        self.empty_trash.clicked.connect(self._on_empty_trash_clicked)
        self.empty_trash.hide()
        self.confirm: QMessageBox | None = None
        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.show_box)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.empty_trash)
        return bar

    def _on_show_box_changed(self, _index: int) -> None:
        show = self.show_box.currentData()
        self.empty_trash.setVisible(show is Show.TRASH)
        self.model.load(show=show)

    def _on_empty_trash_clicked(self) -> None:
        """Asked first (the one step that cannot be undone), without blocking the loop."""
        count = self.model.total
        ask = QMessageBox(QMessageBox.Icon.Warning, "Empty trash",
                          f"Remove the {count} item{'' if count == 1 else 's'} in Recently "
                          "deleted for good? Their image files are removed (unless another "
                          "result uses them); this cannot be undone.",
                          QMessageBox.StandardButton.Cancel, self)
        ask.addButton("Empty trash", QMessageBox.ButtonRole.DestructiveRole)
        ask.setDefaultButton(QMessageBox.StandardButton.Cancel)
        ask.buttonClicked.connect(self._on_empty_trash_answered)
        self.confirm = ask
        ask.open()

    def _on_empty_trash_answered(self, button: QAbstractButton) -> None:
        if self.confirm is not None and \
                self.confirm.buttonRole(button) is QMessageBox.ButtonRole.DestructiveRole:
            self.model.empty_trash()

    def _sync_empty(self) -> None:
        empty = not self.model.items
        self.empty.setVisible(empty)
        if empty:
            self.empty.setText(empty_text(self.model.show, self.model.search))
        self.empty_trash.setEnabled(not (empty and self.model.show is Show.TRASH))

    def _delete_entries(self, item: GalleryItem, index: int) -> list[tuple[str, object]]:
        count = len(item.entry.images)
        entries: list[tuple[str, object]] = [
            ("Delete this image", lambda: self.model.delete_image(item, index))]
        if count > 1:
            entries.append((f"Delete the whole generation ({count} images)",
                            lambda: self.model.delete(item)))
        return entries

    def show_header_menu(self, item: GalleryItem, where: object) -> None:
        menu = QMenu(self)
        count = len(item.entry.images)
        action = QAction(f"Delete the whole generation ({count} image"
                         f"{'' if count == 1 else 's'})", menu)
        action.triggered.connect(lambda: self.model.delete(item))
        menu.addAction(action)
        self.header_menu = menu
        menu.popup(where)  # type: ignore[arg-type]

    def _on_model_deleted(self, text: str) -> None:
        self.deleted_bar.say(text, True)

    def _on_model_notice(self, text: str) -> None:
        self.deleted_bar.say(text, False)

    def _on_undo_clicked(self) -> None:
        self.model.undo_delete()

    def event(self, event: QEvent) -> bool:
        """Ctrl+Z in the gallery undoes its last delete (the canvas's Undo keeps the key
        elsewhere): the shortcut is claimed while the focus is in here (the search box
        claims it first for its own text)."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.matches(QKeySequence.StandardKey.Undo) and self.model.can_undo:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Undo) and self.model.undo_delete():
            return
        if event.key() == Qt.Key.Key_Delete and self._delete_focused():
            return
        super().keyPressEvent(event)

    def _delete_focused(self) -> bool:
        """Delete puts the image whose thumbnail has the focus in the trash."""
        focused = self.list.focused_image() if self.list.hasFocus() else None
        if focused is None:
            return False
        self.model.delete_image(*focused)
        return True
