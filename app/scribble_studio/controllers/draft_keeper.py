"""Autosave of the sketch, its reference picture and the parameters (a couple of seconds
after an edit, and on close), the restore at start, and the list of drafts."""

from __future__ import annotations

import io
import threading

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.notices import Notices
from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.controllers.qt_images import pil_to_alpha, pil_to_qimage, qimage_to_pil
from scribble_studio.domain.errors import InvalidInput, StudioError, UnreadableImage
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.drafts import Draft, DraftInfo, DraftStore

AUTOSAVE_MS = 2000


def _png(image: QImage) -> bytes:
    buffer = io.BytesIO()
    qimage_to_pil(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def storable(params: GenerationParams) -> dict[str, object]:
    """The parameters as a draft keeps them: a half-typed seed is not kept."""
    data = params.to_dict()
    if not isinstance(data.get("seed"), int):
        data["seed"] = None
    return data


def _decoded(draft: Draft) -> tuple[Draft, QImage, QImage | None]:
    """Off the GUI thread: the draft's ink layer and its reference picture, decoded."""
    from PIL import ImageChops

    from scribble_studio.domain.scribble import decode_image

    ink = pil_to_alpha(ImageChops.invert(draft.darkness))
    reference = None
    if draft.reference is not None:
        try:
            reference = pil_to_qimage(decode_image(draft.reference))
        except UnreadableImage:
            reference = None
    return draft, ink, reference


class DraftKeeper(QObject):
    restored = Signal(dict)     # the draft's parameters (already in the parameters model)
    saved = Signal()
    listed = Signal(list)       # DraftInfo, newest first

    def __init__(self, store: DraftStore, document: CanvasDocument, runner: BackgroundRunner,
                 params: ParametersModel, parent: QObject | None = None,
                 delay_ms: int = AUTOSAVE_MS, notices: Notices | None = None) -> None:
        super().__init__(parent)
        self.store, self.document, self.runner, self.params = store, document, runner, params
        self.notices = notices or Notices(self)  # where its errors go (the app's one)
        self.draft_id = store.new_id()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.save_now)
        self._reference: tuple[int, bytes | None] = (0, None)
        self._reference_lock = threading.Lock()
        document.content_changed.connect(self.schedule)
        document.reference_changed.connect(self.schedule)
        params.changed.connect(self.schedule)  # the parameters are kept with the draft

    def schedule(self) -> None:
        """Save a little later; more edits in the meantime push it back."""
        self._timer.start()

    def _reference_png(self, reference: QImage | None) -> bytes | None:
        """Runs on a worker thread. A new reference picture is encoded once, not at every
        autosave (two autosaves may race here, hence the lock)."""
        if reference is None:
            return None
        with self._reference_lock:
            key, data = self._reference
            if key != reference.cacheKey():
                data = _png(reference)
                self._reference = (reference.cacheKey(), data)
            return data

    def save_now(self, wait: bool = False) -> None:
        """Snapshot on the GUI thread (a copy), write on a worker thread. ``wait`` blocks
        until written (used on close)."""
        self._timer.stop()
        draft_id, darkness = self.draft_id, self.document.darkness_image()
        params, opacity = storable(self.params.params()), self.document.reference_opacity
        reference = self.document.reference  # shared, not copied: it is only ever replaced

        def work() -> None:
            try:
                self.store.save(draft_id, darkness, params, self._reference_png(reference),
                                opacity)
            except OSError as exc:
                raise StudioError(f"The draft could not be saved: {exc.strerror or exc}.",
                                  "Free some disk space; the drawing is still open.") from None

        future = self.runner.run(work, lambda _: self.saved.emit(), self._on_failed)
        if wait and not future.cancelled():
            future.exception(timeout=10)

    def _on_failed(self, error: StudioError) -> None:
        self.notices.report(error)

    def restore_last(self) -> None:
        """Open the draft that was current when the app last stopped, if any."""
        current = self.store.current_id()
        if current is not None:
            self.open(current, save_first=False)

    def open(self, draft_id: str, save_first: bool = True) -> None:
        if save_first:
            self.save_now()
        self.runner.run(lambda: _decoded(self.store.load(draft_id)), self._apply,
                        self._on_failed)

    def _apply(self, decoded: tuple[Draft, QImage, QImage | None]) -> None:
        draft, ink, reference = decoded
        self.draft_id = draft.id
        self.document.load_ink(ink)
        self.document.set_reference(reference)
        self.document.set_reference_opacity(draft.reference_opacity)
        if draft.params:
            self.params.set_params(GenerationParams.from_dict({"prompt": "", **draft.params}))
        self._timer.stop()  # opening is not an edit
        self.restored.emit(draft.params)
        if draft.dropped:  # the draft opened; say what of it could not be read
            self.notices.report(InvalidInput(
                f"Some of the draft's settings could not be read and were reset: "
                f"{', '.join(draft.dropped)}.", "Check them before generating."))

    def new_sketch(self) -> None:
        """Keep the current sketch as a draft and start a blank one."""
        self.save_now()
        self.draft_id = self.store.new_id()
        blank = QImage(self.document.size(), QImage.Format.Format_Alpha8)
        blank.fill(0)
        self.document.load_ink(blank)
        self.document.set_reference(None)
        self.save_now()

    def refresh_list(self) -> None:
        self.runner.run(self.store.list, self.listed.emit, self._on_failed)

    def delete(self, info: DraftInfo) -> None:
        if info.id == self.draft_id:
            return  # the open sketch is not deleted under the user
        self.runner.run(lambda: self.store.delete(info.id), lambda _: self.refresh_list(),
                        self._on_failed)
