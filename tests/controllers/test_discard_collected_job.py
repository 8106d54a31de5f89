"""Review (money safety, 2): "Discard" of a stopped job that meanwhile was found and is
being collected must not put the paid result in the trash (emptying the trash would then
delete the paid images); the user is told why it stays."""

from __future__ import annotations

import asyncio

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.gallery import GalleryModel, Show
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.services.history import State
from tests.asyncqt import run, until
from tests.conftest import png_bytes
from tests.controllers.conftest import params
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.sketches import drawn_sketch


def test_discarding_a_stale_unknown_item_never_trashes_a_job_being_collected(
        aloop: asyncio.AbstractEventLoop, session: GenerationSession,
        backend: ScriptedBackend) -> None:
    store = session.store
    gen = store.record(params(seed=7), png_bytes(drawn_sketch((64, 64))), (64, 64),
                       State.UNKNOWN, "app", None)
    gallery = GalleryModel(store, BackgroundRunner(), CanvasDocument(), session)
    notices: list[str] = []
    gallery.notice.connect(notices.append)

    async def scenario() -> None:
        gallery.load(show=Show.STOPPED)
        await until(lambda: [i.entry.id for i in gallery.items] == [gen], what="stopped list")
        item = gallery.items[0]
        assert item.entry.state is State.UNKNOWN
        # Meanwhile the request history answers (this session's look-up, or the CLI's
        # `outbox send`): the job is Segmind's, billed, and is collected.
        store.mark_submitted(gen, "req-found", "v2")
        gallery.discard(item)      # the user's click on the row still showing "unknown"
        await until(lambda: store.read("SELECT deleted_at FROM generations WHERE id=?",
                                       (gen,))[0][0] is not None
                    or store.get(gen).state is State.CANCELLED  # type: ignore[union-attr]
                    or bool(notices), what="the discard to land")
        await session.outbox.collect(backend, gen)

    run(aloop, scenario())
    entry = store.get(gen)
    assert entry is not None and entry.state is State.DONE   # paid for and collected
    files = [store.image_path(i.sha256) for i in entry.images]
    in_trash = [t.entry.id for t in store.trash()]
    store.empty_trash()
    print("state", entry.state, "in trash", in_trash, "files left",
          [f.exists() for f in files])
    assert gen not in in_trash, "a paid result collected after the discard is in the trash"
    assert files and all(f.exists() for f in files), "emptying the trash deleted paid images"
    assert any("not discarded" in n for n in notices), notices
