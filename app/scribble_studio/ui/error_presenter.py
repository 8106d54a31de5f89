"""The error funnel's last step: each error becomes a banner message with the actions
that fix it, kept under its cause (a condition, or the job it belongs to) and taken
away when that cause is resolved."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Final

from scribble_studio.controllers.job import Job
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.domain.errors import (
    AuthenticationFailed,
    BadResponse,
    ConnectionLost,
    EndpointNotFound,
    InsecureEndpoint,
    JobFailed,
    NotEnoughCredits,
    Offline,
    ServerError,
    SettingsDamaged,
    StillRunning,
    StudioError,
    TimedOut,
)
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.models import RetiredModel
from scribble_studio.services.budget import OverBudget, money
from scribble_studio.ui.banner import Banner, BannerAction

if TYPE_CHECKING:
    from scribble_studio.controllers.app_settings import SettingsController

# Where a Segmind user adds credits (named in the insufficient-credits message).
ACCOUNT_URL: Final = "https://cloud.segmind.com/console/billing"
# The banner keys of conditions (a job's messages are keyed ("job", its id)).
NO_KEY: Final = "no-key"
KEY_REJECTED: Final = "key-rejected"
OFFLINE: Final = "offline"
CREDITS: Final = "credits"
# A job in these states has left its failure behind (sent again, done or cancelled).
MOVED_ON: Final = frozenset({JobState.QUEUED, JobState.SUBMITTING, JobState.SUBMITTED,
                             JobState.DONE, JobState.CANCELLED})
LOG_HINTS: Final = ("log file",)


def job_key(job: Job) -> tuple[str, int]:
    return ("job", job.id)


class ErrorPresenter:
    def __init__(self, banner: Banner, session: GenerationSession,
                 open_settings: Callable[[], None],
                 settings: SettingsController | None = None,
                 open_log_folder: Callable[[], None] | None = None) -> None:
        self.banner, self.session, self.open_settings = banner, session, open_settings
        self.settings = settings
        self.open_log_folder = open_log_folder
        # Set by the composition root: switch the parameter panel to another model.
        self.use_model: Callable[[str], None] | None = None
        self._credits_job: Job | None = None   # the job the credits message speaks of
        # The message whose "Check balance" was clicked, and its text before the answer.
        self._balance_for: tuple[Hashable, str] | None = None
        session.reported.connect(self.present_for)
        session.job_changed.connect(self._on_session_job_changed)
        session.job_added.connect(self._on_session_job_added)
        session.job_removed.connect(self._on_session_job_removed)
        session.connection_changed.connect(self._on_session_connection_changed)
        session.credits_changed.connect(self._on_session_credits_changed)
        if settings is not None:
            settings.key_changed.connect(self._on_settings_key_changed)

    # -- errors --------------------------------------------------------------------------

    def present(self, error: StudioError) -> None:
        """An error of no job (a file, the settings, the history)."""
        self.present_for(error, None)

    def present_for(self, error: StudioError, job: Job | None) -> None:
        key: Hashable = job_key(job) if job is not None else error.kind
        text = f"{error.message} {error.action}"
        actions: list[BannerAction] = []
        if isinstance(error, OverBudget):
            text = f"{error.message} It waits in the outbox."
            actions.append(BannerAction("Send anyway", lambda: self._send_anyway(job)))
        elif isinstance(error, RetiredModel) and error.alternative is not None \
                and self.use_model is not None:
            other, use = error.alternative, self.use_model
            text = error.message
            actions.append(BannerAction(f"Use {error.alternative_title}", lambda: use(other)))
        elif isinstance(error, AuthenticationFailed):
            key = KEY_REJECTED
            actions.append(BannerAction("Open Settings", self.open_settings))
        elif isinstance(error, EndpointNotFound | InsecureEndpoint | SettingsDamaged):
            actions.append(BannerAction("Open Settings", self.open_settings))
        elif isinstance(error, NotEnoughCredits):
            key, self._credits_job = CREDITS, job
            text = self.credits_text(error, job)
            actions.append(self._check_balance(key))
        elif isinstance(error, Offline):
            key = OFFLINE
            text = (f"{error.message} Nothing was sent or charged: the job waits in the "
                    "outbox and goes out by itself when the API can be reached.")
            actions.append(BannerAction("Send now", self.session.send_now))
        elif isinstance(error, StillRunning):
            text = (f"{error.message} It is collected by itself as soon as Segmind answers, "
                    "and not paid for twice.")
        elif job is not None and job.state is JobState.WAITING:
            text += " The job waits in the outbox and is sent by itself."
        else:
            if isinstance(error, ServerError | BadResponse | TimedOut | ConnectionLost):
                actions.append(self._check_balance(key))
            if job is not None and job.state is JobState.UNKNOWN and not job.elsewhere \
                    and error.may_have_been_billed:
                if not any(action.text == "Check balance" for action in actions):
                    actions.append(self._check_balance(key))
                unknown = job  # the user's call: it may have run (and been billed) already
                actions.append(BannerAction("Send again", lambda: self.session.resend(unknown)))
            if self._can_retry(error, job):
                assert job is not None
                failed = job
                actions.append(BannerAction("Retry now" if error.retry_safe else "Retry",
                                            lambda: self._retry(failed)))
            if self.open_log_folder is not None and any(
                    hint in error.action for hint in LOG_HINTS):
                actions.append(BannerAction("Open log folder", self.open_log_folder,
                                            keep=True))
        self.banner.put(key, text, *actions)

    def no_key(self) -> None:
        """A job was queued without a key: it waits, and the message says where to add one."""
        self.banner.put(NO_KEY, "No API key is set: the job waits in the outbox and is sent "
                        "once you add your Segmind key in Settings.",
                        BannerAction("Open Settings", self.open_settings))

    def credits_text(self, error: NotEnoughCredits, job: Job | None = None) -> str:
        """The server's words, the balance once (unless they name it) and the job's cost
        (unless they name it), and where to add credits."""
        text = error.message
        credits = error.credits if error.credits is not None else self.session.credits
        if credits is not None and "balance" not in text.lower():
            text += f" Your balance is {money(credits)}."
        job = job if job is not None else self.session.last_failed
        if job is not None and "cost" not in text.lower():
            estimate = self.session.budget.hint(job.params)
            text += f" This job costs about {money(estimate)}."
        return f"{text} Add credits at {ACCOUNT_URL}, or lower samples or steps."

    # -- actions ---------------------------------------------------------------------------

    def _check_balance(self, key: Hashable) -> BannerAction:
        return BannerAction("Check balance", lambda: self._on_check_balance(key), keep=True)

    def _on_check_balance(self, key: Hashable) -> None:
        """Ask for the balance; the answer shows in the message that asked."""
        if self.settings is not None and self.settings.api_key() is None:
            self.no_key()
            return
        text = self.banner.text_of(key).split(" Your balance is now")[0]
        self._balance_for = (key, text)
        self.banner.amend(key, f"{text} Checking your balance…")
        self.session.refresh_credits()

    @staticmethod
    def _can_retry(error: StudioError, job: Job | None) -> bool:
        """A failed job made in this session, whose failure sending again may cure."""
        return job is not None and job.can_retry \
            and job.state is JobState.FAILED \
            and (error.retry_safe or isinstance(error, JobFailed | ServerError | BadResponse))

    def _retry(self, job: Job) -> None:
        if job.can_retry and job.state is JobState.FAILED:
            self.session.retry_job(job)  # this very job: the one the banner shows

    def _send_anyway(self, job: Job | None) -> None:
        if job is not None and job is self.session.over_budget_job:
            self.session.over_budget_job = None  # once
            self.session.send_anyway(job)

    # -- causes resolved ---------------------------------------------------------------------

    def _on_session_job_changed(self, job: Job) -> None:
        if job.state in MOVED_ON:
            self.banner.resolve(job_key(job))
        if job.state is JobState.DONE:
            # A job went through: the failures of earlier jobs (a 500, a failed run) are
            # history now; those still in doubt or waiting keep their message.
            failed = {job_key(other) for other in self.session.jobs
                      if other.state is JobState.FAILED}
            self.banner.resolve_where(lambda key: key in failed)
            for key in (CREDITS, OFFLINE, KEY_REJECTED):
                self.banner.resolve(key)

    def _on_session_job_added(self, job: Job) -> None:
        """The same snapshot and parameters queued again (a Retry, from anywhere): the
        failure it retries is resolved."""
        for other in self.session.jobs:
            if other is not job and other.id == job.retry_of:
                self.banner.resolve(job_key(other))

    def _on_session_job_removed(self, job: Job) -> None:
        self.banner.resolve(job_key(job))

    def _on_session_connection_changed(self, state: str) -> None:
        if state == "online":
            self.banner.resolve(OFFLINE)
            self.banner.resolve(KEY_REJECTED)

    def _on_session_credits_changed(self, credits: float | None) -> None:
        if self._balance_for is None or credits is None:
            return
        key, text = self._balance_for
        self._balance_for = None
        self.banner.amend(key, f"{text} Your balance is now {money(credits)} "
                          f"(asked at {time.strftime('%H:%M')}).")

    def _on_settings_key_changed(self) -> None:
        if self.settings is not None and self.settings.api_key() is not None:
            self.banner.resolve(NO_KEY)
            self.banner.resolve(KEY_REJECTED)
