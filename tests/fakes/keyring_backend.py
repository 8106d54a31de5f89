"""Real keyring backends for the keyring helper's child process, chosen with
PYTHON_KEYRING_BACKEND (keyring's own switch):

- ``FileKeyring`` keeps passwords in the JSON file named by FAKE_KEYRING_FILE, and notes
  each call in that file's ``.calls`` neighbour;
- ``HangingKeyring`` never answers (a D-Bus call that hangs);
- ``LeakyKeyring`` fails with an error message that quotes the password it was given.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError, PasswordSetError


class FileKeyring(KeyringBackend):
    priority = 9  # type: ignore[assignment]

    @staticmethod
    def _file() -> Path:
        return Path(os.environ["FAKE_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        with self._file().with_suffix(".calls").open("a") as calls:
            calls.write(f"{os.getpid()}\n")
        try:
            return dict(json.loads(self._file().read_text()))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        stored = self._load()
        stored[f"{service}/{username}"] = password
        self._file().write_text(json.dumps(stored))

    def delete_password(self, service: str, username: str) -> None:
        stored = self._load()
        if stored.pop(f"{service}/{username}", None) is None:
            raise PasswordDeleteError("no such password")
        self._file().write_text(json.dumps(stored))


class HangingKeyring(FileKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        time.sleep(3600)
        return None


class LeakyKeyring(FileKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise PasswordSetError(f"could not store {password!r}")
