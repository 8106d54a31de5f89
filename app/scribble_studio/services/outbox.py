"""The one writer of job states: record, claim, submit, collect, settle. Shared by the
CLI and the app so both keep the same promises: nothing sent twice by itself, nothing
that was paid for dropped, a job another process works on never taken for one in doubt.

Every step is committed before the next network step: ``submitting`` before the request
goes out, ``submitted`` with the request id before anything waits for the result. A job
with a request id is collected (polls and downloads are free), never submitted again; a
job whose submit had no answer is looked up in the provider's request history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from scribble_studio.domain.errors import (
    JobFailed,
    Offline,
    RateLimited,
    ResultNotStored,
    StillRunning,
    StudioError,
    SubmitInDoubt,
)
from scribble_studio.domain.errors import (
    NotSendable as NotSendable,  # (re-exported: callers import it here)
)
from scribble_studio.domain.job_state import RESEND_ON_REQUEST, SAFE_TO_SEND, JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble_spec import ScribbleExport
from scribble_studio.services.history import Entry, HistoryStore
from scribble_studio.services.job_locks import SenderLock, send_gate
from scribble_studio.services.ledger import Ledger
from scribble_studio.services.outbox_events import StoringEvents, refused_unbilled

if TYPE_CHECKING:  # the app records jobs before it has (or loads) the HTTP stack or Pillow
    from scribble_studio.domain.results import GenerationResult
    from scribble_studio.services.backends import Backend, JobEvents, Ticket
    from scribble_studio.services.budget import Budget

log = logging.getLogger(__name__)
COLLECTABLE = frozenset({JobState.SUBMITTED, JobState.SUBMITTING, JobState.UNKNOWN})


class NotInHistory(SubmitInDoubt):
    """The request history answered, and does not know the job (yet): the only case in
    which the user may choose to send a job in doubt again."""


def _as_of(when: float) -> str:
    return time.strftime("%H:%M", time.localtime(when))


class Outbox:
    """Jobs of one history, sent and collected by this process under its sender lock."""

    def __init__(self, store: HistoryStore, lock: SenderLock | None = None,
                 budget: Budget | None = None, keep_in: Sequence[Path] = ()) -> None:
        self.store = store
        # Where a paid result goes when the history cannot store it, after the history's
        # own images folder, in order (the CLI's --out, then the rescue folder).
        self.keep_in = tuple(keep_in)
        self.lock = lock or SenderLock(store.folder)
        # The budget every send is checked against (None: no budget, as in older callers).
        self.budget = budget
        self.ledger = Ledger(store)

    # -- what a crash left (no network; call on a worker) ---------------------------------

    def recover(self) -> list[Entry]:
        """Settle the jobs whose process is gone: returns them (``submitted`` ones are to
        collect, ``unknown`` ones to look up). Live jobs that were not sent are cancelled
        first: they are never sent later."""
        self.store.cancel_stale_live(self.lock.alive)
        return self.store.settle_orphans(self.lock.alive)

    def pending(self) -> list[tuple[Entry, bool]]:
        """Every unfinished job, with whether another living process works on it."""
        self.recover()
        return [(e, e.owner is not None and e.owner != self.lock.name
                 and self.lock.alive(e.owner)) for e in self.store.outbox()]

    # -- steps ------------------------------------------------------------------------------

    async def record(self, params: GenerationParams, scribble: ScribbleExport, source: str,
                     state: JobState = JobState.QUEUED, live: bool = False) -> int:
        """Store a job before anything is sent. A ``live`` one is sent at once or
        cancelled: it never waits in the outbox."""
        owner = self.lock.hold()
        return await asyncio.to_thread(self.store.record, params, scribble.png,
                                       (scribble.width, scribble.height), state, source, owner,
                                       live)

    async def cancel_unsent(self, gen_id: int, why: str = "Cancelled.") -> bool:
        """Cancel a job that never left (queued or waiting); False if it already had."""
        return await asyncio.to_thread(self.store.set_state, gen_id, JobState.CANCELLED, why,
                                       (JobState.QUEUED, JobState.WAITING))

    async def discard(self, gen_id: int) -> bool:
        """The user's "Discard" of a job in the outbox or in doubt."""
        return await asyncio.to_thread(
            self.store.set_state, gen_id, JobState.CANCELLED, "Discarded.",
            (JobState.WAITING, JobState.UNKNOWN, JobState.FAILED))

    async def send(self, backend: Backend, gen_id: int, force: bool = False,
                   events: JobEvents | None = None,
                   over_budget: bool = False) -> GenerationResult:
        """Submit stored job ``gen_id`` and collect its images. Only a job never sent is
        sent without ``force`` (the user's word for one unknown, failed or cancelled).
        A job whose estimate would pass the budget is not sent (:class:`OverBudget`; it
        stays as it was) unless ``over_budget``, the user's word for this one."""
        owner = self.lock.hold()
        entry = await asyncio.to_thread(self.store.get, gen_id)
        if entry is None:
            raise NotSendable(f"Item {gen_id} does not exist.")
        if entry.owner not in (None, owner) and self.lock.alive(entry.owner):
            raise NotSendable(f"Item {gen_id} is being sent by another Scribble Studio "
                              "process; it was not sent again.", "Wait for it to finish.")
        allowed = SAFE_TO_SEND | (RESEND_ON_REQUEST if force else frozenset())
        # A job that did not leave waits to be sent later; a live one is cancelled (stale).
        unsent = JobState.CANCELLED if entry.live else JobState.WAITING
        if not await self._claim(entry, owner, allowed, over_budget, unsent):
            state = await asyncio.to_thread(self.store.get, gen_id)
            raise NotSendable(f"Item {gen_id} is {state.state if state else 'missing'}; "
                              "it was not sent again.")
        from scribble_studio.services.backends import JobRequest

        try:  # nothing has left yet: whatever stops us here, the job goes back to waiting
            await asyncio.to_thread(self._note_balance_before, gen_id, backend)
            scribble = await asyncio.to_thread(self._scribble_of, entry)
            expected = await asyncio.to_thread(self.store.usual_seconds, "v2",
                                               entry.params.model)
        except NotSendable:
            raise  # (the scribble is missing or damaged: already failed, with the reason)
        except BaseException:
            with contextlib.suppress(Exception):
                await self._release(gen_id, unsent, "It was not sent.")
            raise
        sink = StoringEvents(self.store, gen_id, events)
        started = time.monotonic()
        try:
            result = await backend.run(JobRequest(entry.params, scribble, expected), sink)
        except (Offline, RateLimited) as exc:
            if sink.ticket is not None and not refused_unbilled(exc, sink.ticket):
                await self._after_failure(gen_id, exc, sink.ticket)  # the server has it:
                raise                                                # never "waiting" again
            await self._release(gen_id, unsent, exc.message)  # nothing exists, or refused
            raise
        except SubmitInDoubt as exc:
            if sink.ticket is None:
                return await self._reconcile(backend, entry, exc, events, started)
            await self._after_failure(gen_id, exc, sink.ticket)
            raise
        except asyncio.CancelledError:
            # Quitting: what was submitted stays so (collected at the next start); a
            # submit in flight is settled as in doubt once this process is gone.
            raise
        except StudioError as exc:
            refused = refused_unbilled(exc, sink.ticket)
            if refused and entry.live:  # a live job is sent at once or never
                await self._release(gen_id, JobState.CANCELLED, exc.message)
                raise
            # A refused job is failed, not kept "at the server" for its id: never billed.
            await self._after_failure(gen_id, exc, None if refused else sink.ticket)
            await self._settle_failure(backend, gen_id)
            raise
        except Exception:  # a bug or a broken database: never leave it "submitting"
            await self._settle_after_bug(gen_id, sink.ticket)
            raise
        return await self._store_result(gen_id, result, started, sink.ticket)

    async def collect(self, backend: Backend, gen_id: int,
                      events: JobEvents | None = None) -> GenerationResult:
        """Collect a job the server may have: with a request id, by polling; without one
        (unknown), by looking it up in the request history first. Never a submit."""
        owner = self.lock.hold()
        entry = await asyncio.to_thread(self.store.get, gen_id)
        if entry is None or entry.state not in COLLECTABLE:
            raise NotSendable(f"Item {gen_id} has nothing to collect.")
        if entry.owner not in (None, owner) and self.lock.alive(entry.owner):
            raise NotSendable(f"Item {gen_id} is being collected by another Scribble Studio "
                              "process.", "Wait for it to finish.")
        if not await asyncio.to_thread(self.store.adopt, gen_id, owner, entry.owner,
                                       COLLECTABLE):
            raise NotSendable(f"Item {gen_id} was taken by another process.")
        started = time.monotonic()
        if entry.state is not JobState.SUBMITTED or not entry.request_id:
            return await self._reconcile(backend, entry, None, events, started)
        from scribble_studio.services.backends import Ticket

        ticket = Ticket(entry.api or "v2", entry.request_id)
        return await self._resume(backend, entry, ticket, events, started)

    # -- the parts ----------------------------------------------------------------------------

    async def _reconcile(self, backend: Backend, entry: Entry, cause: SubmitInDoubt | None,
                         events: JobEvents | None, started: float) -> GenerationResult:
        """A submit without an answer: the request history says whether the job exists."""
        from scribble_studio.services.backends import Lookup, LostJob

        taken = await asyncio.to_thread(self.store.request_ids, entry.id)
        lost = LostJob(entry.params, entry.sent_at or entry.created, None,
                       entry.api or backend.api, taken)
        try:
            found = await backend.find(lost)
        except StudioError as exc:
            note = f"{cause.message + ' ' if cause else ''}The request history could not " \
                   f"be read ({exc.message.rstrip('.')}); it is looked up again later."
            await self._release(entry.id, JobState.UNKNOWN, note)
            raise SubmitInDoubt(note) from None
        if found.ambiguous:
            note = (f"{found.ambiguous} requests in Segmind's request history match it "
                    f"(as of {_as_of(found.checked_at)}), so none was taken for it.")
            note = f"{cause.message} {note}" if cause else note
            await self._release(entry.id, JobState.UNKNOWN, note)
            raise SubmitInDoubt(note, "Check your Segmind history before sending it again.")
        if found.failed is not None:
            message = f"Segmind could not generate the image: {found.failed.rstrip('.')}."
            await self._release(entry.id, JobState.FAILED, message)
            raise JobFailed(message)
        if found.ticket is not None and await asyncio.to_thread(
                self._taken_by_another, found.ticket.request_id, entry.id):
            # The history matches by prompt and seed, which a retry (or the CLI with
            # --seed) repeats: a request another job already has is not this one's.
            found = Lookup(None, checked_at=found.checked_at)
        if found.ticket is None:
            note = f"Not in Segmind's request history as of {_as_of(found.checked_at)}."
            await self._release(entry.id, JobState.UNKNOWN,
                                f"{cause.message} {note}" if cause else note)
            raise NotInHistory(f"{cause.message} {note}" if cause else note,
                               "It is looked up again later; send it again only if you are "
                               "sure it was not billed.")
        await asyncio.to_thread(self.store.mark_submitted, entry.id, found.ticket.request_id,
                                found.ticket.api)
        return await self._resume(backend, entry, found.ticket, events, started)

    async def _resume(self, backend: Backend, entry: Entry, ticket: Ticket,
                      events: JobEvents | None, started: float) -> GenerationResult:
        sink = StoringEvents(self.store, entry.id, events)
        try:
            result = await backend.resume(ticket, entry.params, sink)
        except StudioError as exc:
            await self._after_failure(entry.id, exc, ticket)
            await self._settle_failure(backend, entry.id)
            raise
        except Exception:
            await self._settle_after_bug(entry.id, ticket)
            raise
        return await self._store_result(entry.id, result, started, ticket)

    async def _after_failure(self, gen_id: int, exc: StudioError,
                             ticket: Ticket | None) -> None:
        if isinstance(exc, JobFailed) or ticket is None:
            await self._release(gen_id, JobState.FAILED, exc.message)
        else:  # the server has it: it stays to be collected, by any process, later
            note = exc.message if isinstance(exc, StillRunning) else \
                f"{exc.message} It is collected later."
            await self._keep_at_server(gen_id, ticket, note)

    async def _keep_at_server(self, gen_id: int, ticket: Ticket, note: str) -> None:
        def keep() -> None:
            self.store.mark_submitted(gen_id, ticket.request_id, ticket.api)
            self.store.release(gen_id, JobState.SUBMITTED, note)
        await asyncio.shield(asyncio.to_thread(keep))

    async def _settle_after_bug(self, gen_id: int, ticket: Ticket | None) -> None:
        """Best effort after an unexpected error: a job with a request id stays to be
        collected; one without is in doubt (looked up later), never left "submitting"."""
        try:
            if ticket is not None:
                await self._keep_at_server(gen_id, ticket, "Collected later.")
            else:
                await self._release(gen_id, JobState.UNKNOWN,
                                    "The job stopped unexpectedly while it was being sent.")
        except Exception:  # the database itself is the problem: the next start settles it
            log.exception("could not settle job %d", gen_id)

    async def _store_result(self, gen_id: int, result: GenerationResult, started: float,
                            ticket: Ticket | None = None) -> GenerationResult:
        from scribble_studio.services.result_files import result_png

        extra = {"request_id": result.request_id, "credits_after": result.credits,
                 "history_id": gen_id, "api": result.api, "cost": result.cost}
        pngs = await asyncio.to_thread(
            lambda: [(result_png(image, result, extra), image.width, image.height)
                     for image in result.images])
        try:
            await asyncio.shield(asyncio.to_thread(self.store.finish, gen_id, pngs, result,
                                                   time.monotonic() - started))
        except Exception as exc:  # a full disk, a lock, any failed write: the images are paid
            log.warning("storing the result of job %d failed", gen_id, exc_info=True)
            raise await asyncio.shield(self._keep_elsewhere(
                gen_id, [data for data, _, _ in pngs], result, exc, ticket)) from None
        await asyncio.shield(asyncio.to_thread(self.ledger.settle, gen_id, result.cost,
                                               result.credits))
        return result

    async def _keep_elsewhere(self, gen_id: int, pngs: list[bytes], result: GenerationResult,
                              cause: Exception, ticket: Ticket | None) -> ResultNotStored:
        """The history could not store a paid result: each image goes to the first place
        that takes it (the history's images folder, then ``keep_in``), the job notes where
        (if the database can be written) and stays at the server, to be collected and
        stored once there is room. Returns the error that says what was kept where."""
        from scribble_studio.services import rescue

        kept, noted = await asyncio.to_thread(rescue.keep_result, self.store, gen_id, pngs,
                                              result.params.seed, self.keep_in,
                                              result.request_id)
        # Without a request id the job cannot be collected again: where the database can
        # be written, it is recorded as billed and done from its rescued files, so it is
        # never taken for one in doubt (and never offered for sending again).
        settled = ticket is None and noted and await self._settle_rescued(gen_id, result)
        message = rescue.kept_message(kept, rescue.why_not_stored(self.store, cause, pngs),
                                      ticket is not None, settled)
        if ticket is not None:
            try:
                await self._keep_at_server(gen_id, ticket, message)
            except Exception:  # the database cannot be written: it stays as it is (the
                # request id was stored when it came), and is collected again later
                log.warning("could not keep job %d at the server", gen_id, exc_info=True)
        return ResultNotStored(message, tuple(str(p) for p in kept if p is not None))

    async def _settle_rescued(self, gen_id: int, result: GenerationResult) -> bool:
        """A paid result kept outside the history, with no request id: done (its images
        are where ``saved_to`` says) and settled in the ledger. False if it cannot be."""
        def settle() -> None:
            self.store.release(gen_id, JobState.DONE, "Paid; its images were kept outside "
                               "the history (see saved to).")
            self.ledger.settle(gen_id, result.cost, result.credits)
        try:
            await asyncio.shield(asyncio.to_thread(settle))
        except Exception:
            log.warning("could not settle rescued job %d", gen_id, exc_info=True)
            return False
        return True

    # -- money -------------------------------------------------------------------------

    async def _claim(self, entry: Entry, owner: str, allowed: frozenset[JobState],
                     over_budget: bool, unsent: JobState) -> bool:
        """The claim, on a worker. A quit meanwhile does not stop its thread: a job claimed
        then never left, so it goes back (``unsent``), not "submitting" (in doubt) later."""
        claiming = asyncio.ensure_future(asyncio.to_thread(
            self._check_and_claim, entry, owner, allowed, over_budget))
        try:
            return await asyncio.shield(claiming)
        except asyncio.CancelledError:
            while not claiming.done():
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait([claiming])
            if not claiming.cancelled() and not claiming.exception() and claiming.result():
                await self._release(entry.id, unsent, "It was not sent.")
            raise

    def _check_and_claim(self, entry: Entry, owner: str, allowed: frozenset[JobState],
                         over_budget: bool) -> bool:
        """The budget check (as it goes out, not when it was queued; jobs in flight
        count) and the claim, under the history's send gate: no other sender, thread or
        process, checks between them. Raises OverBudget (the job stays as it was)."""
        with send_gate(self.store.folder):
            if self.budget is not None:
                self.budget.check(entry.params, override=over_budget, job=entry.id)
            return self.store.claim(entry.id, owner, allowed, entry.owner)

    def _note_balance_before(self, gen_id: int, backend: Backend) -> None:
        """The balance as the job goes out: the backend's last word, or the history's."""
        before = backend.last_credits
        self.ledger.note_balance_before(gen_id, before if before is not None
                                        else self.ledger.last_balance())

    async def _settle_failure(self, backend: Backend, gen_id: int) -> None:
        """A job that failed at the server: was it billed anyway? The balance now (a free
        call) against the balance before says. Nothing more is asked of a job that never
        left, or when no balance before is known."""
        entry = await asyncio.to_thread(self.store.get, gen_id)
        if entry is None or entry.state is not JobState.FAILED or entry.request_id is None:
            return
        row = await asyncio.to_thread(self.store.read, "SELECT credits_before FROM "
                                      "generations WHERE id=?", (gen_id,))
        if not row or row[0][0] is None:
            return
        try:
            balance: float | None = (await backend.credits()).credits
        except StudioError:
            balance = None
        await asyncio.shield(asyncio.to_thread(self.ledger.settle, gen_id, None, balance,
                                               True))

    async def _release(self, gen_id: int, state: JobState, error: str | None) -> None:
        await asyncio.shield(asyncio.to_thread(self.store.release, gen_id, state, error))

    def _taken_by_another(self, request_id: str, gen_id: int) -> bool:
        owner = self.store.request_owner(request_id)
        return owner is not None and owner != gen_id

    def _scribble_of(self, entry: Entry) -> ScribbleExport:
        """The exact scribble recorded for the job, checked against its SHA-256 (a file
        damaged on disk is not sent and paid for)."""
        from scribble_studio.services.history import sha256

        data = self.store.read_file(entry.scribble)
        problem = "missing" if data is None else \
            "damaged" if sha256(data) != entry.scribble else None
        if problem is not None or data is None:
            self.store.release(entry.id, JobState.FAILED,
                               f"The stored scribble file is {problem}.")
            raise NotSendable(f"Item {entry.id}'s scribble file is {problem}; it was not sent.",
                              "Open its draft or redraw it and generate again.")
        return ScribbleExport(data, entry.width, entry.height, True)
