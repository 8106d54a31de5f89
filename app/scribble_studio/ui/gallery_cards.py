"""The gallery's other cards and bars: a generation in the trash (with Restore), a job
that stopped (failed, cancelled, unknown: with Retry, Discard, Look up), the one-line
"Deleted 1 image — Undo" notice, and what an empty gallery says."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.gallery import GalleryItem, Show
from scribble_studio.domain.job_state import JobState
from scribble_studio.ui.jobs_panel import retry_label

if TYPE_CHECKING:
    from scribble_studio.controllers.gallery import GalleryModel

THUMB = 96  # logical pixels: what was deleted is shown smaller than the results


def empty_text(show: Show, search: str) -> str:
    """What an empty gallery says: how to fill it, or that a search found nothing."""
    if search.strip():
        return f"No matches for “{search.strip()}”."
    return {
        Show.RESULTS: "No results yet. Draw on the canvas, write a prompt and press "
                      "Generate (Ctrl+Return): the images appear here.",
        Show.STARRED: "Nothing is starred. Star a generation with ☆ on its card.",
        Show.STOPPED: "No failed, cancelled or unknown jobs.",
        Show.TRASH: "The trash is empty. Deleted results stay here for 30 days.",
    }[show]


def _day(stamp: float) -> str:
    return time.strftime("%Y-%m-%d", time.localtime(stamp))


def _button(text: str, name: str, tip: str, slot: Callable[[], object]) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    button.setToolTip(tip)
    button.clicked.connect(slot)
    return button


def _title(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    return label


class TrashCard(QFrame):
    """A generation (or some of its images) in the trash."""

    def __init__(self, item: GalleryItem, model: GalleryModel, header: str) -> None:
        super().__init__()
        assert item.trash is not None
        self.item = item
        self.setFrameShape(QFrame.Shape.StyledPanel)
        trash = item.trash
        count = len(item.entry.images)
        what = "The whole generation" if trash.whole else \
            f"{count} image{'s' if count != 1 else ''} of it"
        self.header = _title(header)
        self.when = QLabel(f"{what}, deleted {_day(trash.deleted_at)}; removed for good "
                           f"after {_day(trash.expires)}.")
        self.restore = _button("Restore", f"Restore generation {item.entry.id}",
                               "Put it back in the gallery", lambda: model.restore(item))
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.restore)
        self.row = QHBoxLayout()
        self.row.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.thumbs: list[QToolButton] = []
        for n in range(count):
            thumb = QToolButton()
            thumb.setIconSize(QSize(THUMB, THUMB))
            thumb.setAccessibleName(f"Deleted image {n + 1} of generation {item.entry.id}")
            self.thumbs.append(thumb)
            self.row.addWidget(thumb)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.when)
        layout.addLayout(self.row)
        self.refresh()

    def refresh(self) -> None:
        for n, thumb in enumerate(self.thumbs):
            image = self.item.thumbnails[n] if n < len(self.item.thumbnails) else None
            if image is None:
                pixmap = QPixmap(THUMB, THUMB)
                pixmap.fill(Qt.GlobalColor.lightGray)
            else:
                pixmap = QPixmap.fromImage(image)
                pixmap.setDevicePixelRatio(max(1.0, image.width() / THUMB))
            thumb.setIcon(pixmap)


class StoppedCard(QFrame):
    """A job that failed, was cancelled or whose outcome is unknown, of any session."""

    def __init__(self, item: GalleryItem, model: GalleryModel, header: str) -> None:
        super().__init__()
        self.item = item
        self.setFrameShape(QFrame.Shape.StyledPanel)
        entry = item.entry
        gen = entry.id
        self.header = _title(header)
        words = {JobState.UNKNOWN: "Outcome unknown"}.get(entry.state,
                                                           entry.state.value.capitalize())
        self.reason = _title(f"{words}: {entry.error}" if entry.error else words)
        self.reason.setAccessibleName(f"Why job {gen} stopped")
        self.reason.setToolTip(entry.error or "")
        cost = f" It costs {item.retry_cost}." if item.retry_cost else ""
        doubt = (" It may have been generated and billed already: look it up first."
                 if entry.state is JobState.UNKNOWN else "")
        self.retry = _button(retry_label(item.retry_cost), f"Retry job {gen}",
                             f"Send it again as a new job, with the same sketch and seed "
                             f"{entry.params.seed}.{cost}{doubt}", lambda: model.retry(item))
        self.discard = _button("Discard", f"Discard job {gen}",
                               "Take it off this list (and out of the outbox); what it cost "
                               "still counts in the spend figures", lambda: model.discard(item))
        self.look_up = _button("Look up", f"Look up job {gen}",
                               "Ask Segmind's request history whether it ran (free): found, "
                               "its images are collected", lambda: model.look_up(item))
        self.look_up.setVisible(entry.state is JobState.UNKNOWN)
        buttons = QHBoxLayout()
        buttons.setAlignment(Qt.AlignmentFlag.AlignLeft)
        for button in (self.retry, self.look_up, self.discard):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(self.reason)
        layout.addLayout(buttons)

    def refresh(self) -> None:
        """(Nothing loads later: a stopped job has no images.)"""


class DeletedBar(QWidget):
    """One line after a delete: what went, and Undo (as Ctrl+Z in the gallery does)."""

    def __init__(self, undo: Callable[[], object]) -> None:
        super().__init__()
        self.text = QLabel()
        self.text.setAccessibleName("Gallery notice")
        self.undo = _button("Undo", "Undo the delete", "Bring it back (Ctrl+Z)", undo)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        close.setAccessibleName("Close the gallery notice")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.undo)
        layout.addWidget(close)
        self.hide()

    def say(self, text: str, can_undo: bool) -> None:
        self.text.setText(f"{text} — in Recently deleted for 30 days" if can_undo else text)
        self.undo.setVisible(can_undo)
        self.show()
