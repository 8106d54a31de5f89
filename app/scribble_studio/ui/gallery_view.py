"""The gallery: results grouped by job under a header, newest first."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication, QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.gallery import GalleryActions
from scribble_studio.controllers.session import Job

THUMB = 128  # logical pixels; thumbnails are made at 2× for HiDPI screens


def job_header(job: Job) -> str:
    p = job.params
    when = dt.datetime.fromtimestamp(job.created).strftime("%H:%M:%S")
    return f"{when} · {p.prompt} · seed {p.seed} · {p.steps} steps · {p.scheduler}"


class JobCard(QFrame):
    def __init__(self, job: Job, gallery: GalleryView) -> None:
        super().__init__()
        self.job = job
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.header = QLabel(job_header(job))
        self.header.setWordWrap(True)
        self.row = QHBoxLayout()
        self.row.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addLayout(self.row)
        self.buttons: list[QToolButton] = []
        for index, image in enumerate(job.thumbnails):
            self.buttons.append(self._thumb(index, image, gallery))

    def _thumb(self, index: int, image: QImage, gallery: GalleryView) -> QToolButton:
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(max(1.0, image.width() / THUMB))
        button = QToolButton()
        button.setIcon(pixmap)
        button.setIconSize(QSize(THUMB, THUMB))
        button.setAccessibleName(f"Result {index + 1} of job {self.job.id}")
        button.setToolTip("Click to view; right-click for more")
        button.clicked.connect(functools.partial(gallery.results.load_full, self.job, index))
        button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        button.customContextMenuRequested.connect(
            lambda pos, b=button, i=index: gallery.show_menu(self.job, i, b.mapToGlobal(pos)))
        self.row.addWidget(button)
        return button


class GalleryView(QScrollArea):
    reuse_requested = Signal(object)   # GenerationParams

    def __init__(self, actions: GalleryActions, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.results = actions
        self.setWidgetResizable(True)
        self.setAccessibleName("Gallery")
        inner = QWidget()
        self.column = QVBoxLayout(inner)
        self.column.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.setWidget(inner)
        self.cards: dict[int, JobCard] = {}
        self.viewer: QDialog | None = None
        actions.image_ready.connect(self._on_actions_image_ready)
        actions.copy_ready.connect(self._on_actions_copy_ready)
        actions.removed.connect(self._on_actions_removed)

    def add_job(self, job: Job) -> None:
        """Show a finished job's results at the top."""
        if job.id in self.cards or not job.thumbnails:
            return
        card = JobCard(job, self)
        self.cards[job.id] = card
        self.column.insertWidget(0, card)

    def show_menu(self, job: Job, index: int, where: object) -> None:
        menu = QMenu(self)
        entries = [
            ("Save as PNG…", lambda: self._save_as(job, index)),
            ("Copy image", lambda: self.results.copy_image(job, index)),
            ("Copy prompt", lambda: QGuiApplication.clipboard().setText(job.params.prompt)),
            ("Reuse all parameters", lambda: self.reuse_requested.emit(job.params)),
            ("Use as reference image", lambda: self.results.use_as_reference(job, index)),
            ("Delete", lambda: self.results.delete(job)),
        ]
        for text, slot in entries:
            action = QAction(text, menu)
            action.triggered.connect(slot)
            menu.addAction(action)
        self.menu = menu
        menu.popup(where)  # type: ignore[arg-type]

    def _save_as(self, job: Job, index: int) -> None:
        name = f"{job.params.seed}-{index + 1}.png"
        dialog = QFileDialog(self, "Save image", name, "PNG images (*.png)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.fileSelected.connect(lambda path: self.results.save_as(job, index, Path(path)))
        dialog.open()

    def _on_actions_image_ready(self, job: Job, index: int, image: QImage) -> None:
        viewer = QDialog(self)
        viewer.setWindowTitle(job_header(job))
        label = QLabel()
        label.setPixmap(QPixmap.fromImage(image))
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        QVBoxLayout(viewer).addWidget(label)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer = viewer
        viewer.open()

    def _on_actions_copy_ready(self, image: QImage) -> None:
        QGuiApplication.clipboard().setImage(image)

    def _on_actions_removed(self, job: Job) -> None:
        card = self.cards.pop(job.id, None)
        if card is not None:
            card.deleteLater()
