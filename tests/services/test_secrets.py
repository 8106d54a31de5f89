from __future__ import annotations

import threading
from pathlib import Path

from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME, ApiKey
from scribble_studio.services.secrets import SecretStore
from tests.fakes.keyring import MemoryKeyring


def test_the_key_goes_to_the_keyring_and_comes_back(tmp_path: Path) -> None:
    keyring = MemoryKeyring()
    store = SecretStore(tmp_path, keyring, {})
    store.save(ApiKey("sg_kept"))
    assert keyring.stored == {(KEYRING_SERVICE, KEYRING_USERNAME): "sg_kept"}
    assert not (tmp_path / "api-key").exists()
    key = SecretStore(tmp_path, keyring, {}).load()
    assert key is not None and key.reveal() == "sg_kept"
    store.save(None)
    assert keyring.stored == {} and store.load() is None


def test_a_fail_backend_means_the_0600_file(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, MemoryKeyring(priority=0), {})
    store.save(ApiKey("sg_file"))
    assert not store.uses_keyring
    assert (tmp_path / "api-key").stat().st_mode & 0o777 == 0o600
    assert "readable only by you" in store.describe()


def test_a_deferred_keyring_is_found_only_when_first_needed(tmp_path: Path) -> None:
    keyring = MemoryKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = "sg_stored"
    calls: list[str] = []

    def find() -> MemoryKeyring:
        calls.append(threading.current_thread().name)
        return keyring

    store = SecretStore(tmp_path, None, {}, load_keyring=find)
    assert store.pending and calls == []
    key = store.load()
    assert key is not None and key.reveal() == "sg_stored"
    assert store.uses_keyring and len(calls) == 1  # found once, then kept


def test_a_key_in_the_environment_never_touches_the_keyring(tmp_path: Path) -> None:
    def find() -> MemoryKeyring:
        raise AssertionError("the keyring was looked up")

    store = SecretStore(tmp_path, None, {"SEGMIND_API_KEY": "sg_env"}, load_keyring=find)
    assert not store.pending
    key = store.load()
    assert key is not None and key.reveal() == "sg_env"


def test_describing_never_waits_for_a_keyring_being_read(tmp_path: Path) -> None:
    def find() -> MemoryKeyring:
        raise AssertionError("describe() looked the keyring up")

    store = SecretStore(tmp_path, None, {}, load_keyring=find)
    assert store.describe() == "Reading the system keyring…"
