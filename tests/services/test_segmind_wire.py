"""Segmind's wire format: the request body, the 200-body parser and the error-body
cleaner, with property tests against the strict fake server."""

from __future__ import annotations

import base64
import datetime as dt
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scribble_studio.domain.errors import BadResponse, RateLimited, StudioError
from scribble_studio.domain.params import SCHEDULERS, GenerationParams
from scribble_studio.domain.results import ResultImage
from scribble_studio.services.backends.segmind_errors import (
    clean_message,
    error_for_status,
    parse_credits,
    parse_reset_time,
)
from scribble_studio.services.backends.segmind_wire import parse_images, request_body
from tests.fakes.segmind_server import json_body, result_jpeg, validate_request

TINY_PNG_B64 = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGP4DwABAQEAG7buVgAAAABJRU5ErkJggg=="
)

JPEG = result_jpeg(64, 64, 1, 0)
JPEG2 = result_jpeg(64, 64, 2, 0)


def test_raw_bytes_are_one_image() -> None:
    (image,) = parse_images(JPEG)
    assert (image.format, image.width, image.height, image.data) == ("JPEG", 64, 64, JPEG)


@pytest.mark.parametrize("shape", ["image-str", "image-list", "images-list", "data-url"])
def test_every_json_shape(shape: str) -> None:
    images = parse_images(json_body([JPEG, JPEG2], shape))
    expected = [JPEG] if shape == "image-str" else [JPEG, JPEG2]
    assert [i.data for i in images] == expected


def test_base64_with_line_breaks_is_accepted() -> None:
    wrapped = base64.encodebytes(JPEG).decode()
    assert parse_images(json.dumps({"images": [wrapped]}).encode())[0].data == JPEG


def test_the_content_type_does_not_decide_bytes_do() -> None:
    # A JSON-looking header on image bytes, or image bytes in JSON, both work.
    assert parse_images(JPEG)[0].format == "JPEG"


@pytest.mark.parametrize("body", [
    b"", b"null", b"[]", b"{}", b'{"image": ""}', b'{"image": 42}', b'{"images": [null]}',
    b'{"image": "%%%"}', b"\xff\xd8\xff garbage", b"<html>oops</html>",
    b"[" * 100000, JPEG[: len(JPEG) // 2],
])
def test_bad_bodies_raise_bad_response(body: bytes) -> None:
    with pytest.raises(BadResponse):
        parse_images(body)


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.binary(max_size=2000),
    st.binary(max_size=500).map(lambda b: b"\xff\xd8\xff" + b),
    st.binary(max_size=500).map(lambda b: b"\x89PNG\r\n\x1a\n" + b),
    st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                 lambda inner: st.lists(inner, max_size=3)
                 | st.dictionaries(st.sampled_from(["image", "images", "status", "x"]),
                                   inner, max_size=3),
                 max_leaves=10).map(lambda doc: json.dumps(doc).encode()),
    st.lists(st.binary(max_size=80), max_size=3).map(
        lambda parts: json.dumps({"image": [base64.b64encode(p).decode() for p in parts]})
        .encode()),
))
def test_any_bytes_give_images_or_a_bad_response(body: bytes) -> None:
    try:
        images = parse_images(body)
    except BadResponse as exc:
        assert exc.message and exc.exit_code == 6
    else:
        assert images and all(isinstance(i, ResultImage) for i in images)


# -- error bodies -----------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(status=st.integers(400, 599), body=st.one_of(
    st.binary(max_size=3000),
    st.text(max_size=500).map(str.encode),
    st.text(max_size=200).map(lambda t: f"<html><body><p>{t}</p></body></html>".encode()),
    st.dictionaries(st.sampled_from(["error", "html-message", "detail", "x"]),
                    st.text(max_size=50), max_size=2).map(lambda d: json.dumps(d).encode()),
))
def test_any_error_body_gives_one_short_clean_line(status: int, body: bytes) -> None:
    message = clean_message(body, status)
    assert message and "\n" not in message and len(message) <= 241
    assert "<html" not in message.lower() and "<body" not in message.lower()
    error = error_for_status(status, message, {})
    assert isinstance(error, StudioError) and error.message == message


def test_html_error_pages_become_their_text() -> None:
    page = (b"<!DOCTYPE html><html><head><title>Oops</title><style>p{}</style></head>"
            b"<body><h1>503 Service Unavailable</h1><script>x()</script></body></html>")
    assert clean_message(page, 503) == "503 Service Unavailable."


