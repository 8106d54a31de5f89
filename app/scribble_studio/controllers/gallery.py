"""The gallery's model: the history's finished generations, a page at a time, with
thumbnails made lazily off the GUI thread and kept in a small cache; and what can be
done with a result (view, save, copy, reuse, use as reference, star, delete).

What it shows is one of :class:`Show`: the results, the starred ones, the jobs that
failed, were cancelled or whose outcome is unknown (of any session, with Retry, Discard
and Look up), or the trash ("Recently deleted"). A delete goes to the trash and can be
undone, exactly, while the app runs; only emptying the trash removes files."""

from __future__ import annotations

import dataclasses
import enum
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Final

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.gallery_changes import FollowsHistory
from scribble_studio.controllers.gallery_lineage import LineageActions, decode_file
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.domain.errors import InvalidInput, StudioError
from scribble_studio.services.history import (
    Entry,
    HistoryStore,
    State,
    TrashItem,
)

if TYPE_CHECKING:
    pass

PAGE: Final = 40


class Show(enum.Enum):
    RESULTS = "Results"
    STARRED = "Starred"
    STOPPED = "Failed & unknown"
    TRASH = "Recently deleted"


# The jobs "Failed & unknown" lists.
STOPPED: Final = (State.FAILED, State.CANCELLED, State.UNKNOWN)


@dataclasses.dataclass(eq=False)
class GalleryItem:
    entry: Entry
    thumbnails: list[QImage | None] = dataclasses.field(default_factory=list)  # None: missing
    loaded: bool = False
    trash: TrashItem | None = None   # in the "Recently deleted" view: when, and how much
    retry_cost: str = ""             # in the "Failed & unknown" view: a Retry's estimate


@dataclasses.dataclass(frozen=True)
class Deletion:
    """One delete, to undo exactly: images at ``positions``, or (``()``) a whole
    generation."""

    gen_id: int
    positions: tuple[int, ...]


