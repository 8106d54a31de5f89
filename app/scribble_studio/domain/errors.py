"""The error taxonomy: one type per failure the user must treat differently.

Every user-visible failure is one of these. Each carries a one-sentence ``message``
(never raw HTML, never a traceback, never the API key), a suggested ``action``, the
CLI ``exit_code`` and two facts the callers need to decide what happens next:

- ``may_have_been_billed``: the request may have reached the server, so sending it
  again could charge twice. Such a request is never re-sent automatically.
- ``retry_safe``: the request certainly did not reach the server (or the server said
  so, as with 429), so it may be retried without asking.

Messages and actions name no option of the command line and no button: the CLI says
them in its words (``cli_args.cli_words``: options, commands, and "in Settings (or ENV)"
as the variable that sets it), the window in its own (``ui.error_presenter``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: datetime stays off the app's start-up
    import datetime as dt


class StudioError(Exception):
    """Base of every failure shown to the user."""

    exit_code: int = 5
    default_action: str = "Try again later."
    may_have_been_billed: bool = False
    retry_safe: bool = False

    def __init__(self, message: str, action: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.action = action if action is not None else self.default_action
        # The balance from the answer's x-remaining-credits header, when it had one.
        self.credits: float | None = None

    def __str__(self) -> str:
        return self.message

    @property
    def kind(self) -> str:
        """A stable, short name for logs and JSON output."""
        return type(self).__name__


class InvalidInput(StudioError):
    """Something the user gave us is unusable; nothing was sent."""

    exit_code = 2
    default_action = "Correct the input and try again."


class InvalidParameters(InvalidInput):
    """Generation parameters out of range, every problem reported at once, by field."""

    def __init__(self, problems: Mapping[str, str], model: str | None = None) -> None:
        self.problems = dict(problems)
        self.model = model  # the id of the model whose ranges were checked, if known
        listed = "; ".join(f"{field}: {why}" for field, why in self.problems.items())
        of = f" for {model}" if model else ""
        super().__init__(f"Invalid parameters{of}: {listed}.", "Correct the marked fields.")


class UnreadableImage(InvalidInput):
    """A sketch or picture file that cannot be used (corrupt, empty, not an image, too big)."""

    default_action = "Choose another image file."


class InsecureEndpoint(InvalidInput):
    """The base URL would send the key in clear text to a host that is not this machine."""

    default_action = "Use an https:// address (plain http:// is only allowed to this machine)."


class AuthenticationFailed(StudioError):
    """Missing, invalid, expired or insufficient API key (401, 403)."""

    exit_code = 3
    default_action = "Check the API key in Settings (or SEGMIND_API_KEY)."


class NotEnoughCredits(StudioError):
    """406 for a balance or spend limit: nothing was charged."""

    exit_code = 4
    default_action = "Add credits to your Segmind account, or lower samples or steps."


class ApiError(StudioError):
    """Any other refusal or failure reported by the API."""

    exit_code = 5

    def __init__(self, message: str, action: str | None = None, status: int | None = None):
        super().__init__(message, action)
        self.status = status


class RateLimited(ApiError):
    """429: too many requests; nothing was charged. Safe to retry after ``reset_at``."""

    retry_safe = True
    default_action = "Wait a minute and try again."

    def __init__(self, message: str, reset_at: dt.datetime | None = None) -> None:
        when = ""
        if reset_at is not None:  # in the user's own time, with the date when not today
            local = reset_at.astimezone()
            today = type(reset_at).now().astimezone().date()
            when = f" Try again after {local:%H:%M:%S}." if local.date() == today \
                else f" Try again after {local:%Y-%m-%d %H:%M:%S}."
        super().__init__(message, f"Wait for the rate limit to reset.{when}", status=429)
        self.reset_at = reset_at


class ParametersRejected(ApiError):
    """400/422: the server refused a parameter; its own words are in ``message``."""

    default_action = "Change the parameters the server names and try again."


class EndpointNotFound(ApiError):
    """404/405: the URL or method is wrong, usually a mistyped base URL."""

    default_action = "Check the API base URL in Settings (or SCRIBBLE_STUDIO_API_BASE)."


class ModelRetired(ApiError):
    """410: the model is no longer served."""

    default_action = "This model is retired; a newer Scribble Studio may use another one."


class ServerError(ApiError):
    """500/502/503/504. The request reached the server, which may have billed it."""

    may_have_been_billed = True
    default_action = "Check your balance before trying again: a failed call may be billed."


class NetworkError(StudioError):
    """The network failed; exit code 75 (EX_TEMPFAIL): try again later."""

    exit_code = 75


class Offline(NetworkError):
    """No connection could be opened: the request never left this machine."""

    retry_safe = True
    default_action = "Check the connection; the job can be sent when it is back."


class TimedOut(NetworkError):
    """The server did not answer in time. It may still have run (and billed) the job."""

    may_have_been_billed = True
    default_action = (
        "Check your balance and history before sending again: the job may have run."
    )


class ConnectionLost(NetworkError):
    """The connection dropped after the request was sent; it may have been billed."""

    may_have_been_billed = True
    default_action = TimedOut.default_action


class BadResponse(StudioError):
    """A 200 whose body is not what the contract promises (garbage, truncated, too big)."""

    exit_code = 6
    may_have_been_billed = True
    default_action = "Check your balance; if this repeats, report it with the log file."


class SubmitInDoubt(NetworkError):
    """The request went out but no answer (or no request id) came back: the server may
    be running, and billing, the job. It is looked up in the request history, never
    sent again by itself."""

    may_have_been_billed = True
    default_action = ("It is looked up in Segmind's request history; send it again only "
                      "if it is not found there.")


class JobFailed(ApiError):
    """The server ran the job and reported it FAILED (its own words in ``message``);
    a failed job is not billed."""

    default_action = "Change the sketch or the parameters and try again."


class StillRunning(NetworkError):
    """The job is at the server (it has a request id) but its result could not be
    collected yet: it will be, later, without paying again."""

    default_action = "It is collected later, without paying again."


class HistoryUnavailable(StudioError):
    """The history database cannot be opened or written for a reason that is not damage
    (a full disk, a read-only folder, a file that is not ours): nothing was changed."""

    exit_code = 2
    default_action = "Fix the cause named above and try again; the history was not changed."


class HistoryLocked(HistoryUnavailable):
    """Another program holds a lock on the history database: try again later (75)."""

    exit_code = 75
    default_action = ("Close the other program using the history (or wait for it to finish) "
                      "and try again; the history was not changed.")


class ResultNotStored(StudioError):
    """A paid result the history could not store (a full disk, a lock, a write that
    failed). Its images were written wherever they could go (``kept``: their paths, in
    the history's images folder, ``--out`` or the rescue folder) and the job stays at
    the server, to be collected and stored once there is room: never paid for again."""

    exit_code = 2
    default_action = ("Free some disk space; the job is collected again from Segmind "
                      "(which keeps results for 7 days) without paying again.")

    def __init__(self, message: str, kept: tuple[str, ...] = (),
                 action: str | None = None) -> None:
        super().__init__(message, action)
        self.kept = kept


class DiskFull(StudioError):
    """A file of the history (a scribble, an image) could not be written: the disk is
    full, or the folder cannot be written. Nothing was changed."""

    exit_code = 2
    default_action = "Free some disk space; nothing was changed."


class NotSendable(StudioError):
    """An outbox item that cannot be sent or collected now: it does not exist, another
    process has it, it is in a state that is not sent again without the user's word, or
    its stored scribble is missing or damaged. Nothing was sent."""

    exit_code = 2
    default_action = ("Choose an item that waits; one in doubt is sent again only when "
                      "you ask for it.")


class SettingsDamaged(StudioError):
    """The settings file could not be used (whole or in part): defaults were put in
    its place, and a damaged file was kept aside. Shown once; nothing failed."""

    exit_code = 2
    default_action = "Check your choices in Settings."
