"""The error funnel's last step: each error becomes a banner with the right action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from scribble_studio.controllers.job import Job
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    NotEnoughCredits,
    Offline,
    StudioError,
)
from scribble_studio.domain.models import RetiredModel
from scribble_studio.services.budget import OverBudget, money
from scribble_studio.ui.banner import Banner

# Where a Segmind user adds credits (named in the insufficient-credits message).
ACCOUNT_URL: Final = "https://cloud.segmind.com/console/billing"


class ErrorPresenter:
    def __init__(self, banner: Banner, session: GenerationSession,
                 open_settings: Callable[[], None]) -> None:
        self.banner, self.session, self.open_settings = banner, session, open_settings
        # Set by the composition root: switch the parameter panel to another model.
        self.use_model: Callable[[str], None] | None = None

    def present(self, error: StudioError) -> None:
        if isinstance(error, OverBudget):
            job = self.session.over_budget_job
            self.banner.show_message(f"{error.message} It waits in the outbox.",
                                     "Send anyway", lambda: self._send_anyway(job))
        elif isinstance(error, RetiredModel) and error.alternative is not None \
                and self.use_model is not None:
            other = error.alternative
            use = self.use_model
            self.banner.show_message(error.message, f"Use {error.alternative_title}",
                                     lambda: use(other))
        elif isinstance(error, AuthenticationFailed):
            self.banner.show_error(error, "Open Settings", self.open_settings)
        elif isinstance(error, NotEnoughCredits):
            self.banner.show_message(self.credits_text(error), "Check balance",
                                     self.session.refresh_credits)
        elif isinstance(error, Offline):
            self.banner.show_message(
                f"{error.message} Nothing was sent or charged: the job waits in the outbox "
                "and goes out by itself when the API can be reached.", "Send now",
                self.session.send_now)
        elif error.retry_safe:
            self.banner.show_error(error, "Retry now", self._retry_last)
        else:
            self.banner.show_error(error)

    def credits_text(self, error: NotEnoughCredits) -> str:
        """The server's words, the balance once (unless they name it) and the job's cost
        (unless they name it), and where to add credits."""
        text = error.message
        credits = error.credits if error.credits is not None else self.session.credits
        if credits is not None and "balance" not in text.lower():
            text += f" Your balance is {money(credits)}."
        job = self.session.last_failed
        if job is not None and "cost" not in text.lower():
            estimate = self.session.budget.hint(job.params)
            text += f" This job costs about {money(estimate)}."
        return f"{text} Add credits at {ACCOUNT_URL}, or lower samples or steps."

    def _send_anyway(self, job: Job | None) -> None:
        if job is not None and job is self.session.over_budget_job:
            self.session.over_budget_job = None  # once
            self.session.send_anyway(job)

    def _retry_last(self) -> None:
        job = self.session.last_failed
        if job is not None and job.sketch is not None and job.error is not None \
                and job.error.retry_safe:
            self.session.retry(job)
