"""The error funnel's last step: each error becomes a banner with the right action."""

from __future__ import annotations

from collections.abc import Callable

from scribble_studio.controllers.session import GenerationSession
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    NotEnoughCredits,
    Offline,
    StudioError,
)
from scribble_studio.ui.banner import Banner


class ErrorPresenter:
    def __init__(self, banner: Banner, session: GenerationSession,
                 open_settings: Callable[[], None]) -> None:
        self.banner, self.session, self.open_settings = banner, session, open_settings

    def present(self, error: StudioError) -> None:
        if isinstance(error, AuthenticationFailed):
            self.banner.show_error(error, "Open Settings", self.open_settings)
        elif isinstance(error, NotEnoughCredits):
            credits = error.credits if error.credits is not None else self.session.credits
            balance = f" Your balance is {credits:g}." if credits is not None else ""
            self.banner.show_message(f"{error.message}{balance} {error.action}",
                                     "Check balance", self.session.refresh_credits)
        elif isinstance(error, Offline):
            self.banner.show_message(
                f"{error.message} Nothing was sent or charged: the job waits in the outbox "
                "and goes out by itself when the API can be reached.", "Send now",
                self.session.send_now)
        elif error.retry_safe:
            self.banner.show_error(error, "Retry now", self._retry_last)
        else:
            self.banner.show_error(error)

    def _retry_last(self) -> None:
        job = self.session.last_failed
        if job is not None and job.sketch is not None and job.error is not None \
                and job.error.retry_safe:
            self.session.retry(job)
