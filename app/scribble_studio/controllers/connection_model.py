"""The connection as the window shows it: one state, "no key" among the others.

Two facts make it: whether there is an API key (the settings) and what the API last said
(the session). Before, the status bar was told "no key" by the window at start and on a
key change, and the session's state otherwise; the first-run hint asked the settings on
its own. Now both read this model.

A new key starts as "unknown" until the API answers for it — also when it is rejected like
the key before it (the session's own state did not change then, so it did not say so).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from scribble_studio.controllers.job import Connection
from scribble_studio.controllers.properties import Property
from scribble_studio.domain.errors import AuthenticationFailed, Offline, StudioError

if TYPE_CHECKING:
    from scribble_studio.controllers.app_settings import SettingsController
    from scribble_studio.controllers.session import GenerationSession


class ConnectionModel(QObject):
    state_changed = Signal(object)  # Connection

    state = Property(Connection.UNKNOWN)

    def __init__(self, settings: SettingsController, session: GenerationSession,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._settings, self._session = settings, session
        settings.key_changed.connect(self._on_settings_key_changed)
        session.connection_changed.connect(self._on_session_connection_changed)
        session.reported.connect(self._on_session_reported)
        session.credits_changed.connect(self._on_session_credits_changed)
        self.state = self._derive(session.connection)

    @property
    def no_key(self) -> bool:
        """No key, and none still being read from the keyring."""
        return self.state is Connection.NO_KEY

    def _has_key(self) -> bool:
        # A key still being read counts as one: saying "no key" then would be wrong
        # for a moment on every start of a user who has one.
        return self._settings.api_key() is not None or self._settings.key_pending

    def _derive(self, said: Connection) -> Connection:
        return said if self._has_key() else Connection.NO_KEY

    def _on_settings_key_changed(self) -> None:
        # What the API said of the old key is not known of the new one.
        self.state = self._derive(Connection.UNKNOWN)

    def _on_session_connection_changed(self, state: str) -> None:
        self.state = self._derive(Connection(state))

    def _on_session_credits_changed(self, _credits: object) -> None:
        # Credits come with an answer of the API for the key in use. A new key that
        # works after one that worked leaves the session online, so it says nothing of
        # its state: the answer does. (On an error the session has taken the state the
        # error implies before it passes the error's credits on.)
        self.state = self._derive(self._session.connection)

    def _on_session_reported(self, error: StudioError, _job: object) -> None:
        # The session reports every error, also one that leaves its own state as it was
        # (a second rejected key): the state the error implies holds again.
        if isinstance(error, AuthenticationFailed):
            self.state = self._derive(Connection.KEY_REJECTED)
        elif isinstance(error, Offline):
            self.state = self._derive(Connection.OFFLINE)
