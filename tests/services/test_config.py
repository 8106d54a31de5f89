from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scribble_studio.domain.errors import InsecureEndpoint, InvalidInput
from scribble_studio.services.backends import create_backend
from scribble_studio.services.config import (
    DEFAULT_API_BASE,
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    ApiKey,
    ClientSettings,
    check_endpoint,
    data_dir,
    load_api_key,
    settings_from_env,
    v2_base,
)
from tests.fakes.keyring import MemoryKeyring


class BrokenKeyring:
    def get_password(self, service_name: str, username: str) -> str | None:
        raise RuntimeError("no D-Bus session")


@pytest.mark.parametrize("url", [
    "https://api.segmind.com/v1", "http://127.0.0.1:8080/v1", "http://localhost/v1",
    "http://[::1]:9000/v1", "http://127.5.6.7/v1",
])
def test_allowed_endpoints(url: str) -> None:
    check_endpoint(url)


@pytest.mark.parametrize("url", [
    "http://api.segmind.com/v1", "http://192.168.1.10/v1", "http://example.invalid/v1",
    "http://localhost.example.com/v1", "http://0.0.0.0/v1",
])
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    with pytest.raises(InsecureEndpoint, match="plain http://"):
        check_endpoint(url)
    with pytest.raises(InsecureEndpoint):
        ClientSettings(api_base=url)


@pytest.mark.parametrize("url", ["ftp://x/v1", "api.segmind.com/v1", "", "https://"])
def test_non_web_addresses_are_refused(url: str) -> None:
    with pytest.raises(InvalidInput):
        check_endpoint(url)


def test_no_backend_can_be_built_for_an_insecure_endpoint() -> None:
    async def build(**urls: str) -> None:
        backend = create_backend(ApiKey("k"), ClientSettings(**urls))
        await backend.aclose()
    with pytest.raises(InsecureEndpoint):
        asyncio.run(build(api_base="http://api.segmind.com/v1"))
    with pytest.raises(InsecureEndpoint):  # the request history gets the key too
        asyncio.run(build(history_base="http://api.spotprod.segmind.com"))


@pytest.mark.parametrize(("v1", "v2"), [
    ("https://api.segmind.com/v1", "https://api.segmind.com/v2"),
    ("https://api.segmind.com/v1/", "https://api.segmind.com/v2"),
    ("https://api-latest.segmind.com/v1", "https://api-latest.segmind.com/v2"),
    ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080/v2"),
    ("http://127.0.0.1:8080/proxy", "http://127.0.0.1:8080/proxy/v2"),
])
def test_the_v2_root_is_derived_as_segminds_sdk_does(v1: str, v2: str) -> None:
    assert v2_base(v1) == v2


def test_the_history_base_comes_from_the_environment() -> None:
    settings = settings_from_env({"SCRIBBLE_STUDIO_HISTORY_BASE": "http://127.0.0.1:9"})
    assert settings.history_url("inference-request/x") == "http://127.0.0.1:9/inference-request/x"
    assert settings_from_env({}).history_base == "https://api.spotprod.segmind.com"


def test_settings_from_the_environment() -> None:
    settings = settings_from_env({"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:1/v1",
                                  "SCRIBBLE_STUDIO_READ_TIMEOUT": "42"})
    assert settings.api_base == "http://127.0.0.1:1/v1" and settings.read_timeout == 42
    assert settings.connect_timeout == 10.0
    assert settings_from_env({}).api_base == DEFAULT_API_BASE
    assert settings_from_env({}, api_base="https://x/v1").api_base == "https://x/v1"
    assert settings.url("get-user-credits") == "http://127.0.0.1:1/v1/get-user-credits"
    with pytest.raises(InvalidInput, match="SCRIBBLE_STUDIO_READ_TIMEOUT"):
        settings_from_env({"SCRIBBLE_STUDIO_READ_TIMEOUT": "soon"})
    with pytest.raises(InvalidInput):
        settings_from_env({"SCRIBBLE_STUDIO_CONNECT_TIMEOUT": "-1"})


def test_the_key_comes_from_the_environment_first() -> None:
    keyring = MemoryKeyring({(KEYRING_SERVICE, KEYRING_USERNAME): "from-keyring"})
    assert load_api_key({"SEGMIND_API_KEY": " from-env "}, keyring) == ApiKey("from-env")
    assert load_api_key({}, keyring) == ApiKey("from-keyring")
    assert load_api_key({}, MemoryKeyring()) is None
    assert load_api_key({"SEGMIND_API_KEY": "  "}, None) is None


def test_a_broken_keyring_means_no_key_not_a_crash() -> None:
    assert load_api_key({}, BrokenKeyring()) is None


def test_the_key_never_shows_in_its_repr_or_str() -> None:
    key = ApiKey("sk-very-secret")
    assert "sk-very-secret" not in repr(key) and "sk-very-secret" not in str(key)
    assert "sk-very-secret" not in f"{key} {key!r} {[key]}"
    assert key.redact("echo sk-very-secret back") == "echo [api key] back"


def test_data_dir(tmp_path: Path) -> None:
    assert data_dir({"SCRIBBLE_STUDIO_HOME": str(tmp_path)}) == tmp_path
    assert "scribble-studio" in str(data_dir({}))
