"""The app's keyring calls, each answered by a real helper process
(``python -m scribble_studio --keyring-helper``) using a real keyring backend chosen with
PYTHON_KEYRING_BACKEND."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME, ApiKey
from scribble_studio.services.keyring_process import KeyringError, KeyringProcess
from scribble_studio.services.secrets import SecretStore

REPO = Path(__file__).resolve().parents[2]
WHERE = (KEYRING_SERVICE, KEYRING_USERNAME)


def helper(tmp_path: Path, backend: str = "FileKeyring", timeout: float = 60) -> KeyringProcess:
    if "." not in backend:
        backend = f"tests.fakes.keyring_backend.{backend}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHON_KEYRING_BACKEND": backend,
           "FAKE_KEYRING_FILE": str(tmp_path / "keyring.json")}
    return KeyringProcess(env=env, timeout=timeout)


def test_set_get_delete_go_through_the_helper(tmp_path: Path) -> None:
    keyring = helper(tmp_path)
    keyring.set_password(*WHERE, "sg_helper_secret")
    assert json.loads((tmp_path / "keyring.json").read_text()) == {
        f"{KEYRING_SERVICE}/{KEYRING_USERNAME}": "sg_helper_secret"}
    assert keyring.get_password(*WHERE) == "sg_helper_secret"
    backend = keyring.get_keyring()
    assert backend.name == "tests.fakes.keyring_backend.FileKeyring" and backend.priority == 9
    keyring.delete_password(*WHERE)
    assert keyring.get_password(*WHERE) is None


def test_the_password_travels_on_stdin_never_the_command_line(tmp_path: Path) -> None:
    keyring = helper(tmp_path)
    assert keyring.command == [sys.executable, "-m", "scribble_studio", "--keyring-helper"]
    keyring.set_password(*WHERE, "sg_never_in_argv")
    assert not any("sg_never_in_argv" in part for part in keyring.command)


def test_the_store_reads_backend_and_key_with_one_helper_run(tmp_path: Path) -> None:
    (tmp_path / "keyring.json").write_text(json.dumps(
        {f"{KEYRING_SERVICE}/{KEYRING_USERNAME}": "sg_stored"}))
    store = SecretStore(tmp_path, None, {}, load_keyring=lambda: helper(tmp_path))
    key = store.load()
    assert key is not None and key.reveal() == "sg_stored"
    assert store.uses_keyring
    runs = (tmp_path / "keyring.calls").read_text().split()
    assert len(runs) == 1  # one helper process answered both questions


def test_no_backend_means_the_key_file(tmp_path: Path) -> None:
    keyring = helper(tmp_path, backend="keyring.backends.fail.Keyring")  # as on a server
    store = SecretStore(tmp_path, None, {}, load_keyring=lambda: keyring)
    assert store.load() is None and not store.uses_keyring
    store.save(ApiKey("sg_in_file"))
    assert (tmp_path / "api-key").read_text() == "sg_in_file"
    assert (tmp_path / "api-key").stat().st_mode & 0o777 == 0o600


def test_a_backend_error_is_named_without_the_secret_it_quoted(tmp_path: Path) -> None:
    keyring = helper(tmp_path, backend="LeakyKeyring")
    with pytest.raises(KeyringError) as failure:
        keyring.set_password(*WHERE, "sg_quoted_secret")
    assert "PasswordSetError" in str(failure.value)
    assert "sg_quoted_secret" not in str(failure.value)


def test_a_hanging_keyring_is_given_up_on(tmp_path: Path) -> None:
    keyring = helper(tmp_path, backend="HangingKeyring", timeout=3)
    with pytest.raises(KeyringError, match="did not answer within 3 s"):
        keyring.get_password(*WHERE)


def test_a_helper_that_cannot_start_is_a_keyring_error(tmp_path: Path) -> None:
    keyring = KeyringProcess(command=[str(tmp_path / "missing")])
    with pytest.raises(KeyringError, match="could not start"):
        keyring.get_password(*WHERE)
    garbage = KeyringProcess(command=[sys.executable, "-c", "print('not json')"])
    with pytest.raises(KeyringError, match="failed"):
        garbage.get_password(*WHERE)
