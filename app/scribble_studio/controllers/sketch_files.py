"""Opening, importing, pasting and saving sketches, and loading reference pictures.
File reads and decodes run on a worker thread; failures leave the canvas untouched."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.notices import Notices
from scribble_studio.controllers.qt_images import (
    pil_to_alpha,
    pil_to_qimage,
    qimage_to_pil,
)
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.png_metadata import STUDIO_KEY, params_from_metadata

if TYPE_CHECKING:  # Pillow (and what needs it) is loaded after the window shows
    from PIL import Image


class SketchFiles(QObject):
    import_ready = Signal(object)      # a ScribbleImporter waiting for the user's settings
    saved = Signal(Path)
    opened = Signal(Path)
    params_found = Signal(object)      # GenerationParams carried by an opened picture

    def __init__(self, document: CanvasDocument, runner: BackgroundRunner,
                 notices: Notices | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.runner = runner
        self.notices = notices or Notices(self)  # where its errors go (the app's one)

    def _fail(self, error: StudioError) -> None:
        self.notices.report(error)

    def open_path(self, path: Path, as_import: bool = False) -> None:
        """Open a sketch saved by this app exactly; any other picture is imported."""
        from PIL import ImageChops

        from scribble_studio.services.sketch_files import is_exact_sketch, read_image

        def done(image: Image.Image) -> None:
            carried = params_from_metadata(str(image.info.get(STUDIO_KEY, "")))
            if carried is not None:
                self.params_found.emit(carried)
            if not as_import and is_exact_sketch(image):
                self.document.replace_ink(pil_to_alpha(ImageChops.invert(image)), "Open sketch")
                self.opened.emit(path)
            else:
                self.start_import(image)

        self.runner.run(lambda: read_image(path), done, self._fail)

    def start_import(self, image: Image.Image) -> None:
        from scribble_studio.controllers.scribble_importer import ScribbleImporter

        importer = ScribbleImporter(self.document, self.runner, image, self)
        importer.failed.connect(self._fail)
        self.import_ready.emit(importer)

    def import_qimage(self, image: QImage) -> None:
        """A picture from the clipboard or a drop."""
        if image.isNull():
            self._fail(StudioError("The clipboard has no picture in it.", "Copy an image first."))
            return
        self.start_import(qimage_to_pil(image))

    def load_reference(self, path: Path) -> None:
        from scribble_studio.services.sketch_files import read_image

        self.runner.run(lambda: pil_to_qimage(read_image(path)), self.document.set_reference,
                        self._fail)

    def save(self, path: Path) -> None:
        from scribble_studio.services.sketch_files import save_sketch

        darkness = self.document.darkness_image()  # a copy, taken on the GUI thread
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        self.runner.run(lambda: save_sketch(path, darkness), lambda _: self.saved.emit(path),
                        self._fail)
