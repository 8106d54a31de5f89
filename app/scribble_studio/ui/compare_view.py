"""Two results side by side, or one over the other with a split slider, and what differs
between the generations they came from; and the gallery's pick of two results to compare
(Ctrl+click a thumbnail)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QRadioButton,
    QSizePolicy,
    QSlider,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.gallery import GalleryItem
from scribble_studio.controllers.lineage import param_differences
from scribble_studio.ui.result_viewer import fitted

Pick = tuple[GalleryItem, int]


def _key(pick: Pick) -> tuple[int, int]:
    return pick[0].entry.id, pick[1]


class ComparePicker(QObject):
    """The results picked for comparison: Ctrl+click on a thumbnail picks or unpicks it
    (the click does not open it); a third pick replaces the oldest. A pick is a
    generation's image, so it stays picked across searches and pages."""

    picked_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.picks: list[Pick] = []
        self._buttons: dict[QObject, Pick] = {}

    def watch(self, button: QAbstractButton, item: GalleryItem, index: int) -> None:
        self._buttons[button] = (item, index)
        button.installEventFilter(self)
        button.destroyed.connect(lambda: self._buttons.pop(button, None))
        self._show(button, (item, index))

    def is_picked(self, pick: Pick) -> bool:
        return _key(pick) in {_key(p) for p in self.picks}

    def toggle(self, item: GalleryItem, index: int) -> None:
        pick = (item, index)
        if self.is_picked(pick):
            self.picks = [p for p in self.picks if _key(p) != _key(pick)]
        else:
            self.picks = [*self.picks, pick][-2:]
        self._show_picks()

    def clear(self) -> None:
        self.picks = []
        self._show_picks()

    def forget(self, item: GalleryItem) -> None:
        """A generation deleted: its images cannot be compared any more."""
        kept = [p for p in self.picks if p[0].entry.id != item.entry.id]
        if len(kept) != len(self.picks):
            self.picks = kept
            self._show_picks()

    def _show_picks(self) -> None:
        for button, pick in self._buttons.items():
            self._show(button, pick)
        self.picked_changed.emit()

    def _show(self, button: QObject, pick: Pick) -> None:
        assert isinstance(button, QAbstractButton)
        picked = self.is_picked(pick)
        button.setStyleSheet("QToolButton { border: 3px solid palette(highlight); }"
                             if picked else "")
        button.setProperty("picked", picked)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                            QEvent.Type.MouseButtonDblClick) and watched in self._buttons:
            assert isinstance(event, QMouseEvent)
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier \
                    and event.button() == Qt.MouseButton.LeftButton:
                if event.type() == QEvent.Type.MouseButtonRelease:
                    self.toggle(*self._buttons[watched])
                return True  # a pick, not a click that opens the result
        return False


class SplitCanvas(QWidget):
    """Side by side, or the second over the first right of a split line (dragged with
    the mouse, or set with the slider)."""

    split_dragged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images = (QImage(), QImage())
        self.split_mode = False
        self.split = 0.5
        self.setMinimumSize(480, 320)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window())
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        first, second = self.images
        if self.split_mode:
            target = fitted(first.size(), self.rect())
            painter.drawImage(target, first)
            cut = target.left() + round(target.width() * self.split)
            painter.save()
            painter.setClipRect(QRect(cut, target.top(), target.right() - cut + 1,
                                      target.height()))
            # The second is drawn in the first's place even if its size differs.
            painter.drawImage(target, second)
            painter.restore()
            painter.setPen(QPen(self.palette().highlight().color(), 2))
            painter.drawLine(cut, target.top(), cut, target.bottom())
        else:
            half = self.width() // 2
            for image, area in ((first, QRect(0, 0, half - 4, self.height())),
                                (second, QRect(half + 4, 0, half - 4, self.height()))):
                painter.drawImage(fitted(image.size(), area), image)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self._drag_split(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._drag_split(event)

    def _drag_split(self, event: QMouseEvent) -> None:
        target = fitted(self.images[0].size(), self.rect())
        if self.split_mode and target.width() > 0:
            where = (event.position().x() - target.left()) / target.width()
            self.split_dragged.emit(min(1.0, max(0.0, where)))

    def sizeHint(self) -> QSize:
        return QSize(960, 520)


class CompareView(QWidget):
    """Two results and the parameters that differ. Non-modal, freed when closed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle("Compare results")
        self.canvas = SplitCanvas()
        self.side_by_side = QRadioButton("Side by side")
        self.side_by_side.setChecked(True)
        self.split_button = QRadioButton("Split")
        modes = QButtonGroup(self)
        modes.addButton(self.side_by_side)
        modes.addButton(self.split_button)
        self.split_button.toggled.connect(self._on_split_toggled)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, 100)
        self.slider.setValue(50)
        self.slider.setAccessibleName("Split position")
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.canvas.split_dragged.connect(lambda at: self.slider.setValue(round(at * 100)))
        self.titles = QLabel()
        self.titles.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["", "Left", "Right"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setAccessibleName("Differences")
        self.table.setMaximumHeight(180)
        self.same = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.side_by_side)
        top.addWidget(self.split_button)
        top.addWidget(self.slider, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.titles)
        layout.addWidget(self.same)
        layout.addWidget(self.table)
        self._on_split_toggled(False)
        self.resize(1000, 800)

    def show_pair(self, first: tuple[GalleryItem, int, QImage],
                  second: tuple[GalleryItem, int, QImage]) -> None:
        (a, a_index, a_image), (b, b_index, b_image) = first, second
        self.canvas.images = (a_image, b_image)
        self.titles.setText(f"Left: generation {a.entry.id}, image {a_index + 1}  ·  "
                            f"Right: generation {b.entry.id}, image {b_index + 1}")
        differences = param_differences(a.entry, b.entry)
        self.table.setRowCount(len(differences))
        for row, difference in enumerate(differences):
            for column, text in enumerate((difference.label, difference.first,
                                           difference.second)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.setVisible(bool(differences))
        self.same.setText("" if differences else
                          "Same sketch and parameters: the two differ only by chance "
                          "(images of one generation).")
        self.canvas.update()

    def differences(self) -> list[list[str]]:
        """The table as shown, row by row."""
        rows = []
        for row in range(self.table.rowCount()):
            cells = [self.table.item(row, column) for column in range(3)]
            rows.append([c.text() if c is not None else "" for c in cells])
        return rows

    def _on_split_toggled(self, on: bool) -> None:
        self.canvas.split_mode = on
        self.slider.setEnabled(on)
        self.canvas.update()

    def _on_slider_changed(self, value: int) -> None:
        self.canvas.split = value / 100
        self.canvas.update()
