"""The live preview: the newest live image, large, updated in place beside the canvas,
with how long it took and what it cost; Keep (Ctrl+K) moves it into the gallery; and the
one line saying why live mode is paused or what it waits for. (The switch and "New
seed" are by Generate.)"""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.live_mode import LiveMode, LiveResult, LiveState
from scribble_studio.services.budget import money
from scribble_studio.services.history import Entry


class LiveImage(QWidget):
    """The image scaled to fit, keeping its shape; dimmed while a newer one is coming."""

    def __init__(self, live: LiveMode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.image = QImage()
        self.waiting = False
        self.setMinimumSize(QSize(240, 240))
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Live image")

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.update()

    def set_waiting(self, waiting: bool) -> None:
        if waiting != self.waiting:
            self.waiting = waiting
            self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Images are decoded (on a worker) at the size they are shown at.
        side = max(event.size().width(), event.size().height()) * self.devicePixelRatioF()
        self.live.preview_side = max(256, round(side))
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if self.image.isNull():
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             "Draw, then stop for a moment:\nthe picture appears here.")
            return
        size = self.image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
        target = QRectF((self.width() - size.width()) / 2, (self.height() - size.height()) / 2,
                        size.width(), size.height())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(target, self.image)
        if self.waiting:  # a newer state is on its way: this one is about to be replaced
            painter.fillRect(target, QColor(255, 255, 255, 70))


class LivePreview(QWidget):
    def __init__(self, live: LiveMode, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.live = live
        self.line = QLabel()
        self.line.setWordWrap(True)
        self.line.setAccessibleName("Live mode")
        self.image = LiveImage(live)
        self.info = QLabel("No live image yet.")
        self.info.setAccessibleName("Live image details")
        self.keep = QPushButton("Keep")
        self.keep.setToolTip("Keep this image: it moves into the gallery (Ctrl+K)")
        self.keep.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        buttons.addWidget(self.keep)
        column = QVBoxLayout(self)
        column.addWidget(self.line)
        column.addWidget(self.image, 1)
        column.addLayout(buttons)
        self.keep.clicked.connect(live.keep)
        live.state_changed.connect(self._on_live_state_changed)
        live.sending.connect(lambda _n: self.image.set_waiting(True))
        live.result_ready.connect(self._on_live_result_ready)
        live.kept.connect(self._on_live_kept)
        self._on_live_state_changed()

    def _on_live_state_changed(self) -> None:
        live = self.live
        state = {LiveState.ON: "Live mode is on: the drawing is sent when you pause.",
                 LiveState.OFF: "Live mode is off.", LiveState.PAUSED: ""}[live.state]
        self.line.setText(live.line or state)
        self.line.setStyleSheet("color: #b3261e;" if live.state is LiveState.PAUSED else "")
        if not live.busy:
            self.image.set_waiting(False)

    def _on_live_result_ready(self, result: LiveResult) -> None:
        self.image.set_image(result.image)
        self.image.set_waiting(False)
        cost = f" · {money(result.cost)}" if result.cost is not None else ""
        more = f" · 1 of {result.images}" if result.images > 1 else ""
        self.info.setText(f"#{result.number} · {result.seconds:.1f} s{cost} · seed "
                          f"{result.params.seed}{more}")
        self.keep.setEnabled(True)
        self.keep.setText("Keep")

    def _on_live_kept(self, entry: Entry) -> None:
        shown = self.live.shown
        if shown is not None and shown.history_id == entry.id:
            self.keep.setEnabled(False)
            self.keep.setText("Kept")
