"""The key against hostile echoes and hostile input: a server that quotes it back in
any encoding, a name that only looks like this machine, a key no header can carry."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from scribble_studio.domain.errors import InsecureEndpoint, InvalidInput
from scribble_studio.services.config import ApiKey, check_endpoint
from tests.faults.conftest import cli

# Shaped like a real key, with characters that every encoding treats differently.
SECRET = "SG_a1b2+c3d4/e5f6=g7h8~i9j0k1L2m3N4o5"
KEY = ApiKey(SECRET)


def leaks(text: str) -> bool:
    """Whether any 8 consecutive characters of the key (in any form below) remain."""
    forms = [SECRET, quote(SECRET, safe=""), quote_plus(SECRET), json.dumps(SECRET)[1:-1]]
    return any(form[i:i + 8] in text for form in forms for i in range(len(form) - 7))


def b64_with_prefix(prefix: bytes, *, urlsafe: bool = False) -> str:
    encode = base64.urlsafe_b64encode if urlsafe else base64.b64encode
    return encode(prefix + SECRET.encode()).decode()


ECHOES = {
    "plain": f"invalid key {SECRET} for this model",
    "url-encoded": f"GET /v1/x?key={quote(SECRET, safe='')}&a=1 refused",
    "url-encoded-lower": "key=" + re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(),
                                         quote(SECRET, safe="")),
    "form-encoded": f"body was key={quote_plus(SECRET)}",
    "json-escaped": json.dumps({"error": "bad key", "key": SECRET.replace("/", "/")}),
    "json-escaped-slash": '{"key": "' + SECRET.replace("/", "\\/") + '"}',
    "basic-auth": "Authorization: Basic " + base64.b64encode(f"user:{SECRET}".encode()).decode(),
}
for shift in range(3):
    for urlsafe in (False, True):
        name = f"base64-shift{shift}-{'urlsafe' if urlsafe else 'standard'}"
        ECHOES[name] = f"token {b64_with_prefix(b'xyz'[:shift], urlsafe=urlsafe)} expired"


@pytest.mark.parametrize("name", sorted(ECHOES))
def test_an_echoed_key_is_redacted_in_every_encoding(name: str) -> None:
    text = ECHOES[name]
    clean = KEY.redact(text)
    assert "[api key]" in clean
    if name.startswith(("base64", "basic")):
        encoded = text.split()[-2] if name.startswith("base64") else text.split()[-1]
        assert encoded not in clean and len(clean) < len(text)
    else:
        assert not leaks(clean), clean


@pytest.mark.parametrize("cut", [8, 12, 20, len(SECRET) - 1])
def test_a_key_cut_by_a_length_limit_is_redacted(cut: int) -> None:
    message = f"The key {SECRET} is not valid for this account"
    for shown in (message[:message.index(SECRET) + cut],
                  message[:message.index(SECRET) + cut] + "…",
                  message[:message.index(SECRET) + cut] + "... (truncated)"):
        clean = KEY.redact(shown)
        assert SECRET[:8] not in clean and "[api key]" in clean, clean


def test_text_without_the_key_is_left_as_it_is() -> None:
    text = "Invalid parameter 'steps': must be 20-100... see https://docs.segmind.com"
    assert KEY.redact(text) == text
    assert KEY.redact(SECRET[:7]) == SECRET[:7]  # too short a start to be the key


def test_headers_are_redacted_for_logging() -> None:
    headers = {"x-api-key": "anything", "Authorization": "Bearer x",
               "x-echo": f"got {SECRET}", "content-type": "application/json"}
    clean = KEY.redact_headers(headers)
    assert clean == {"x-api-key": "[hidden]", "Authorization": "[hidden]",
                     "x-echo": "got [api key]", "content-type": "application/json"}
    assert KEY.redact_mapping([("set-cookie", SECRET), ("via", SECRET)]) == {
        "set-cookie": "[hidden]", "via": "[api key]"}


@pytest.mark.parametrize("url", [
    "http://evil.localhost/v1", "http://localhost.localhost/v1", "http://a.b.localhost:80/v1",
])
def test_a_name_under_localhost_is_not_taken_for_this_machine(url: str) -> None:
    with pytest.raises(InsecureEndpoint):
        check_endpoint(url)


@pytest.mark.parametrize("url", [
    "http://localhost:9/v1", "http://127.0.0.1/v1", "http://[::1]/v1",
    "http://[::ffff:127.0.0.1]/v1",
])
def test_literal_loopback_addresses_and_localhost_stay_allowed(url: str) -> None:
    check_endpoint(url)


def test_the_cli_refuses_plain_http_to_a_localhost_subdomain(tmp_path: Path) -> None:
    done = cli("--api-base", "http://evil.localhost:9/v1", "credits", home=tmp_path,
               SEGMIND_API_KEY=SECRET)
    assert done.returncode == 2 and "plain http://" in done.stderr, done.stderr


@pytest.mark.parametrize("bad", ["SG_abc\u00e9def123", "SG_\u201cquoted\u201d", "SG_ab\x00cd",
                                 "SG_ab cd"])
def test_a_key_no_header_can_carry_is_refused_without_quoting_it(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        ApiKey(bad)
    text = f"{caught.value.message} {caught.value.action}"
    assert bad not in text and "abc" not in text and "quoted" not in text


def test_the_cli_says_the_key_is_unusable_instead_of_a_traceback(tmp_path: Path) -> None:
    done = cli("credits", home=tmp_path, SEGMIND_API_KEY="SG_m\u00fcnchen12345678")
    assert done.returncode == 2, done.stderr
    assert "cannot be sent" in done.stderr and "Traceback" not in done.stderr
    assert "nchen1234" not in done.stderr
