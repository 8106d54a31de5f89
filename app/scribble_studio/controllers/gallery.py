"""The gallery's model: the history's finished generations, a page at a time, with
thumbnails made lazily off the GUI thread and kept in a small cache; and what can be
done with a result (view, save, copy, reuse, use as reference, star, delete)."""

from __future__ import annotations

import dataclasses
import io
import shutil
from collections import OrderedDict
from pathlib import Path
from typing import Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.session import GenerationSession, Job, thumbnail
from scribble_studio.controllers.sketch_files import pil_to_qimage
from scribble_studio.domain.errors import InvalidInput, StudioError, UnreadableImage
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.history import Entry, HistoryStore, State

PAGE: Final = 40
CACHE: Final = 600


@dataclasses.dataclass(eq=False)
class GalleryItem:
    entry: Entry
    thumbnails: list[QImage | None] = dataclasses.field(default_factory=list)  # None: missing
    loaded: bool = False


def _decode_file(store: HistoryStore, digest: str) -> QImage:
    from PIL import Image

    data = store.read_file(digest)
    if data is None:
        raise UnreadableImage("This image's file is missing from the data folder.")
    with Image.open(io.BytesIO(data)) as image:
        return pil_to_qimage(image.convert("RGB"))


class GalleryModel(QObject):
    reset = Signal(list)                      # a new first page of GalleryItems
    appended = Signal(list)                   # the next page
    added = Signal(object)                    # a new result, at the top
    changed = Signal(object)                  # thumbnails loaded or star toggled
    removed = Signal(object)
    image_ready = Signal(object, int, QImage)  # item, index, the full image (to view)
    copy_ready = Signal(QImage)
    saved = Signal(Path)
    failed = Signal(object)

    def __init__(self, store: HistoryStore, runner: BackgroundRunner, document: CanvasDocument,
                 session: GenerationSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store, self.runner, self.document = store, runner, document
        self.items: list[GalleryItem] = []
        self.search = ""
        self.total = 0
        self._cache: OrderedDict[str, QImage] = OrderedDict()
        self._generation = 0
        session.job_changed.connect(self._on_session_job_changed)

    def _fail(self, error: StudioError) -> None:
        self.failed.emit(error)

    # -- pages ----------------------------------------------------------------------------

    def load(self, search: str = "") -> None:
        """The first page (newest first), for ``search`` in the prompt."""
        self.search = search
        self._generation += 1
        generation = self._generation

        def work() -> tuple[list[Entry], int]:
            states = (State.DONE,)
            return self.store.page(0, PAGE, search, states), self.store.count(search, states)

        def done(result: tuple[list[Entry], int]) -> None:
            if generation != self._generation:
                return  # a newer search won
            entries, self.total = result
            self.items = [GalleryItem(e) for e in entries]
            self.reset.emit(list(self.items))
            self._load_thumbnails(self.items)

        self.runner.run(work, done, self._fail)

    @property
    def has_more(self) -> bool:
        return len(self.items) < self.total

    def load_more(self) -> None:
        offset, search, generation = len(self.items), self.search, self._generation

        def done(entries: list[Entry]) -> None:
            if generation != self._generation:
                return
            known = {item.entry.id for item in self.items}
            new = [GalleryItem(e) for e in entries if e.id not in known]
            self.items.extend(new)
            self.appended.emit(new)
            self._load_thumbnails(new)

        self.runner.run(lambda: self.store.page(offset, PAGE, search, (State.DONE,)), done,
                        self._fail)

    def _load_thumbnails(self, items: list[GalleryItem]) -> None:
        cache = dict(self._cache)

        def work() -> list[list[tuple[str, QImage | None]]]:
            result = []
            for item in items:
                thumbs: list[tuple[str, QImage | None]] = []
                for image in item.entry.images:
                    cached = cache.get(image.sha256)
                    if cached is None:
                        data = self.store.read_file(image.sha256)
                        cached = thumbnail(data) if data is not None else None
                    thumbs.append((image.sha256, cached))
                result.append(thumbs)
            return result

        def done(result: list[list[tuple[str, QImage | None]]]) -> None:
            for item, thumbs in zip(items, result, strict=True):
                item.thumbnails = [image for _, image in thumbs]
                item.loaded = True
                for digest, image in thumbs:
                    if image is not None:
                        self._remember(digest, image)
                self.changed.emit(item)

        self.runner.run(work, done, self._fail)

    def _remember(self, digest: str, image: QImage) -> None:
        self._cache[digest] = image
        self._cache.move_to_end(digest)
        while len(self._cache) > CACHE:
            self._cache.popitem(last=False)

    def _on_session_job_changed(self, job: Job) -> None:
        if job.state is not JobState.DONE or job.entry is None \
                or (job.entry.live and not job.entry.kept):  # (a live result, collected)
            return
        if self.search and self.search.lower() not in job.params.prompt.lower():
            return
        item = GalleryItem(job.entry, list(job.thumbnails), loaded=True)
        for image, thumb in zip(job.entry.images, job.thumbnails, strict=False):
            self._remember(image.sha256, thumb)
        self.items.insert(0, item)
        self.total += 1
        self.added.emit(item)

    def add_kept(self, entry: Entry, thumbnails: list[QImage]) -> None:
        """A live result the user kept: at the top, like a new result."""
        if any(item.entry.id == entry.id for item in self.items):
            return
        item = GalleryItem(entry, list(thumbnails), loaded=bool(thumbnails))
        self.items.insert(0, item)
        self.total += 1
        self.added.emit(item)
        if not thumbnails:
            self._load_thumbnails([item])

    # -- actions --------------------------------------------------------------------------

    def load_full(self, item: GalleryItem, index: int) -> None:
        digest = item.entry.images[index].sha256
        self.runner.run(lambda: _decode_file(self.store, digest),
                        lambda image: self.image_ready.emit(item, index, image), self._fail)

    def copy_image(self, item: GalleryItem, index: int) -> None:
        digest = item.entry.images[index].sha256
        self.runner.run(lambda: _decode_file(self.store, digest), self.copy_ready.emit,
                        self._fail)

    def use_as_reference(self, item: GalleryItem, index: int) -> None:
        digest = item.entry.images[index].sha256
        self.runner.run(lambda: _decode_file(self.store, digest), self.document.set_reference,
                        self._fail)

    def save_as(self, item: GalleryItem, index: int, target: Path) -> None:
        """Copy the stored PNG (it already carries its parameters) to ``target``."""
        source = self.store.image_path(item.entry.images[index].sha256)
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

    def star(self, item: GalleryItem, starred: bool) -> None:
        item.entry = dataclasses.replace(item.entry, starred=starred)
        self.changed.emit(item)
        self.runner.run(lambda: self.store.star(item.entry.id, starred), lambda _: None,
                        self._fail)

    def delete(self, item: GalleryItem) -> None:
        """Forget the generation; files nothing else uses are removed."""
        if item in self.items:
            self.items.remove(item)
            self.total -= 1
        self.removed.emit(item)
        self.runner.run(lambda: self.store.delete(item.entry.id), lambda _: None, self._fail)
