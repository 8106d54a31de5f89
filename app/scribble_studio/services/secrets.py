"""Storing the API key: the OS keyring, or where there is none, a file only the user
can read. The key is never written anywhere else."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, Protocol

from scribble_studio.services.config import (
    ENV_API_KEY,
    KEYRING_SERVICE,
    KEYRING_USERNAME,
    ApiKey,
    KeyringLike,
    load_api_key,
)

KEY_FILE: Final = "api-key"
log = logging.getLogger(__name__)


class KeyringModule(KeyringLike, Protocol):
    def set_password(self, service_name: str, username: str, password: str) -> None: ...

    def delete_password(self, service_name: str, username: str) -> None: ...

    def get_keyring(self) -> object: ...


class SecretStore:
    """Where the key lives. ``keyring`` is the keyring module (or a stand-in with its
    shape); ``None`` or a backend of priority below 1 (the null and fail backends)
    means "no keyring": the key then goes to ``<data folder>/api-key``, mode 0600.

    With ``load_keyring`` (the app passes :func:`system_keyring`) the keyring is found
    only when first needed: finding its backend may wait on D-Bus or on the user
    unlocking it, which the app does on a daemon thread after its window shows."""

    def __init__(self, folder: Path, keyring: KeyringModule | None,
                 environ: Mapping[str, str], *,
                 load_keyring: Callable[[], KeyringModule | None] | None = None) -> None:
        self.file = folder / KEY_FILE
        self._environ = environ
        self._lock = threading.Lock()
        self._load_keyring = load_keyring
        self._keyring: KeyringModule | None = None
        if load_keyring is None and keyring is not None and _usable(keyring):
            self._keyring = keyring

    @property
    def pending(self) -> bool:
        """True while loading the key would first have to find the system keyring."""
        return self._load_keyring is not None and not self.from_environment

    def _backend(self) -> KeyringModule | None:
        with self._lock:
            if self._load_keyring is not None:
                found = self._load_keyring()
                self._keyring = found if found is not None and _usable(found) else None
                self._load_keyring = None
            return self._keyring

    @property
    def uses_keyring(self) -> bool:
        return self._backend() is not None

    @property
    def from_environment(self) -> bool:
        return bool(self._environ.get(ENV_API_KEY, "").strip())

    def describe(self) -> str:
        if self.from_environment:
            return f"The key comes from {ENV_API_KEY}; it overrides the stored one."
        if self._load_keyring is not None:  # being read: never wait for it here (GUI)
            return "Reading the system keyring…"
        if self._backend() is not None:
            return "The key is stored in your system keyring."
        return (f"No system keyring was found: the key is stored in {self.file}, "
                "readable only by you.")

    def load(self) -> ApiKey | None:
        if self.from_environment:
            return load_api_key(self._environ, None)
        backend = self._backend()
        key = load_api_key(self._environ, backend)
        if key is not None or backend is not None:
            return key
        try:
            text = self.file.read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return ApiKey(text) if text else None

    def save(self, key: ApiKey | None) -> None:
        """Store (or with ``None``, forget) the key. Raises OSError if the file fallback
        cannot be written."""
        backend = self._backend()
        if backend is not None:
            try:
                if key is None:
                    backend.delete_password(KEYRING_SERVICE, KEYRING_USERNAME)
                else:
                    backend.set_password(KEYRING_SERVICE, KEYRING_USERNAME, key.reveal())
                return
            except Exception as exc:  # the backend went away: fall back to the file
                log.warning("keyring failed (%s); using the key file", type(exc).__name__)
                self._keyring = None
        if key is None:
            self.file.unlink(missing_ok=True)
            return
        self.file.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(key.reveal())


def system_keyring() -> KeyringModule | None:
    """The ``keyring`` module, or ``None`` if it cannot even be imported (a broken
    install must not stop the app or the CLI: the key then lives in the file)."""
    try:
        import keyring
    except Exception:
        return None
    return keyring


def _usable(keyring: KeyringModule) -> bool:
    try:
        priority = getattr(keyring.get_keyring(), "priority", 0)
        return float(priority) >= 1
    except Exception:
        return False