class GalleryModel(FollowsHistory, LineageActions, QObject):
    reset = Signal(list)                      # a new first page of GalleryItems
    appended = Signal(list)                   # the next page
    added = Signal(object)                    # a new result, at the top
    changed = Signal(object)                  # thumbnails loaded or star toggled
    removed = Signal(object)
    image_ready = Signal(object, int, QImage)  # item, index, the full image (to view)
    copy_ready = Signal(QImage)
    overlay_ready = Signal(object, int, QImage)  # item, index, the scribble's ink layer
    pair_ready = Signal(object, object)        # two (item, index, QImage) to compare
    sketch_restored = Signal(object)           # the item whose scribble is on the canvas
    variations_queued = Signal(object, list)   # the item, the jobs of "more like this"
    saved = Signal(Path)
    deleted = Signal(str)                     # "Deleted 1 image": a delete that can be undone
    notice = Signal(str)                      # restored, emptied: nothing more to do
    _history_changed = Signal(object)         # from the writing thread, queued to this one

    def __init__(self, store: HistoryStore, runner: BackgroundRunner, document: CanvasDocument,
                 session: GenerationSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store, self.runner, self.document = store, runner, document
        self.notices = session.notices  # its errors go where the session's do
        self.items: list[GalleryItem] = []
        self.search = ""
        self.show = Show.RESULTS
        self.session = session
        self.undo_stack: list[Deletion] = []
        self.total = 0
        self._generation = 0
        # The history says what changed (new results included): it is the source.
        self._history_changed.connect(self._on_history_changed)
        unsubscribe = store.subscribe(self._history_changed.emit)
        self.destroyed.connect(lambda: unsubscribe())

    def _fail(self, error: StudioError) -> None:
        self.notices.report(error)

    # -- pages ----------------------------------------------------------------------------

    def load(self, search: str | None = None, show: Show | None = None) -> None:
        """The first page (newest first), for ``search`` in the prompt (or the seed), of
        what ``show`` says (both: as before, if not given)."""
        self.search = search if search is not None else self.search
        self.show = show or self.show
        self._generation += 1
        generation, search, show = self._generation, self.search, self.show

        def work() -> tuple[list[GalleryItem], int]:
            return self._page(show, search, 0)

        def done(result: tuple[list[GalleryItem], int]) -> None:
            if generation != self._generation:
                return  # a newer search won
            self.items, self.total = result
            self.reset.emit(list(self.items))
            self._load_thumbnails(self.items)

        self.runner.run(work, done, self._fail)

    def _page(self, show: Show, search: str, offset: int) -> tuple[list[GalleryItem], int]:
        """One page of ``show`` and how many there are in all (on a worker)."""
        if show is Show.TRASH:  # (30 days of deletes: one list, searched here)
            trash = [t for t in self.store.trash() if self.store.matches(t.entry.params, search)]
            return [GalleryItem(t.entry, trash=t) for t in trash[offset:offset + PAGE]], \
                len(trash)
        states = STOPPED if show is Show.STOPPED else (State.DONE,)
        starred = show is Show.STARRED
        items = [GalleryItem(e) for e in self.store.page(offset, PAGE, search, states, starred)]
        if show is Show.STOPPED:
            for item in items:
                item.loaded = True  # (no images to load)
                item.retry_cost = self.session.budget.estimate(item.entry.params).text()
        return items, self.store.count(search, states, starred)

    @property
    def has_more(self) -> bool:
        return len(self.items) < self.total

    def load_more(self) -> None:
        offset, search, generation = len(self.items), self.search, self._generation
        show = self.show

        def done(result: tuple[list[GalleryItem], int]) -> None:
            if generation != self._generation:
                return
            known = {item.entry.id for item in self.items}
            new = [item for item in result[0] if item.entry.id not in known]
            self.items.extend(new)
            self.appended.emit(new)
            self._load_thumbnails(new)

        self.runner.run(lambda: self._page(show, search, offset), done, self._fail)

    def _item(self, entry: Entry) -> GalleryItem:
        return GalleryItem(entry)

    def _load_thumbnails(self, items: list[GalleryItem]) -> None:
        """The thumbnails of the trash's cards (a short list: kept on the items). The
        results' come from the list view's bounded cache instead."""
        if self.show is not Show.TRASH:
            return
        wanted = [(item, item.entry.images) for item in items]

        def work() -> list[list[QImage | None]]:
            result = []
            for _, images in wanted:
                thumbs: list[QImage | None] = []
                for image in images:
                    data = self.store.thumbnail(image.sha256)
                    decoded = QImage.fromData(data) if data is not None else None
                    thumbs.append(None if decoded is None or decoded.isNull() else decoded)
                result.append(thumbs)
            return result

        def done(result: list[list[QImage | None]]) -> None:
            for (item, _), thumbs in zip(wanted, result, strict=True):
                item.thumbnails = thumbs
                item.loaded = True
                self.changed.emit(item)

        self.runner.run(work, done, self._fail)

    # -- actions --------------------------------------------------------------------------

    def load_full(self, item: GalleryItem, index: int) -> None:
        digest = item.entry.images[index].sha256
        self.runner.run(lambda: decode_file(self.store, digest),
                        lambda image: self.image_ready.emit(item, index, image), self._fail)

    def copy_image(self, item: GalleryItem, index: int) -> None:
        digest = item.entry.images[index].sha256
        self.runner.run(lambda: decode_file(self.store, digest), self.copy_ready.emit,
                        self._fail)

    def use_as_reference(self, item: GalleryItem, index: int) -> None:
        digest = item.entry.images[index].sha256
        self.runner.run(lambda: decode_file(self.store, digest), self.document.set_reference,
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

    # -- the trash ------------------------------------------------------------------------

    def delete(self, item: GalleryItem) -> None:
        """Put the whole generation in the trash (Ctrl+Z or "Recently deleted" brings it
        back; its files stay until the trash is emptied)."""
        self._drop(item)
        count = len(item.entry.images)
        self.undo_stack.append(Deletion(item.entry.id, ()))
        self.deleted.emit(f"Deleted generation #{item.entry.id} ({count} image"
                          f"{'' if count == 1 else 's'})")
        gen_id = item.entry.id
        self.runner.run(lambda: self.store.trash_generation(gen_id), lambda _: None,
                        self._fail)

    def delete_image(self, item: GalleryItem, index: int) -> None:
        """Put one image in the trash; the rest of its generation stays."""
        images = list(item.entry.images)
        image = images.pop(index)
        if not images:
            self._drop(item)
        else:
            thumbs = list(item.thumbnails)
            if index < len(thumbs):
                del thumbs[index]
            item.entry, item.thumbnails = dataclasses.replace(item.entry,
                                                              images=tuple(images)), thumbs
            self.changed.emit(item)
        self.undo_stack.append(Deletion(item.entry.id, (image.position,)))
        self.deleted.emit("Deleted 1 image")
        gen_id = item.entry.id
        self.runner.run(lambda: self.store.trash_image(gen_id, image.position),
                        lambda _: None, self._fail)

    def _drop(self, item: GalleryItem) -> None:
        if item in self.items:
            self.items.remove(item)
            self.total -= 1
        self.removed.emit(item)

    @property
    def can_undo(self) -> bool:
        return bool(self.undo_stack)

    def undo_delete(self) -> bool:
        """Take the last delete back, exactly; False if there is none."""
        if not self.undo_stack:
            return False
        last = self.undo_stack.pop()
        self._restore(last.gen_id, last.positions, "Restored")
        return True

    def restore(self, item: GalleryItem) -> None:
        """Take everything of a generation out of the trash ("Recently deleted")."""
        self._restore(item.entry.id, None, "Restored")

    def _restore(self, gen_id: int, positions: tuple[int, ...] | None, word: str) -> None:
        def done(_: None) -> None:
            self.notice.emit(f"{word} #{gen_id}")
            if self._lists_results() is None:
                self.load()  # (Results and Starred follow the history's announcement)

        self.runner.run(lambda: self.store.restore(gen_id, positions), done, self._fail)

    def empty_trash(self) -> None:
        """Remove what is in the trash for good: the files no other result uses."""
        self.undo_stack.clear()  # nothing emptied can come back

        def done(removed: list[Path]) -> None:
            count = len(removed)
            self.notice.emit(f"Emptied the trash: {count} file{'' if count == 1 else 's'} "
                             "removed")
            self.load()

        self.runner.run(self.store.empty_trash, done, self._fail)

    def sweep(self) -> None:
        """Empty what has been in the trash 30 days (at start-up, on a worker)."""
        def done(removed: list[Path]) -> None:
            if removed and self.show is Show.TRASH:
                self.load()

        self.runner.run(self.store.sweep_trash, done, self._fail)

    # -- failed, cancelled, unknown ------------------------------------------------------

    def retry(self, item: GalleryItem) -> None:
        """Send a stopped job again as a new job: same scribble, same seed."""
        self.session.retry_stored(item.entry.id)
        self.notice.emit(f"#{item.entry.id} was sent again as a new job (see Jobs)")

    def discard(self, item: GalleryItem) -> None:
        """Drop a stopped job from the list (and from the outbox if it waits there); its
        row stays for the ledger."""
        job = self.session.job_of(item.entry.id)
        if job is not None:
            self.session.discard(job)
        self._drop(item)
        gen_id = item.entry.id

        def done(trashed: bool) -> None:
            if not trashed:  # found at Segmind meanwhile: it is collected, never trashed
                self.notice.emit(f"#{gen_id} was not discarded: it was found at Segmind, "
                                 "is paid for, and its images are collected into Results.")
                self.load()

        # Cancel and trash in one step, and only if the discard happened: the list may
        # show "unknown" for a job the request history has just found.
        self.runner.run(lambda: self.store.discard_generation(gen_id), done, self._fail)

    def look_up(self, item: GalleryItem) -> bool:
        """Look a job in doubt up in Segmind's request history (free); False when this
        session cannot (another process has it)."""
        job = self.session.job_of(item.entry.id)
        if job is None or job.elsewhere:
            return False
        self.session.look_up(job)
        self.notice.emit(f"Looking #{item.entry.id} up in Segmind's request history (see Jobs)")
        return True
