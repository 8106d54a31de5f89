"""Segmind's error answers: from any body (JSON, HTML, text, nothing) to one clean sentence,
and from an HTTP status to the taxonomy error, with the server's own words."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import http
import json
import re
from collections.abc import Mapping
from html.parser import HTMLParser
from typing import Any, Final

from scribble_studio.domain.errors import (
    ApiError,
    AuthenticationFailed,
    EndpointNotFound,
    ModelRetired,
    NotEnoughCredits,
    ParametersRejected,
    RateLimited,
    ServerError,
    StudioError,
)
from scribble_studio.domain.models import ModelNotAllowed

MAX_MESSAGE_CHARS: Final = 240
_MESSAGE_KEYS: Final = ("error", "message", "detail", "html-message", "msg", "status")
_SPACE = re.compile(r"\s+")
_TAG = re.compile(r"<[A-Za-z/!?][^<>]*(?:>|$)")


class _TextOfHtml(HTMLParser):
    """Collects the visible text of an HTML fragment, and its <title> apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style", "head"):
            self._skip += 1
        if tag == "title":
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head") and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def _looks_like_html(text: str) -> bool:
    head = text.lstrip()[:200].lower()
    return head.startswith(("<!doctype", "<html", "<head", "<body")) or bool(
        re.search(r"</?[a-z][a-z0-9]*[\s>/]", text[:2000], re.IGNORECASE)
    )


def _html_to_text(text: str) -> str:
    parser = _TextOfHtml()
    try:
        parser.feed(text)
        parser.close()
    except Exception:  # a broken page still gives whatever text it had
        pass
    body = _SPACE.sub(" ", " ".join(parser.parts)).strip()
    title = _SPACE.sub(" ", " ".join(parser.title)).strip()
    # A page's first heading usually repeats its title; the body is more specific.
    return body or title


def _flatten(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        for key in _MESSAGE_KEYS:
            if key in value:
                return _flatten(value[key])
        return ""
    if isinstance(value, list):
        return "; ".join(filter(None, (_flatten(item) for item in value[:3])))
    return ""


def _tidy(text: str) -> str:
    text = html.unescape(text)
    if _looks_like_html(text):
        text = _html_to_text(text)
    text = "".join(ch for ch in text if ch.isprintable() or ch.isspace())
    # Whatever markup survived (a fragment, an unclosed tag) is dropped, never shown.
    text = _SPACE.sub(" ", _TAG.sub(" ", text))
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1].rstrip() + "…"
    return text


def reason_phrase(status: int) -> str:
    try:
        return f"HTTP {status} {http.HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def clean_message(body: bytes, status: int) -> str:
    """One sentence from any error body: JSON ``error``/``html-message``, HTML, text or
    nothing. Never raw HTML, never longer than a line; the reason phrase when empty."""
    text = body[:65536].decode("utf-8", errors="replace").strip()
    message = ""
    if text.startswith(("{", "[")):
        try:
            message = _flatten(json.loads(text))
        except (ValueError, RecursionError):
            message = ""
    if not message:
        message = text
    message = _tidy(message)
    if not message or set(message) <= set("{}[]\"':,. "):
        return reason_phrase(status) + "."
    if message[-1] not in ".!?…":
        message += "."
    first_word = message.split(" ", 1)[0].rstrip(".,:;!?…")
    # Capitalise prose, but not an identifier the server names ("guidance_scale ...").
    return message[0].upper() + message[1:] if first_word.isalpha() else message


def parse_reset_time(value: str | None, now: dt.datetime | None = None) -> dt.datetime | None:
    """``x-rate-limit-reset-at-utc`` in whatever form it comes: ISO 8601, an HTTP date,
    or a Unix time in seconds or milliseconds. ``None`` when absent or unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is not None:
        if number != number or number <= 0:
            return None
        seconds = number / 1000 if number > 1e11 else number
        try:
            return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return None
    for parse in (dt.datetime.fromisoformat, email.utils.parsedate_to_datetime):
        try:
            when = parse(value.replace("Z", "+00:00") if parse is dt.datetime.fromisoformat
                         else value)
        except (ValueError, TypeError, IndexError):
            continue
        return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    return None


def parse_credits(value: str | None) -> float | None:
    """The ``x-remaining-credits`` header (integer or decimal); ``None`` if absent or odd."""
    if value is None:
        return None
    try:
        credits = float(value.strip())
    except ValueError:
        return None
    return credits if credits == credits and abs(credits) != float("inf") else None


def error_for_status(status: int, message: str, headers: Mapping[str, str]) -> StudioError:
    """The taxonomy error for an HTTP error status, with the server's own words."""
    if status == 403:  # the key is known: the model is not allowed (segmind-api.md)
        return ModelNotAllowed(message)
    if status == 401:
        return AuthenticationFailed(message)
    if status == 406:
        if "content type" in message.lower() or "content-type" in message.lower():
            return ApiError(message, "This is a bug in Scribble Studio; please report it.", 406)
        return NotEnoughCredits(message)
    if status == 429:
        reset = parse_reset_time(headers.get("x-rate-limit-reset-at-utc"))
        return RateLimited(message, reset)
    if status in (400, 422):
        return ParametersRejected(message, status=status)
    if status in (404, 405):
        return EndpointNotFound(message, status=status)
    if status == 410:
        return ModelRetired(message, status=status)
    if status >= 500:
        return ServerError(message, status=status)
    return ApiError(message, status=status)
