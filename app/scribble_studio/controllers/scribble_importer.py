"""One import of a picture as scribble: its settings, a live preview, and the edit."""

from __future__ import annotations

from concurrent.futures import Future

from PIL import Image
from PySide6.QtCore import QObject, QSize, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument, pil_to_alpha
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.scribble import THRESHOLD, darkness
from scribble_studio.domain.scribble_import import (
    ImportMode,
    fit_ink,
    fit_photo_ink,
    guess_mode,
    ink_to_darkness,
    is_mostly_dark,
    line_drawing_ink,
)

PREVIEW_SIDE = 360
DEFAULT_THICKNESS = 3
DEFAULT_CLOSE_GAPS = 2


def make_ink(source: Image.Image, mode: ImportMode, threshold: int, invert: bool,
             strength: float, size: QSize, thickness: int = DEFAULT_THICKNESS,
             close_gaps: int = DEFAULT_CLOSE_GAPS) -> Image.Image:
    """The fitted ink mask (255 = ink) for ``size``. Runs on a worker thread."""
    if mode is ImportMode.PHOTO:
        return fit_photo_ink(source, size.width(), size.height(), strength, thickness,
                             close_gaps)
    return fit_ink(line_drawing_ink(source, threshold, invert), size.width(), size.height())


def look_at(source: Image.Image) -> tuple[ImportMode, bool, Image.Image]:
    """What the picture seems to be, whether it is light on dark, and a copy small enough
    for the preview. Runs on a worker thread (a photo of many megapixels takes a while)."""
    small = source.copy()
    small.thumbnail((PREVIEW_SIDE * 2, PREVIEW_SIDE * 2))
    return guess_mode(source), is_mostly_dark(darkness(source)), small


class ScribbleImporter(QObject):
    """Its image work runs on the runner's workers; the newest preview request wins.

    Freed once it has done its work: after ``applied`` (or a failed apply), or when
    :meth:`discard` is called (the dialog was cancelled)."""

    guessed = Signal()      # mode and invert hold the picture's guesses; previews can start
    preview_ready = Signal(QImage)
    failed = Signal(object)
    applied = Signal()

    def __init__(self, document: CanvasDocument, runner: BackgroundRunner,
                 source: Image.Image, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.runner = runner
        self.source = source
        self.mode = ImportMode.LINE_DRAWING  # until guessed
        self.threshold = THRESHOLD
        self.invert = False
        self.strength = 0.7
        self.thickness = DEFAULT_THICKNESS
        self.close_gaps = DEFAULT_CLOSE_GAPS
        # Whether the import replaces the drawing or is added to it (asked in the dialog).
        self.add_to_drawing = False
        self._small: Image.Image | None = None
        self._generation = 0
        self._pending: Future[QImage] | None = None
        self._discarded = False
        runner.run(lambda: look_at(source), self._on_looked_at, self._on_failed)

    @property
    def ready(self) -> bool:
        return self._small is not None

    def _on_looked_at(self, seen: tuple[ImportMode, bool, Image.Image]) -> None:
        if self._discarded:
            return
        self.mode, self.invert, self._small = seen
        self.guessed.emit()  # whoever shows the preview asks for it (refresh)

    def set_mode(self, mode: ImportMode) -> None:
        self.mode = mode
        self.refresh()

    def set_threshold(self, threshold: int) -> None:
        self.threshold = max(1, min(254, threshold))
        self.refresh()

    def set_invert(self, invert: bool) -> None:
        self.invert = invert
        self.refresh()

    def set_strength(self, strength: float) -> None:
        self.strength = max(0.0, min(1.0, strength))
        self.refresh()

    def set_thickness(self, thickness: int) -> None:
        self.thickness = max(1, min(15, thickness))
        self.refresh()

    def set_close_gaps(self, close_gaps: int) -> None:
        self.close_gaps = max(0, min(6, close_gaps))
        self.refresh()

    def set_add_to_drawing(self, add: bool) -> None:
        self.add_to_drawing = add

    def _preview_size(self) -> QSize:
        size = self.document.size()
        scale = PREVIEW_SIDE / max(size.width(), size.height())
        return QSize(max(1, round(size.width() * scale)), max(1, round(size.height() * scale)))

    def refresh(self) -> None:
        """Recompute the preview off the GUI thread; a newer request wins: one not yet
        started is cancelled, and a result for an older request is dropped."""
        small = self._small
        if small is None:
            return  # the first preview follows the guesses
        self._generation += 1
        generation = self._generation
        if self._pending is not None:
            self._pending.cancel()
        # The preview is smaller than the canvas: thin its lines and gaps to match.
        scale = self._preview_size().width() / self.document.size().width()
        args = (small, self.mode, self.threshold, self.invert, self.strength,
                self._preview_size(), max(1, round(self.thickness * scale)),
                round(self.close_gaps * scale))

        def work() -> QImage:
            darkness_image = ink_to_darkness(make_ink(*args)).convert("L")
            raw = darkness_image.tobytes()
            return QImage(raw, darkness_image.width, darkness_image.height,
                          darkness_image.width, QImage.Format.Format_Grayscale8).copy()

        def done(image: QImage) -> None:
            if generation == self._generation:
                self.preview_ready.emit(image)

        self._pending = self.runner.run(work, done, self._on_failed)

    def discard(self) -> None:
        """Not imported after all: free the picture."""
        self._close()

    def _close(self) -> None:
        self._discarded = True  # what is still on its way (a preview) is dropped
        self._generation += 1
        self.deleteLater()

    def apply(self) -> None:
        """Compute the full-size ink off the GUI thread, then make it one undoable edit."""
        args = (self.source, self.mode, self.threshold, self.invert, self.strength,
                self.document.size(), self.thickness, self.close_gaps)
        drawing = self.document.ink_mask() if self.add_to_drawing else None

        def work() -> Image.Image:
            from PIL import ImageChops

            ink = make_ink(*args)
            if drawing is not None and drawing.size == ink.size:
                ink = ImageChops.lighter(ink, drawing)  # added: both inks, as one edit
            return ink

        def done(mask: Image.Image) -> None:
            text = "Import scribble (added)" if drawing is not None else "Import scribble"
            self.document.replace_ink(pil_to_alpha(mask), text)
            self.applied.emit()
            self._close()

        def failed(error: StudioError) -> None:
            self._on_failed(error)
            self._close()

        self.runner.run(work, done, failed)

    def _on_failed(self, error: StudioError) -> None:
        if not self._discarded:
            self.failed.emit(error)
