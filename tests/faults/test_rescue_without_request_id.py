"""Review (money safety, 3): a paid result without a request id (v1 answers may lack
x-request-id) that the history cannot store was rescued, but the job was left
"submitting": once the process was gone it became "unknown" ("it may have reached
Segmind") and, not found in the request history, could be sent again: paid twice for
images already rescued. Now it is recorded as paid and done, from its rescued files."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scribble_studio.domain.errors import NotSendable, ResultNotStored
from scribble_studio.domain.job_state import RESEND_ON_REQUEST, JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.ledger import Ledger
from scribble_studio.services.outbox import Outbox
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch
from tests.faults.conftest import fill, mount_small_disk, unmount

SCRIBBLE = export_scribble(drawn_sketch((64, 64)))


def test_a_rescued_result_without_request_id_is_never_offered_for_sending_again(
        tmp_path: Path) -> None:
    images = mount_small_disk(tmp_path / "history" / "images")
    try:
        store = HistoryStore(tmp_path / "history")
        box = Outbox(store, keep_in=(tmp_path / "rescued",))
        backend = ScriptedBackend(api="v1")
        backend.script(Step.done())            # a v1 answer with no x-request-id: billed
        errors: list[Exception] = []

        async def send() -> int:
            gen_id = await box.record(GenerationParams("a fox", seed=5), SCRIBBLE, "cli")
            fill(images)
            try:
                await box.send(backend, gen_id)  # type: ignore[arg-type]
            except ResultNotStored as exc:
                errors.append(exc)
            return gen_id

        gen_id = asyncio.run(send())
        assert errors and list((tmp_path / "rescued").glob("*.png"))   # rescued
        print("message:", errors[0])
        after_send = store.get(gen_id)
        box.lock.release()                      # the CLI exits
        later = Outbox(store)                   # the next `outbox send` / app start
        later.recover()
        entry = store.get(gen_id)
        assert entry is not None and after_send is not None
        print("state after send:", after_send.state, "| after the process:", entry.state,
              "|", entry.error, "| saved_to", entry.saved_to)

        async def look_up() -> None:
            with pytest.raises(NotSendable, match="nothing to collect"):
                await later.collect(backend, gen_id)  # type: ignore[arg-type]

        asyncio.run(look_up())
        entry = store.get(gen_id)
        assert entry is not None
        print("after the look-up:", entry.state, "|", entry.error)
        later.lock.release()
        assert entry.state not in RESEND_ON_REQUEST, \
            f"a billed, rescued job is {entry.state}: 'send it again' would pay twice"
        assert entry.state is JobState.DONE and entry.saved_to
        assert "paid" in str(errors[0]) and str(tmp_path / "rescued") in str(errors[0])
        row = Ledger(store).row(gen_id)
        assert row is not None and row.cost is not None and row.cost > 0   # in the ledger
    finally:
        unmount(images)
