"""Drafts: reopen or delete a sketch kept by "New sketch", each shown by its thumbnail,
its prompt and when it was last changed."""

from __future__ import annotations

import datetime as dt
from typing import Final

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.draft_keeper import DraftKeeper
from scribble_studio.controllers.qt_images import gray_thumbnail
from scribble_studio.services.drafts import DraftInfo, DraftStore

WHEN_ROLE: Final = Qt.ItemDataRole.UserRole + 1
THUMB: Final = 96  # pixels, the longer side of a draft's thumbnail


def previews(store: DraftStore, drafts: list[DraftInfo]) -> dict[str, tuple[QImage, str]]:
    """Each draft's thumbnail and prompt (read and scaled on a worker). A draft that
    cannot be read is left out: its row keeps its date."""
    from scribble_studio.domain.errors import StudioError

    shown: dict[str, tuple[QImage, str]] = {}
    for info in drafts:
        try:
            draft = store.load(info.id)
        except (StudioError, OSError):
            continue
        image = gray_thumbnail(draft.darkness, THUMB)
        prompt = draft.params.get("prompt")
        shown[info.id] = (image, prompt.strip() if isinstance(prompt, str) else "")
    return shown


def framed(image: QImage) -> QPixmap:
    """The thumbnail centred in a square with a thin grey edge: every prompt starts at the
    same place, and a white sketch on a white list still reads as a page."""
    pixmap = QPixmap(THUMB, THUMB)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    left, top = (THUMB - image.width()) // 2, (THUMB - image.height()) // 2
    painter.drawImage(left, top, image)
    painter.setPen(QColor(160, 160, 160))
    painter.drawRect(left, top, image.width() - 1, image.height() - 1)
    painter.end()
    return pixmap


class DraftsDialog(QDialog):
    def __init__(self, keeper: DraftKeeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.keeper = keeper
        self.setWindowTitle("Drafts")
        self.list = QListWidget()
        self.list.setAccessibleName("Drafts")
        self.list.setIconSize(QSize(THUMB, THUMB))
        self.list.setSpacing(4)
        self.resize(520, 460)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.open_button = QPushButton("Open")
        self.delete_button = QPushButton("Delete")
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.delete_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(buttons)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.delete_button.clicked.connect(self._on_delete_clicked)
        self.list.itemDoubleClicked.connect(lambda _item: self._on_open_clicked())
        # Both connections are the dialog's own slots, so they go with the dialog (freed
        # when closed) and each opening adds none to the keeper.
        keeper.listed.connect(self._on_keeper_listed)
        keeper.saved.connect(self._on_keeper_saved)  # a save that lands later shows up too
        # Thumbnails are read on a worker and may land after the dialog was freed.
        self._shown = True
        self.finished.connect(self._on_finished)
        keeper.refresh_list()

    def _on_finished(self, _result: int) -> None:
        self._shown = False

    def _on_keeper_saved(self) -> None:
        self.keeper.refresh_list()

    def _on_keeper_listed(self, drafts: list[DraftInfo]) -> None:
        # An autosave while the dialog is open lists the drafts again: the one the user
        # picked stays picked.
        picked = self._selected()
        self.list.clear()
        for info in drafts:
            when = dt.datetime.fromtimestamp(info.updated).strftime("%Y-%m-%d %H:%M:%S")
            mark = "  (open now)" if info.id == self.keeper.draft_id else ""
            item = QListWidgetItem(f"{when}{mark}")
            item.setData(Qt.ItemDataRole.UserRole, info)
            item.setData(WHEN_ROLE, f"{when}{mark}")
            self.list.addItem(item)
            if picked is not None and info.id == picked.id:
                self.list.setCurrentItem(item)
        self.keeper.runner.run(lambda: previews(self.keeper.store, drafts),
                               self._on_previews_ready, lambda _error: None)

    def _on_previews_ready(self, shown: dict[str, tuple[QImage, str]]) -> None:
        if not self._shown:
            return
        for row in range(self.list.count()):
            item = self.list.item(row)
            info: DraftInfo = item.data(Qt.ItemDataRole.UserRole)
            if info.id not in shown:
                continue
            image, prompt = shown[info.id]
            item.setIcon(QIcon(framed(image)))
            words = prompt if len(prompt) <= 80 else prompt[:79].rstrip() + "…"
            item.setText(f"{words or '(no prompt)'}\n{item.data(WHEN_ROLE)}")
            item.setToolTip(prompt)

    def _selected(self) -> DraftInfo | None:
        item = self.list.currentItem()
        info: DraftInfo | None = item.data(Qt.ItemDataRole.UserRole) if item else None
        return info

    def _on_open_clicked(self) -> None:
        info = self._selected()
        if info is not None:
            self.keeper.open(info.id)
            self.accept()

    def _on_delete_clicked(self) -> None:
        info = self._selected()
        if info is not None:
            self.keeper.delete(info)
