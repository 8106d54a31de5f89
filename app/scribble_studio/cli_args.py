"""Argument types for the CLI that bound what they accept, so an oversized number is
a one-line usage error (exit 2) rather than a traceback from SQLite."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from typing import Final

from scribble_studio.domain.errors import (
    InvalidParameters,
    NotSendable,
    StillRunning,
    StudioError,
)
from scribble_studio.domain.models import NUMERIC_FIELDS, ModelNotAllowed, RetiredModel

# The command as the user types it: in usage lines, messages and advice.
PROG: Final = "scribble-studio"
# The options that set a parameter, by its name (GenerationParams' attribute); the
# numeric ones are the model spec's fields, each an option of the same name.
FLAGS: Final = {"prompt": "-p/--prompt", "negative_prompt": "--negative-prompt",
                "model": "--model", "scheduler": "--scheduler", "seed": "--seed",
                **{name: "--" + name.replace("_", "-") for name in NUMERIC_FIELDS}}
# Advice written for the app ("… in Settings (or ENV)") as a command line takes it.
SETTINGS_ADVICE: Final = re.compile(r" in Settings(?: \(or ([A-Z_]+)\)| or ([A-Z_]+))")
CLI_SETTING: Final = {"SEGMIND_API_KEY": "SEGMIND_API_KEY, or the key saved in the app",
                      "SCRIBBLE_STUDIO_API_BASE": "--api-base or SCRIBBLE_STUDIO_API_BASE"}
# The taxonomy's default advice, as a command line follows it: by the command to run.
CLI_ACTIONS: Final[dict[type[StudioError], str]] = {
    NotSendable: "Choose a waiting item, or say --resend-unknown for one in doubt.",
    StillRunning: "Collect it later with: scribble-studio outbox send",
}
# Advice the app words by its settings, as the command line's options say it.
CLI_PHRASES: Final = {"Choose the API auto or v1 in Settings.": "Use --api auto or --api v1."}
# SQLite's integers are signed 64-bit: a larger id cannot exist.
ID_MAX: Final = 2**63 - 1
# A page of the history printed at once; more is a scroll nobody reads.
LIMIT_MAX: Final = 100_000


def bounded_int(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number in ``low…high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text[:40]!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be between {low} and {high}")
        return value

    parse.__name__ = "whole number"  # what argparse names in its message
    return parse


history_id = bounded_int(1, ID_MAX)
history_limit = bounded_int(1, LIMIT_MAX)


def text(value: str) -> str:
    """An argparse ``type`` for words (a prompt, a search): bytes that are not UTF-8 on
    the command line (Python hands them on as lone surrogates) are a usage error, before
    anything is stored or sent; they could be neither written to the history nor to a
    PNG's metadata, and the job would fail after it was paid for."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raw = value[exc.start:exc.end].encode("utf-8", "surrogateescape")
        raise argparse.ArgumentTypeError(
            f"not valid UTF-8 text: byte {raw[:1].hex().upper()} at character "
            f"{exc.start + 1} (give the text in UTF-8)") from None
    return value


def one_line(text: object) -> str:
    """``text`` on one line: a control character (a newline in a file name, say) is
    written as an escape, so output of one path a line stays one path a line."""
    value = str(text)
    if value.isprintable():
        return value
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in value)


def flag(field: str) -> str:
    """The option that sets the parameter ``field``."""
    return FLAGS.get(field, "--" + field.replace("_", "-"))


def in_cli_words(error: InvalidParameters) -> InvalidParameters:
    """The domain's "Invalid parameters: steps: …; correct the marked fields" said as a
    command line is corrected: by its options (``kind`` and exit code stay)."""
    words = InvalidParameters({flag(field): why for field, why in error.problems.items()},
                              error.model)
    plural = "option" if len(error.problems) == 1 else "options"
    listed = "; ".join(f"{option} {why}" for option, why in words.problems.items())
    of = f" for --model {error.model}" if error.model else ""
    words.message = f"Invalid {plural}{of}: {listed}."
    words.action = (f"Correct the {plural} named and run the command again "
                    "(see: scribble-studio generate --help).")
    return words


def cli_words(error: StudioError) -> StudioError:
    """``error`` as the CLI says it: parameters named by their options, settings by the
    option or environment variable that sets them."""
    if isinstance(error, InvalidParameters):
        error = in_cli_words(error)
    if error.action == type(error).default_action and type(error) in CLI_ACTIONS:
        error.action = CLI_ACTIONS[type(error)]
    error.action = CLI_PHRASES.get(error.action, error.action)
    if isinstance(error, ModelNotAllowed | RetiredModel) and error.alternative is not None:
        error.action = error.action.rstrip(".") + f" (--model {error.alternative})."

    def setting(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return f" ({CLI_SETTING.get(name, name)})"

    error.action = SETTINGS_ADVICE.sub(setting, error.action)
    error.message = SETTINGS_ADVICE.sub(setting, error.message)
    return error
