"""Argument types for the CLI that bound what they accept, so an oversized number is
a one-line usage error (exit 2) rather than a traceback from SQLite."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Final

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
