"""The one notices channel: every controller of the session reports its errors (with the
job they belong to, so that a banner's action acts on that job) and its plain messages to
one injected object; the UI decides how to show them, the log gets them all."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from scribble_studio.domain.errors import StudioError

log = logging.getLogger(__name__)


class Notices(QObject):
    heard = Signal(object)             # every error, the quiet ones too (state follows it)
    error = Signal(object)             # every error the user is to see
    reported = Signal(object, object)  # the same, with the Job it belongs to (or None)
    notice = Signal(str)               # a plain message for the user (no action needed)

    def report(self, error: StudioError, quiet: bool = False, job: object = None) -> None:
        """``error`` of ``job`` (None: of a call, not of a job); ``quiet``: logged and
        followed (the connection's state, the credits) but not shown."""
        log.warning("%s: %s", error.kind, error.message)
        self.heard.emit(error)
        if not quiet:
            self.error.emit(error)
            self.reported.emit(error, job)

    def say(self, message: str) -> None:
        self.notice.emit(message)
