"""Running heavy work (decoding, filtering, encoding) off the GUI thread."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

from scribble_studio.domain.errors import StudioError

T = TypeVar("T")
log = logging.getLogger(__name__)


class BackgroundRunner(QObject):
    """Runs a function on a worker thread; its result (or a :class:`StudioError`) is
    delivered on the GUI thread. Callbacks must not be called after :meth:`shutdown`."""

    _finished = Signal(object)

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = concurrent.futures.ThreadPoolExecutor(workers, "studio-worker")
        # Queued even when the work is already done as it is submitted (the callback then
        # runs on this thread): the caller connects to what it started after run() returns.
        self._finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)
        self._closed = False

    def run(self, work: Callable[[], T], done: Callable[[T], None],
            failed: Callable[[StudioError], None]) -> concurrent.futures.Future[T]:
        if self._closed:  # e.g. a second close of the window: nothing more is started
            dropped: concurrent.futures.Future[T] = concurrent.futures.Future()
            dropped.cancel()
            return dropped
        future = self._pool.submit(work)
        # The signal is emitted on the worker thread and queued to this object's thread.
        future.add_done_callback(lambda f: self._finished.emit((f, done, failed)))
        return future

    def _on_finished(self, packed: tuple[concurrent.futures.Future[Any], Any, Any]) -> None:
        future, done, failed = packed
        if self._closed or future.cancelled():
            return
        error = future.exception()
        if error is None:
            done(future.result())
        elif isinstance(error, StudioError):
            failed(error)
        else:
            log.error("background work failed", exc_info=error)
            failed(StudioError("Something went wrong; the details are in the log file."))

    def serve(self, loop: asyncio.AbstractEventLoop) -> None:
        """Make this runner's workers the ``loop``'s default executor, so that
        ``asyncio.to_thread`` (the session's and the services' way off the loop) runs on
        the same few threads as :meth:`run` rather than on a second pool of its own
        (qasync's, of ten threads): one executor for background work."""
        loop.set_default_executor(self._pool)

    def shutdown(self, wait: bool = False) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait, cancel_futures=not wait)