def test_html_message_json_is_stripped() -> None:
    body = json.dumps({"html-message": "<b>Model</b> is &quot;loading&quot;"}).encode()
    assert clean_message(body, 500) == 'Model is "loading".'


def test_long_messages_are_cut() -> None:
    assert len(clean_message(b"x " * 1000, 500)) <= 241


@pytest.mark.parametrize(("value", "expected"), [
    ("2026-11-29T10:00:05Z", dt.datetime(2026, 11, 29, 10, 0, 5, tzinfo=dt.UTC)),
    ("2026-11-29T10:00:05", dt.datetime(2026, 11, 29, 10, 0, 5, tzinfo=dt.UTC)),
    ("Sun, 29 Nov 2026 10:00:05 GMT", dt.datetime(2026, 11, 29, 10, 0, 5, tzinfo=dt.UTC)),
    ("1795946405", dt.datetime(2026, 11, 29, 10, 0, 5, tzinfo=dt.UTC)),
    ("1795946405000", dt.datetime(2026, 11, 29, 10, 0, 5, tzinfo=dt.UTC)),
    ("soon", None), ("", None), (None, None), ("nan", None), ("-5", None),
])
def test_reset_times_in_every_form(value: str | None, expected: dt.datetime | None) -> None:
    assert parse_reset_time(value) == expected


def test_a_429_carries_its_reset_time() -> None:
    error = error_for_status(429, "Slow down.", {"x-rate-limit-reset-at-utc": "1795946405"})
    assert isinstance(error, RateLimited) and error.retry_safe and error.reset_at is not None


@pytest.mark.parametrize(("value", "expected"), [
    ("12", 12.0), ("3.75", 3.75), (" 0 ", 0.0), ("", None), ("lots", None), ("inf", None),
    (None, None),
])
def test_credit_header_values(value: str | None, expected: float | None) -> None:
    assert parse_credits(value) == expected


def test_the_request_body_sends_numbers_as_numbers_and_base64_explicitly() -> None:
    body = request_body(GenerationParams("x", seed=85497675147333, samples=2, guidance=7),
                        "QQ==")
    text = json.dumps(body)
    assert '"seed": 85497675147333' in text and '"guidance_scale": 7.0' in text
    assert body["base64"] is True and "negative_prompt" not in body
    assert request_body(GenerationParams("x", seed=1), "QQ==")["base64"] is False


values = st.one_of(st.integers(-10, 2**54), st.floats(allow_nan=True), st.booleans(),
                   st.none(), st.text(max_size=5))


@given(prompt=st.one_of(st.text(max_size=20), st.none()), scheduler=st.one_of(
    st.sampled_from(SCHEDULERS), st.text(max_size=8)), steps=values, guidance=values,
    strength=values, samples=values, seed=values)
def test_validation_agrees_with_the_strict_fake_server(**fields: Any) -> None:
    """Property: whatever validate() accepts, the contract accepts; whatever it rejects
    is named by field, and nothing raises."""
    params = GenerationParams(**fields)
    problems = params.validate()
    assert set(problems) <= {"prompt", "scheduler", "steps", "guidance", "strength",
                             "samples", "seed"}
    if not problems:
        body = request_body(params.with_seed_drawn(random.Random(0)), TINY_PNG_B64)
        problem, _ = validate_request(json.loads(json.dumps(body)))
        assert problem is None, problem


def _row(created: str | None = None, **body: object) -> Any:
    from scribble_studio.services.backends.segmind_wire import HistoryRow

    full = {"prompt": "a cat", "seed": 9, "num_inference_steps": 20, "samples": 1,
            "guidance_scale": 7.5, "strength": 1.0, "scheduler": "UniPC", **body}
    return HistoryRow("r-1", "COMPLETED", 0.003, None, None, full, created)


def test_a_history_row_matches_only_the_request_sent_and_near_when_it_was_sent() -> None:
    from scribble_studio.services.backends.segmind_wire import matches

    params = GenerationParams("a cat", seed=9)
    sent = dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC).timestamp()
    assert matches(_row("2026-12-01T10:00:03Z"), params, sent)
    assert matches(_row(guidance_scale=7.5000000001), params, sent)  # numbers as numbers
    assert not matches(_row(num_inference_steps=30), params, sent)  # another request
    assert not matches(_row(seed=10), params, sent)
    assert not matches(_row("2026-12-01T09:30:00Z"), params, sent)  # long before it was sent
    assert not matches(_row("2026-12-01T11:00:00Z"), params, sent)  # long after
    assert matches(_row("not a time"), params, sent)  # an unreadable time does not exclude
