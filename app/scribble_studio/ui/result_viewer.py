"""The large view of one result: previous/next across the gallery, star, save, copy,
restore its sketch (with or without its parameters), more like this, and the scribble
laid over the result at an adjustable opacity, to see how closely the model followed the
lines. One window, non-modal, reused for every result and freed when closed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QAction, QImage, QKeySequence, QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.gallery import GalleryItem, GalleryModel

# The large view's keys: (name, button text, keys, what it does). The viewer makes its
# actions from this table and Help ▸ Keyboard shortcuts lists it (the view may be closed).
VIEWER_KEYS: Final = (
    ("previous", "◀", "Left", "Previous result"),
    ("next", "▶", "Right", "Next result"),
    ("star", "☆", "S", "Star this generation"),
    ("save", "Save…", "Ctrl+S", "Save as PNG"),
    ("copy", "Copy", "Ctrl+C", "Copy the image"),
    ("restore", "Restore sketch", "R",
     "Put this result's sketch back on the canvas (undo with Ctrl+Z)"),
    ("restore_all", "Restore sketch and parameters", "Shift+R",
     "Put this result's sketch and parameters back"),
    ("more", "More like this…", "M", "The same sketch and parameters with new seeds"),
    ("overlay", "Overlay sketch", "O", "Show the sketch over the result"),
    ("fainter", "−", "Down", "A fainter overlay"),
    ("stronger", "+", "Up", "A stronger overlay"),
    ("close", "Close", "Esc", "Close the large view"),
)
DEFAULT_OPACITY = 60  # percent: the lines read clearly and the result still shows through


def fitted(image: QSize, area: QRect) -> QRect:
    """Where ``image`` is drawn in ``area``: as large as fits, never enlarged past twice
    its size (a 64 px test image stays legible, a 1024 px result fills the window)."""
    if image.isEmpty() or area.isEmpty():
        return QRect()
    scale = min(area.width() / image.width(), area.height() / image.height(), 2.0)
    size = QSize(max(1, round(image.width() * scale)), max(1, round(image.height() * scale)))
    return QRect(area.center() - QPoint(size.width() // 2, size.height() // 2), size)


def _key(shown: tuple[GalleryItem, int]) -> tuple[int, int]:
    return shown[0].entry.id, shown[1]


class ResultCanvas(QWidget):
    """The result, fitted, and the overlay layer over it at ``opacity``.

    Both are scaled to the shown size once (per image and per size of the window) and
    kept as pixmaps, so that a move of the opacity slider only blends two pixmaps: scaling
    a full-size image at every paint took longer than a frame."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = QImage()
        self.overlay: QImage | None = None
        self.opacity = DEFAULT_OPACITY / 100
        self._scaled: dict[str, tuple[int, QSize, QPixmap]] = {}
        self.setMinimumSize(320, 320)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Result")

    def image_rect(self) -> QRect:
        return fitted(self.image.size(), self.rect())

    def _pixmap(self, name: str, image: QImage, size: QSize) -> QPixmap:
        kept = self._scaled.get(name)
        if kept is None or kept[0] != image.cacheKey() or kept[1] != size:
            scaled = image.scaled(size, Qt.AspectRatioMode.IgnoreAspectRatio,
                                  Qt.TransformationMode.SmoothTransformation)
            kept = (image.cacheKey(), size, QPixmap.fromImage(scaled))
            self._scaled[name] = kept
        return kept[2]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        if not self.image.isNull():
            target = self.image_rect()
            painter.drawPixmap(target.topLeft(), self._pixmap("image", self.image,
                                                              target.size()))
            if self.overlay is not None:
                painter.setOpacity(self.opacity)
                painter.drawPixmap(target.topLeft(), self._pixmap("overlay", self.overlay,
                                                                  target.size()))
        painter.end()


