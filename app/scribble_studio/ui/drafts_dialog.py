"""Drafts: reopen or delete a sketch kept by "New sketch"."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
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
from scribble_studio.services.drafts import DraftInfo


class DraftsDialog(QDialog):
    def __init__(self, keeper: DraftKeeper, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.keeper = keeper
        self.setWindowTitle("Drafts")
        self.list = QListWidget()
        self.list.setAccessibleName("Drafts")
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
        keeper.listed.connect(self._on_keeper_listed)
        keeper.saved.connect(keeper.refresh_list)  # a save that lands later shows up too
        keeper.refresh_list()

    def _on_keeper_listed(self, drafts: list[DraftInfo]) -> None:
        self.list.clear()
        for info in drafts:
            when = dt.datetime.fromtimestamp(info.updated).strftime("%Y-%m-%d %H:%M:%S")
            mark = "  (open now)" if info.id == self.keeper.draft_id else ""
            item = QListWidgetItem(f"{when}{mark}")
            item.setData(Qt.ItemDataRole.UserRole, info)
            self.list.addItem(item)

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
