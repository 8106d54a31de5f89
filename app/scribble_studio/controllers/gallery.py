"""What the gallery can do with a result: show it large, save, copy, reuse, delete.
Decoding and file writes run on worker threads."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.session import GenerationSession, Job
from scribble_studio.controllers.sketch_files import pil_to_qimage
from scribble_studio.domain.errors import InvalidInput, StudioError


def _decode(data: bytes) -> QImage:
    with Image.open(io.BytesIO(data)) as image:
        return pil_to_qimage(image.convert("RGB"))


class GalleryActions(QObject):
    image_ready = Signal(object, int, QImage)   # job, index, the full image (to view)
    copy_ready = Signal(QImage)                  # the full image, for the clipboard
    saved = Signal(Path)
    removed = Signal(object)                     # job
    failed = Signal(object)                      # StudioError

    def __init__(self, session: GenerationSession, document: CanvasDocument,
                 runner: BackgroundRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session, self.document, self.runner = session, document, runner

    def _fail(self, error: StudioError) -> None:
        self.failed.emit(error)

    def _data(self, job: Job, index: int) -> bytes:
        assert job.result is not None
        return job.result.images[index].data

    def load_full(self, job: Job, index: int) -> None:
        data = self._data(job, index)
        self.runner.run(lambda: _decode(data),
                        lambda image: self.image_ready.emit(job, index, image), self._fail)

    def copy_image(self, job: Job, index: int) -> None:
        data = self._data(job, index)
        self.runner.run(lambda: _decode(data), self.copy_ready.emit, self._fail)

    def save_as(self, job: Job, index: int, target: Path) -> None:
        """Copy the stored PNG (it already carries its parameters) to ``target``."""
        source = job.paths[index]
        if target.suffix.lower() != ".png":
            target = target.with_suffix(".png")

        def work() -> Path:
            try:
                shutil.copyfile(source, target)
            except OSError as exc:
                raise InvalidInput(f"Cannot save {target.name}: {exc.strerror or exc}.",
                                   "Choose another folder.") from None
            return target

        self.runner.run(work, self.saved.emit, self._fail)

    def use_as_reference(self, job: Job, index: int) -> None:
        data = self._data(job, index)
        self.runner.run(lambda: _decode(data), self.document.set_reference, self._fail)

    def delete(self, job: Job) -> None:
        """Forget the job and remove its files."""
        paths = list(job.paths)
        self.session.remove(job)
        self.removed.emit(job)

        def work() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        self.runner.run(work, lambda _: None, self._fail)
