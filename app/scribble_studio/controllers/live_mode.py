"""Live mode: while it is on, the drawing and the parameters are sent by themselves once
they have been still for a moment, one job at a time, with the seed held fixed, so only
the drawing changes the picture.

A state is the exact scribble bytes (their SHA-256) and the parameters: one identical to
the last one sent is not sent again. Edits while a job runs leave one follow-up, for
the latest state. Results are numbered as they are sent and one never replaces a newer
one on screen. Every live job goes through the session (recorded in the history before it
is sent, through the budget) and is sent at once or cancelled, never queued. Going
offline, losing the key, a limit, the budget, this mode's own cap or a pre-send check
pause it, with one line saying why and how to go on."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import random
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.live_state import (
    Export,
    LiveResult,
    LiveState,
    export_drawing,
    fingerprint_of,
    loop_running,
)
from scribble_studio.controllers.qt_images import thumbnail
from scribble_studio.controllers.session import Connection, GenerationSession
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    NetworkError,
    NotEnoughCredits,
    RateLimited,
    StudioError,
)
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import RANDOM_SEED_MAX, GenerationParams
from scribble_studio.services.budget import Estimate, OverBudget, money
from scribble_studio.services.history import AT_SEGMIND
from scribble_studio.services.settings_store import AppSettings

if TYPE_CHECKING:  # Pillow loads after the window shows
    from PIL import Image

__all__ = ["Checks", "LiveMode", "LiveResult", "LiveState"]
log = logging.getLogger(__name__)
DEBOUNCE_MS = 1000
RESUME = "Turn live mode on again (Ctrl+Shift+L)"
Checks = Callable[["Image.Image", GenerationParams], "str | None"]


class LiveMode(QObject):
    state_changed = Signal()            # on, off, paused; the session's count and cost
    sending = Signal(int)               # the number of a job being prepared and sent
    result_ready = Signal(object)       # a LiveResult newer than the one on screen
    failed = Signal(str)                # a job failed; live mode stays on
    kept = Signal(object)               # the history Entry of a result the user kept

    def __init__(self, session: GenerationSession, document: CanvasDocument,
                 params: Callable[[], GenerationParams],
                 settings: Callable[[], AppSettings], parent: QObject | None = None,
                 debounce_ms: int = DEBOUNCE_MS, checks: Checks | None = None) -> None:
        super().__init__(parent)
        self.session, self.document = session, document
        self._params, self._settings = params, settings
        self.checks = checks    # the pre-send checks (another part builds them)
        self.state = LiveState.OFF
        self.line = ""          # why it is paused, or what it waits for
        self.seed: int | None = None
        self.jobs = 0           # sent in this live session
        self.cost = 0.0         # dollars this live session cost
        self.shown: LiveResult | None = None
        self.last_edit = 0.0    # monotonic: the last edit that scheduled a send
        self.preview_side = 768  # pixels: the longer side images are shown at (the view's)
        self._rng = random.SystemRandom()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        # (a coarse timer may fire 5% late: 50 ms on a second, felt as lag)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()   # referenced until done
        self._sending_id: int | None = None   # from the outbox's send on: left to finish
        self._again = False     # edits while a job ran: one follow-up for the latest
        self._last_sent: str | None = None
        self._at_segmind: str | None = None   # a state whose job Segmind has (paid): kept
        # A state a pre-send check objected to, with its words; sent anyway once, past them.
        self._objected: tuple[str, str] | None = None
        self._send_anyway: tuple[str, str] | None = None  # (a new objection still stops it)
        self._session_no = 0    # which live session counts a job (one more at each on)
        self._number = 0
        # The drawing's version (one more at each stroke, undo, import) and its export,
        # started as the drawing changes: ready, or nearly, when the debounce ends.
        self._drawing = 0
        self._export: tuple[tuple[object, ...], asyncio.Future[Export]] | None = None
        self._estimate: tuple[str, asyncio.Future[Estimate]] | None = None
        document.content_changed.connect(self._on_document_content_changed)
        session.connection_changed.connect(self._on_session_connection_changed)

    # -- what the user does -----------------------------------------------------------------

    @property
    def on(self) -> bool:
        return self.state is LiveState.ON

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def set_on(self, on: bool) -> None:
        if on == self.on:
            return
        if not on:
            self._stop(LiveState.OFF, "")
            return
        self.state, self.line, self.jobs, self.cost = LiveState.ON, "", 0, 0.0
        seed = self._params().seed
        if isinstance(seed, int):
            self.seed = seed
        elif self.seed is None:
            self.seed = self._rng.randint(0, RANDOM_SEED_MAX)
        self._session_no += 1
        if self._last_sent != self._at_segmind:  # (one Segmind has is never sent twice)
            self._last_sent = None  # a new live session sends what is there now
        # On again after a check objected: the user's "send anyway", for that state only.
        self._send_anyway, self._objected = self._objected, None
        self.state_changed.emit()
        self.schedule()

    def set_debounce(self, ms: int) -> None:
        """How long things must be still before they are sent (tests make it short)."""
        self._timer.setInterval(ms)

    def toggle(self) -> None:
        self.set_on(not self.on)

    def new_seed(self) -> None:
        """Another seed for the next live images (the drawing stays)."""
        self.seed = self._rng.randint(0, RANDOM_SEED_MAX)
        self.state_changed.emit()
        self.schedule()

    def schedule(self) -> None:
        """An edit (stroke, undo, import, parameter): send once things are still."""
        if self.on:
            self.last_edit = time.monotonic()
            self._timer.start()
            if loop_running():  # (worked out ahead: an optimisation only)
                self._estimated(self.params())

    def _on_document_content_changed(self) -> None:
        self._drawing += 1
        if self.on and not self.document.stroking and loop_running():
            self._exported()
        self.schedule()

    def _exported(self) -> asyncio.Future[Export]:
        """The export of the drawing as it is now (started now, or earlier for it)."""
        settings = self._settings()
        key = (self._drawing, settings.invert, settings.encoding())
        floating = self.document.selection.is_floating  # (moved without an edit yet)
        if self._export is None or self._export[0] != key or floating:
            ink = self.document.composed_ink().copy()  # (cheap: the rest on a worker)
            future = asyncio.ensure_future(asyncio.to_thread(
                export_drawing, ink, settings.invert, settings.encoding()))
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._export = (key, future)
        return self._export[1]

    def _estimated(self, params: GenerationParams) -> asyncio.Future[Estimate]:
        """What a job of ``params`` would cost (worked out during the debounce)."""
        key = json.dumps(params.to_dict(), sort_keys=True)
        if self._estimate is None or self._estimate[0] != key or (self._estimate[1].done() \
                and self._estimate[1].exception() is not None):
            future = asyncio.ensure_future(asyncio.to_thread(self.session.budget.estimate,
                                                             params))
            future.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._estimate = (key, future)
        return self._estimate[1]

    def keep(self) -> None:
        """Keep the result on screen: it moves into the gallery like any result."""
        if self.shown is None:
            return
        gen_id = self.shown.history_id

        async def keep() -> None:
            try:
                await asyncio.to_thread(self.session.store.keep, gen_id)
                entry = await asyncio.to_thread(self.session.store.get, gen_id)
            except StudioError as exc:
                self.failed.emit(f"{exc.message} {exc.action}")
                return
            if entry is not None:
                self.kept.emit(entry)

        self._spawn(keep())

    def params(self) -> GenerationParams:
        """The panel's parameters with the live seed."""
        return dataclasses.replace(self._params(), seed=self.seed)

    # -- sending ----------------------------------------------------------------------------

    def _on_timer_timeout(self) -> None:
        if not self.on:
            return
        if self.document.stroking:  # (a pen held still is not a finished stroke)
            self._timer.start()
        elif self.busy:
            self._again = True
        else:
            self._send_latest()

    def _send_latest(self) -> None:
        params = self.params()
        spec = self.session.models.find(params.model)
        problems = params.validate(spec)
        waiting = "Write a prompt first." if "prompt" in problems else \
            "Draw something first." if not self.document.has_ink() else \
            f"The {next(iter(problems))} is not usable." if problems else ""
        if waiting:
            self._set_line(f"Live mode waits: {waiting}")
            return
        cap = self._settings().live_cap_jobs
        if self.jobs >= cap:
            self.pause(f"Live mode paused: it sent its {cap} jobs for this live session "
                       f"({money(self.cost)}). {RESUME} for another {cap}.")
            return
        self._number += 1
        self._task = self._spawn(self._cycle(self._number, self._exported(), params))
        self.sending.emit(self._number)

    async def _cycle(self, number: int, exported: asyncio.Future[Export],
                     params: GenerationParams) -> None:
        session, fingerprint = self._session_no, ""
        estimated: float | None = None   # (set once it goes out: what a billed job costs)
        try:
            prepared = await asyncio.shield(exported)  # (shared with a later cycle)
            fingerprint = fingerprint_of(prepared, params)
            if fingerprint == self._last_sent:
                self._set_line("Live mode waits: Segmind has this drawing's job; its result "
                               "is collected later." if fingerprint == self._at_segmind else "")
                return
            if self.checks is not None:  # (every time: "send anyway" is for what it saw)
                problem = await asyncio.to_thread(self.checks, prepared.sketch, params)
                if problem and self._send_anyway != (fingerprint, problem):
                    self.pause(f"Live mode paused: {problem} {RESUME} to send it anyway.")
                    self._objected = (fingerprint, problem)
                    return
            estimate = await asyncio.shield(self._estimated(params))
            cap = self._settings().live_cap_dollars
            if cap and self.cost + estimate.cost > cap + 1e-9:
                self.pause(f"Live mode paused: the next job ({estimate.text()[2:]}) would "
                           f"pass its {money(cap)} for this live session (spent "
                           f"{money(self.cost)}). {RESUME} to go on.")
                return
            self._last_sent, self._send_anyway, estimated = fingerprint, None, estimate.cost
            started = time.monotonic()
            gen_id, result = await self.session.send_live(
                prepared.scribble, params, lambda gen_id: self._on_sending(gen_id, session))
            self.cost += result.cost if result.cost is not None else estimate.cost
            self._estimate = None  # (a billed job refines the next estimate)
            # Decoded at the size the preview shows it (a JPEG decodes faster smaller).
            image = await asyncio.to_thread(thumbnail, result.images[0].data,
                                            self.preview_side) if result.images else QImage()
            self._show(LiveResult(number, gen_id, image, time.monotonic() - started,
                                  result.cost, params, len(result.images)))
        except asyncio.CancelledError:
            raise
        except StudioError as exc:
            state: JobState | None = JobState.UNKNOWN  # (history unreadable: counted, kept)
            with contextlib.suppress(StudioError):
                state = await self._job_state()
            if state in (None, JobState.CANCELLED):  # never left: it may go again
                self._last_sent = None
                if state is not None:
                    self._uncount(session)
            elif state in AT_SEGMIND:  # billed, collected later: never sent again
                self._at_segmind = fingerprint
                if estimated is not None:  # (in this session: the safe side of its cap)
                    self.cost += estimated
            # (failed at Segmind: not again by itself; an edit or on again sends it)
            self._on_failure(exc, paid=state in AT_SEGMIND)
        except Exception as exc:  # a bug: logged, shown as one line, live mode stops
            log.exception("live job %d failed", number)
            self.pause(f"Live mode stopped: the job failed unexpectedly "
                       f"({type(exc).__name__}); the details are in the log file. {RESUME}.")
        finally:
            self._sending_id = None
            self.state_changed.emit()
            if self._task is asyncio.current_task():
                self._task = None
            if self.on and self._again:
                self._again = False
                self._send_latest()

    def _on_sending(self, history_id: int, session: int) -> None:
        self._sending_id = history_id
        if session == self._session_no:  # (one from an earlier session counted there)
            self.jobs += 1
        self.state_changed.emit()

    async def _job_state(self) -> JobState | None:
        """The history's state of the job that failed, or None: never recorded."""
        entry = None if self._sending_id is None else await asyncio.to_thread(
            self.session.store.get, self._sending_id)
        return None if entry is None else entry.state

    def _uncount(self, session: int) -> None:
        """A job that never left (cancelled) is not one of its live session's jobs."""
        if session == self._session_no:
            self.jobs -= 1

    def _show(self, result: LiveResult) -> None:
        if self.shown is not None and self.shown.number > result.number:
            return  # a newer result is on screen (kept in the history all the same)
        self.shown = result
        self._set_line("")
        self.result_ready.emit(result)

    def _on_failure(self, error: StudioError, paid: bool = False) -> None:
        what = f"{error.message} {error.action}".strip()
        if paid:  # (at Segmind: its result is collected later, out of sight)
            what = f"{error.message} It was paid for; its result is collected later."
        if isinstance(error, NetworkError):  # (its action speaks of sending it later: no)
            paid_words = " It was paid for; its result is collected later." if paid else ""
            self.pause(f"Live mode paused: {error.message}{paid_words} {RESUME} once the "
                       "connection is back.")
        elif isinstance(error, AuthenticationFailed):
            self.pause(f"Live mode paused: {what} {RESUME} once the key is set.")
        elif isinstance(error, OverBudget | RateLimited | NotEnoughCredits):
            self.pause(f"Live mode paused: {error.message} {RESUME} once that changes.")
        else:  # the job failed (not billed: an edit tries again), or was paid: it stays on
            self._set_line(f"The last live job was paid, its result collected later: "
                           f"{error.message}" if paid else f"The last live job failed: {what}")
            self.failed.emit(what)

    # -- pausing ----------------------------------------------------------------------------

    def pause(self, line: str) -> None:
        """Stop with ``line`` (why, and how to go on)."""
        if self.state is not LiveState.OFF:
            self._stop(LiveState.PAUSED, line)

    def _stop(self, state: LiveState, line: str) -> None:
        self._timer.stop()
        self._again = False
        if self.busy and self._sending_id is None and self._task is not asyncio.current_task():
            # Not sent yet: dropped (the session cancels its record). One the outbox is
            # sending may be at the server, paid for: it finishes and is kept.
            assert self._task is not None
            self._task.cancel()
        self.state, self.line = state, line
        self.state_changed.emit()

    def key_changed(self, present: bool) -> None:
        if not present:
            self.pause(f"Live mode paused: no API key is set. Add your Segmind key in "
                       f"Settings. {RESUME} once the key is set.")

    def _on_session_connection_changed(self, state: str) -> None:
        if state == Connection.OFFLINE.value:
            self.pause(f"Live mode paused: Segmind cannot be reached. {RESUME} once the "
                       "connection is back.")
        elif state == Connection.KEY_REJECTED.value:
            self.pause(f"Live mode paused: Segmind rejected the API key. Check it in "
                       f"Settings. {RESUME} once the key is set.")

    def _set_line(self, line: str) -> None:
        if line != self.line:
            self.line = line
            self.state_changed.emit()

    # -- tasks ------------------------------------------------------------------------------

    def _spawn(self, coroutine: Any) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def shutdown(self) -> None:
        """Quitting, without waiting for a job: what was not sent is cancelled; what the
        server has stays submitted and is collected at the next start (as any job)."""
        self._stop(LiveState.OFF, "")
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
