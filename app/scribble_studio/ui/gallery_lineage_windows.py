"""The gallery view's lineage windows: the large view of a result, its sketch restored,
"more like this", and two picked results compared. A mixin of
:class:`~scribble_studio.ui.gallery_view.GalleryView` (split from it by size)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from scribble_studio.controllers.gallery import GalleryItem, GalleryModel
from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.compare_view import ComparePicker, CompareView
from scribble_studio.ui.result_viewer import ResultViewer

if TYPE_CHECKING:
    from scribble_studio.ui.variations_dialog import VariationsDialog


class LineageWindows:
    """The lineage part of the gallery view."""

    if TYPE_CHECKING:
        model: GalleryModel
        picker: ComparePicker
        viewer: ResultViewer | None
        reuse: Callable[[GenerationParams], None]
        _save_as: Callable[[GalleryItem, int, QWidget | None], None]
        window: Callable[[], QWidget]

    @property
    def _widget(self) -> QWidget:
        """The gallery view itself, the parent of the windows it opens."""
        assert isinstance(self, QWidget)
        return self

    # -- lineage: the large view, restore, more like this, compare ------------------------

    def _build_lineage(self, layout: QVBoxLayout) -> None:
        self.compare_view: CompareView | None = None
        self.variations: VariationsDialog | None = None
        self.compare_button = QPushButton("Compare")
        self.compare_button.setToolTip("Compare the two results picked with Ctrl+click "
                                       "(Ctrl+Shift+M)")
        self.compare_button.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.compare_button.clicked.connect(self.compare_picked)
        self.picked = QLabel()
        self.unpick = QPushButton("Clear")
        self.unpick.setToolTip("Unpick both results")
        self.unpick.clicked.connect(self.picker.clear)
        row = QHBoxLayout()
        row.addWidget(self.picked, 1)
        row.addWidget(self.unpick)
        row.addWidget(self.compare_button)
        layout.insertLayout(1, row)
        self.picker.picked_changed.connect(self._on_picker_changed)
        self.model.pair_ready.connect(self._on_model_pair_ready)
        self.model.removed.connect(self.picker.forget)
        self._on_picker_changed()

    def _lineage_entries(self, item: GalleryItem, index: int) -> list[tuple[str, object]]:
        entries: list[tuple[str, object]] = [
            ("Restore sketch", lambda: self.restore(item, False)),
            ("Restore sketch and parameters", lambda: self.restore(item, True)),
            ("More like this…", lambda: self.more_like_this(item)),
        ]
        others = [pick for pick in self.picker.picks
                  if (pick[0].entry.id, pick[1]) != (item.entry.id, index)]
        if others:
            entries.append(("Compare with the picked result",
                            lambda: self.model.load_pair(others[-1], (item, index))))
        return entries

    def _show_viewer(self, item: GalleryItem, index: int, image: QImage) -> None:
        if self.viewer is None:
            viewer = ResultViewer(self.model, self._widget)
            viewer.restore_requested.connect(self.restore)
            viewer.more_requested.connect(self.more_like_this)
            viewer.save_requested.connect(
                lambda item, index: self._save_as(item, index, self.viewer))
            viewer.destroyed.connect(self._on_viewer_destroyed)
            self.viewer = viewer
        self.viewer.show_result(item, index, image)
        self.viewer.show()
        self.viewer.raise_()
        self.viewer.activateWindow()

    def _on_viewer_destroyed(self) -> None:
        self.viewer = None

    def restore(self, item: GalleryItem, with_params: bool) -> None:
        """The result's scribble back on the canvas (one undo step), and its parameters
        in the panel if asked."""
        self.model.restore_sketch(item)
        if with_params:
            self.reuse(item.entry.params)

    def more_like_this(self, item: GalleryItem) -> None:
        from scribble_studio.ui.variations_dialog import VariationsDialog

        # Over the window it was asked from (the large view's, or the main window).
        parent = self.viewer if self.viewer is not None and self.viewer.isActiveWindow() \
            else self.window()
        dialog = VariationsDialog(item, self.model.session.money_figures, parent)
        dialog.accepted.connect(lambda: self.model.more_like_this(item, dialog.count.value()))
        self.variations = dialog
        dialog.destroyed.connect(self._on_variations_destroyed)
        dialog.open()

    def _on_variations_destroyed(self) -> None:
        self.variations = None

    def compare_picked(self) -> None:
        if len(self.picker.picks) == 2:
            self.model.load_pair(*self.picker.picks)

    def _on_picker_changed(self) -> None:
        count = len(self.picker.picks)
        self.compare_button.setEnabled(count == 2)
        self.picked.setText("" if count == 0 else
                            f"{count} of 2 picked for comparison (Ctrl+click a thumbnail)")
        self.compare_button.setVisible(count > 0)
        self.unpick.setVisible(count > 0)
        self.picked.setVisible(count > 0)  # (an empty row would still take its height)

    def _on_model_pair_ready(self, first: tuple[GalleryItem, int, QImage],
                             second: tuple[GalleryItem, int, QImage]) -> None:
        if self.compare_view is None:
            view = CompareView(self._widget)
            view.destroyed.connect(self._on_compare_destroyed)
            self.compare_view = view
        self.compare_view.show_pair(first, second)
        self.compare_view.show()
        self.compare_view.raise_()

    def _on_compare_destroyed(self) -> None:
        self.compare_view = None
