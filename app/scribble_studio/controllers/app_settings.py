"""Observable settings and the API key, persisted through the services."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import logging
import ssl
import threading
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.notices import Notices
from scribble_studio.domain.errors import StudioError
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.secrets import SecretStore
from scribble_studio.services.settings_store import AppSettings, SettingsStore

log = logging.getLogger(__name__)


class SettingsController(QObject):
    changed = Signal()
    key_changed = Signal()
    tested = Signal(bool, str)   # connection test: ok, what to tell the user
    keyring_slow = Signal()      # the keyring has not answered within keyring_patience
    _key_loaded = Signal(object)  # from the key-loading thread: ApiKey | None

    def __init__(self, store: SettingsStore, secrets: SecretStore, runner: BackgroundRunner,
                 parent: QObject | None = None, notices: Notices | None = None) -> None:
        super().__init__(parent)
        self.store, self.secrets, self.runner = store, secrets, runner
        self.notices = notices or Notices(self)  # where its errors go (the app's one)
        self.settings = store.load()
        # What the window should say once it shows: a damaged settings file, a key that
        # cannot be used (each a StudioError; the app starts in any case).
        self.startup_problems: list[StudioError] = [] if store.problem is None \
            else [store.problem]
        # Without a key in the environment, reading the system keyring may wait on D-Bus
        # or on the user unlocking it: that happens in load_key(), off the start.
        self.key_pending = secrets.pending
        self.key: ApiKey | None = None
        # Seconds the keyring may take before the window says it is still being read.
        self.keyring_patience = 3.0
        if not self.key_pending:
            try:
                self.key = secrets.load()
            except StudioError as exc:  # e.g. a character no HTTP header can carry
                self.startup_problems.append(exc)
        self._key_loaded.connect(self._on_key_loaded)
        # From the environment (API and history base URLs): used, never saved.
        self.overrides: dict[str, Any] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._reading: threading.Thread | None = None  # the keyring read, once started

    def current(self) -> AppSettings:
        return dataclasses.replace(self.settings, **self.overrides) if self.overrides \
            else self.settings

    def override(self, **values: Any) -> None:
        """Use these settings for this run only (SCRIBBLE_STUDIO_API_BASE and
        SCRIBBLE_STUDIO_HISTORY_BASE); raises StudioError if one is unusable."""
        dataclasses.replace(self.settings, **{**self.overrides, **values}).client_settings()
        self.overrides.update(values)

    def api_key(self) -> ApiKey | None:
        return self.key

    def load_key(self) -> None:
        """Read the key from the system keyring on a thread of its own (a locked keyring
        may wait for the user, which must hold up neither the window nor other work);
        ``key_changed`` follows, and ``keyring_slow`` first if it takes longer than
        ``keyring_patience``. A daemon thread: a pending unlock never blocks quitting."""
        if not self.key_pending:
            return
        QTimer.singleShot(round(self.keyring_patience * 1000), self,
                          lambda: self.keyring_slow.emit() if self.key_pending else None)

        def read() -> None:
            try:
                key = self.secrets.load()
            except StudioError as exc:  # a stored key that cannot be used: say so
                key = None
                with contextlib.suppress(RuntimeError):
                    self.notices.report(exc)
            except Exception as exc:  # a broken backend: no key, as with no keyring
                log.warning("reading the key failed: %s", type(exc).__name__)
                key = None
            with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                self._key_loaded.emit(key)

        self._reading = threading.Thread(target=read, name="studio-keyring", daemon=True)
        self._reading.start()

    def _on_key_loaded(self, key: ApiKey | None) -> None:
        if not self.key_pending:  # the user typed a key meanwhile: that one counts
            return
        self.key_pending = False
        self.key = key
        self.key_changed.emit()

    def redact(self, text: str) -> str:
        """``text`` without the current key (for the log file's filter)."""
        return self.key.redact(text) if self.key is not None else text

    def update(self, **changes: Any) -> None:
        """Apply and save; raises StudioError (nothing changes) if a value is unusable."""
        for name, value in list(self.overrides.items()):
            if changes.get(name, value) != value:
                del self.overrides[name]  # the user chose another address: that one counts
            else:
                changes.pop(name, None)  # an override is never written to the file
        candidate = dataclasses.replace(self.settings, **changes)
        candidate.client_settings()
        self.settings = candidate
        self._save()
        self.changed.emit()

    def _save(self) -> concurrent.futures.Future[None]:
        snapshot = self.settings
        return self.runner.run(lambda: self.store.save(snapshot), lambda _: None,
                               self._on_save_failed)

    def _on_save_failed(self, error: StudioError) -> None:
        self.notices.report(error)

    def set_key(self, text: str) -> None:
        try:
            key = ApiKey(text) if text.strip() else None
        except StudioError as exc:  # a character no HTTP header can carry
            self.notices.report(exc)
            return
        self.key = key
        self.key_pending = False
        if self._reading is not None and self._reading.is_alive():
            # The save waits for the keyring the read is still waiting on: on a daemon
            # thread too, so a keyring that never answers never holds up quitting.
            threading.Thread(target=self._save_key, args=(key,), name="studio-keyring-save",
                             daemon=True).start()
        else:
            self.runner.run(lambda: self.secrets.save(key), lambda _: None,
                            self._on_save_failed)
        self.key_changed.emit()

    def _save_key(self, key: ApiKey | None) -> None:
        try:
            self.secrets.save(key)
        except StudioError as exc:
            error = exc
        except Exception as exc:
            log.error("storing the key failed: %s", type(exc).__name__)
            error = StudioError("The key could not be stored; the details are in the log "
                                "file.")
        else:
            return
        with contextlib.suppress(RuntimeError):  # the window closed meanwhile
            self.notices.report(error)

    def test_connection(self, api_base: str, key_text: str, connect_timeout: float) -> None:
        """Call the (free) credits endpoint with the values in the dialog."""

        async def probe() -> None:
            # Without a key the HTTP stack may not be loaded yet: its imports and the
            # TLS context are slow enough to freeze the dialog, so a worker makes them.
            tls = await asyncio.to_thread(_load_http)
            from scribble_studio.services.backends import create_backend
            from scribble_studio.services.backends.retry import RetryPolicy

            try:
                settings = ClientSettings(api_base, connect_timeout, 30.0)
                key = ApiKey(key_text) if key_text.strip() else None
                if key is None:
                    raise StudioError("No API key is set.", "Paste your Segmind API key.")
                backend = create_backend(key, settings, tls=tls, retry=RetryPolicy(attempts=1))
                try:
                    balance = await backend.credits()
                finally:
                    await backend.aclose()
            except StudioError as exc:
                self.tested.emit(False, f"{exc.message} {exc.action}")
                return
            self.tested.emit(True, f"Connected. Credits: {balance.credits:g}.")

        task = asyncio.ensure_future(probe())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


def _load_http() -> ssl.SSLContext:
    from scribble_studio.services.backends.transport import tls_context

    return tls_context()