class ResultViewer(QWidget):
    """Shows one result of the gallery; ``show_result`` moves it to another."""

    restore_requested = Signal(object, bool)   # item, with its parameters
    more_requested = Signal(object)            # item
    save_requested = Signal(object, int)       # item, index: the gallery asks where

    def __init__(self, model: GalleryModel, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.model = model
        self.item: GalleryItem | None = None
        self.index = 0
        self.shown = ""  # the file of the image shown
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(900, 760)
        self.canvas = ResultCanvas()
        self.where = QLabel()
        self.where.setAccessibleName("Which result")
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(DEFAULT_OPACITY)
        self.opacity.setFixedWidth(140)
        self.opacity.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # ↑/↓ are the window's keys
        self.opacity.setAccessibleName("Overlay opacity")
        self.opacity.setToolTip("How strongly the sketch shows over the result")
        self.opacity.valueChanged.connect(self._on_opacity_changed)
        self.buttons: dict[str, QToolButton] = {}
        bar = QHBoxLayout()
        slots: dict[str, Callable[[], object]] = {
            "previous": lambda: self.step(-1), "next": lambda: self.step(1),
            "star": self._on_star, "save": self._on_save, "copy": self._on_copy,
            "restore": lambda: self._on_restore(False),
            "restore_all": lambda: self._on_restore(True), "more": self._on_more,
            "overlay": self._on_overlay_toggled, "fainter": lambda: self._nudge(-10),
            "stronger": lambda: self._nudge(10)}
        for name, text, keys, tip in VIEWER_KEYS:
            if name == "close":
                continue
            slot = slots[name]
            action = self._action(text, keys, tip, slot)
            if name in ("fainter", "stronger"):
                continue  # keys only: the slider is the control
            bar.addWidget(self._button(name, action, tip))
            if name in ("next", "copy", "more"):
                bar.addSpacing(12)
        self.overlay_action = self.buttons["overlay"].defaultAction()
        self.overlay_action.setCheckable(True)
        bar.addWidget(self.opacity)
        bar.addStretch(1)
        bar.addWidget(self.where)
        close = QAction(self)
        close.setShortcut(QKeySequence(VIEWER_KEYS[-1][2]))
        close.triggered.connect(self.close)
        self.addAction(close)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.note)
        self._step_after_page = False
        self._wanted: tuple[GalleryItem, int] | None = None
        # How many loads of each result this window asked for and has not had back (a
        # result stepped to twice, fast, comes back twice: each one is counted).
        self._asked: Counter[tuple[int, int]] = Counter()
        model.changed.connect(self._on_model_changed)
        model.appended.connect(self._on_model_appended)
        model.removed.connect(self._on_model_removed)
        model.overlay_ready.connect(self._on_model_overlay_ready)
        model.sketch_restored.connect(self._on_model_sketch_restored)
        self._sync_overlay_controls()

    def _action(self, text: str, keys: str, tip: str, slot: Callable[[], object]) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(keys))
        action.setToolTip(f"{tip} ({QKeySequence(keys).toString()})")
        action.triggered.connect(slot)
        self.addAction(action)  # the keys work wherever the focus is in this window
        return action

    def _button(self, name: str, action: QAction, tip: str) -> QToolButton:
        button = QToolButton()
        button.setDefaultAction(action)
        button.setAccessibleName(tip)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows stay with the window
        self.buttons[name] = button
        return button

    # -- what is shown ------------------------------------------------------------------

    def show_result(self, item: GalleryItem, index: int, image: QImage) -> None:
        key = (item.entry.id, index)
        if self._asked[key] > 0:  # one this window stepped to
            self._asked[key] -= 1
            # Images decode on two workers and may come back out of order: one that is
            # not the latest asked for (or comes after it was shown) is stale.
            if self._wanted is None or _key(self._wanted) != key:
                return
        if self._wanted is not None and _key(self._wanted) == key:
            self._wanted = None
        self.item, self.index = item, index
        self.shown = item.entry.images[index].sha256
        self.canvas.image, self.canvas.overlay = image, None
        self.note.clear()
        self._refresh()
        if self.overlay_action.isChecked():
            self.model.load_overlay(item, index)
        self.canvas.update()

    def _refresh(self) -> None:
        item = self.item
        if item is None:
            return
        entry = item.entry
        from scribble_studio.ui.gallery_view import header_text

        self.setWindowTitle(header_text(item))
        count = len(entry.images)
        self.where.setText(f"Image {self.index + 1} of {count} · generation {entry.id}")
        star = self.buttons["star"].defaultAction()
        star.setText("★" if entry.starred else "☆")
        star.setToolTip(("Unstar" if entry.starred else "Star this generation") + " (S)")
        self.buttons["previous"].defaultAction().setEnabled(
            self.model.neighbour(item, self.index, -1) is not None)
        self.buttons["next"].defaultAction().setEnabled(
            self.model.neighbour(item, self.index, 1) is not None or self.model.has_more)

    def step(self, step: int) -> None:
        """Move to the previous (-1) or next (+1) result in the gallery's order."""
        if self.item is None:
            return
        # From where the last key asked to be, not from what is shown yet: keys pressed
        # faster than images decode still move one result each.
        base = self._wanted or (self.item, self.index)
        found = self.model.neighbour(*base, step)
        if found is not None:
            self._wanted = found
            self._asked[_key(found)] += 1
            self.model.load_full(*found)  # image_ready brings it back to show_result
        elif step > 0 and self.model.has_more:
            self._step_after_page = True  # the next page of the gallery, then on
            self.model.load_more()

    def _sync_overlay_controls(self) -> None:
        self.opacity.setEnabled(self.overlay_action.isChecked())

    # -- actions --------------------------------------------------------------------------

    def _on_star(self) -> None:
        if self.item is not None:
            self.model.star(self.item, not self.item.entry.starred)

    def _on_save(self) -> None:
        if self.item is not None:
            self.save_requested.emit(self.item, self.index)

    def _on_copy(self) -> None:
        if self.item is not None:
            self.model.copy_image(self.item, self.index)

    def _on_restore(self, with_params: bool) -> None:
        if self.item is not None:
            self.restore_requested.emit(self.item, with_params)

    def _on_more(self) -> None:
        if self.item is not None:
            self.more_requested.emit(self.item)

    def _on_overlay_toggled(self) -> None:
        self._sync_overlay_controls()
        if self.overlay_action.isChecked():
            if self.item is not None:
                self.model.load_overlay(self.item, self.index)
        else:
            self.canvas.overlay = None
            self.canvas.update()

    def _nudge(self, step: int) -> None:
        if self.overlay_action.isChecked():
            self.opacity.setValue(self.opacity.value() + step)

    def _on_opacity_changed(self, value: int) -> None:
        self.canvas.opacity = value / 100
        self.canvas.update()

    # -- the model --------------------------------------------------------------------------

    def _on_model_changed(self, item: GalleryItem) -> None:
        if item is not self.item:
            return
        # One image of the generation went to the trash (or came back): the one shown
        # keeps its place by its file, and the window closes if it was the one deleted.
        digests = [image.sha256 for image in item.entry.images]
        if self.shown not in digests:
            self.close()
            return
        self.index = digests.index(self.shown)
        self._refresh()

    def _on_model_removed(self, item: GalleryItem) -> None:
        if self.item is not None and item.entry.id == self.item.entry.id:
            self.close()  # (what it showed is gone)

    def _on_model_appended(self, _items: list[GalleryItem]) -> None:
        if self._step_after_page:
            self._step_after_page = False
            self.step(1)
        self._refresh()

    def _on_model_overlay_ready(self, item: GalleryItem, index: int, layer: QImage) -> None:
        # A layer for a result no longer shown (the user moved on) is dropped.
        if (item, index) == (self.item, self.index) and self.overlay_action.isChecked():
            self.canvas.overlay = layer
            self.canvas.update()

    def _on_model_sketch_restored(self, item: GalleryItem) -> None:
        if item is self.item:
            self.note.setText(f"The sketch of generation {item.entry.id} is on the canvas; "
                              "Ctrl+Z in the main window brings the previous drawing back.")
