"""How the gallery follows the history: each change the history announces (a result
finished, starred, deleted, restored, kept) is read back through the history's own rule
of what a list shows (:meth:`HistoryStore.visible`: no search in Python), and the
gallery's items are updated in place: added where they belong in the order, changed, or
dropped. A mixin of :class:`~scribble_studio.controllers.gallery.GalleryModel`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scribble_studio.services.history import Entry, HistoryChange, HistoryStore, State

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance

    from scribble_studio.controllers.background import BackgroundRunner
    from scribble_studio.controllers.gallery import GalleryItem, Show
    from scribble_studio.domain.errors import StudioError


def _newer(a: Entry, b: Entry) -> bool:
    return (a.created, a.id) > (b.created, b.id)


class FollowsHistory:
    """The history-following part of the gallery model (on the GUI thread: the model's
    queued signal brings each change over from the writing thread)."""

    if TYPE_CHECKING:
        store: HistoryStore
        runner: BackgroundRunner
        items: list[GalleryItem]
        search: str
        show: Show
        total: int
        _generation: int
        added: SignalInstance
        changed: SignalInstance
        removed: SignalInstance

        def _fail(self, error: StudioError) -> None: ...
        def _drop(self, item: GalleryItem) -> None: ...
        def _item(self, entry: Entry) -> GalleryItem: ...
        @property
        def has_more(self) -> bool: ...

    def _lists_results(self) -> tuple[tuple[State, ...], bool] | None:
        """The states and starred filter of a view that follows the history (Results,
        Starred), or None (the other views load again when asked)."""
        name = self.show.name
        if name not in ("RESULTS", "STARRED"):
            return None
        return (State.DONE,), name == "STARRED"

    def _on_history_changed(self, change: HistoryChange) -> None:
        wanted = self._lists_results()
        if wanted is None:
            return
        if change.kind == "removed":
            for item in [i for i in self.items if i.entry.id in change.gen_ids]:
                self._drop(item)
            return
        generation, search = self._generation, self.search
        states, starred = wanted

        def done(entries: list[Entry]) -> None:
            if generation == self._generation:  # (a new page or search: it has them)
                self._apply(change.gen_ids, entries)

        self.runner.run(lambda: self.store.visible(change.gen_ids, search, states, starred),
                        done, self._fail)

    def _apply(self, gen_ids: tuple[int, ...], entries: list[Entry]) -> None:
        shown = {e.id: e for e in entries if not e.live or e.kept}
        for item in [i for i in self.items if i.entry.id in gen_ids]:
            entry = shown.pop(item.entry.id, None)
            if entry is None:
                self._drop(item)  # no longer what this view lists (unstarred, deleted)
            elif entry != item.entry:
                item.entry = entry
                self.changed.emit(item)
        for entry in sorted(shown.values(), key=lambda e: (e.created, e.id), reverse=True):
            self._insert(entry)

    def _insert(self, entry: Entry) -> None:
        """A generation new to this list, where the order puts it; one older than every
        item loaded is only counted (its page brings it)."""
        at = next((n for n, i in enumerate(self.items) if _newer(entry, i.entry)),
                  len(self.items))
        more = self.has_more
        self.total += 1
        if at == len(self.items) and more:
            return
        item = self._item(entry)
        self.items.insert(at, item)
        self.added.emit(item)
