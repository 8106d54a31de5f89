"""Sending stored generations: claim, send, record the outcome. Shared by the CLI and
the app so both keep the same promise: nothing sent twice by itself, nothing dropped."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from scribble_studio.domain.errors import Offline, StudioError
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import GenerationResult
from scribble_studio.domain.scribble_spec import ScribbleExport
from scribble_studio.services.history import Entry, HistoryStore, State
from scribble_studio.services.result_files import result_png

if TYPE_CHECKING:  # the app records jobs before it has (or loads) the HTTP stack
    from scribble_studio.services.api_client import SegmindClient

# What may be sent without asking: never sent before. UNKNOWN and FAILED need force.
SAFE_TO_SEND = (State.WAITING, State.QUEUED)


class NotSendable(StudioError):
    exit_code = 2
    default_action = "Choose a waiting item, or say --resend-unknown for one in doubt."


async def record(store: HistoryStore, params: GenerationParams, scribble: ScribbleExport,
                 source: str, state: State = State.QUEUED) -> int:
    return await asyncio.to_thread(store.record, params, scribble.png,
                                   (scribble.width, scribble.height), state, source)


async def send(store: HistoryStore, client: SegmindClient, gen_id: int,
               force: bool = False) -> GenerationResult:
    """Send stored generation ``gen_id``. It is claimed (moved to ``sending``, committed)
    before the request goes out; only one sender can claim it. A connection that never
    opened puts it back to ``waiting``; any other failure leaves it ``failed``."""
    allowed = SAFE_TO_SEND + ((State.UNKNOWN, State.FAILED, State.CANCELLED) if force else ())
    claimed = await asyncio.to_thread(store.set_state, gen_id, State.SENDING, None, allowed)
    entry = await asyncio.to_thread(store.get, gen_id)
    if not claimed or entry is None:
        state = entry.state.value if entry is not None else "missing"
        raise NotSendable(f"Item {gen_id} is {state}; it was not sent again.")
    scribble = await asyncio.to_thread(_scribble_of, store, entry)
    started = time.monotonic()
    try:
        result = await client.generate(scribble, entry.params)
    except Offline as exc:
        await asyncio.to_thread(store.set_state, gen_id, State.WAITING, exc.message)
        raise
    except asyncio.CancelledError:
        await asyncio.shield(asyncio.to_thread(store.set_state, gen_id, State.CANCELLED,
                                               "Cancelled while sending."))
        raise
    except StudioError as exc:
        await asyncio.to_thread(store.set_state, gen_id, State.FAILED, exc.message)
        raise
    extra = {"request_id": result.request_id, "credits_after": result.credits,
             "history_id": gen_id}
    pngs = await asyncio.to_thread(
        lambda: [(result_png(image, result, extra), image.width, image.height)
                 for image in result.images])
    await asyncio.to_thread(store.finish, gen_id, pngs, result.credits, result.request_id,
                            time.monotonic() - started)
    return result


def _scribble_of(store: HistoryStore, entry: Entry) -> ScribbleExport:
    data = store.read_file(entry.scribble)
    if data is None:
        store.set_state(entry.id, State.FAILED, "The stored scribble file is missing.")
        raise NotSendable(f"Item {entry.id}'s scribble file is missing; it cannot be sent.")
    return ScribbleExport(data, entry.width, entry.height, True)
