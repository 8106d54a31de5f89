"""The connection as the window shows it, from a real settings controller (its key) and
a real session over the scripted backend (what the API said): "no key" only when there
is none and none is still being read, what the API last said otherwise, and a new key
"unknown" until the API answers for it."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.connection_model import ConnectionModel
from scribble_studio.controllers.job import Connection
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.domain import errors
from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.secrets import SecretStore
from scribble_studio.services.settings_store import AppSettings, SettingsStore
from tests.asyncqt import run, until
from tests.fakes.keyring import MemoryKeyring
from tests.fakes.scripted_backend import ScriptedBackend
from tests.fakes.segmind_server import API_KEY


@pytest.fixture
def runner(qapp: object) -> Iterator[BackgroundRunner]:
    made = BackgroundRunner()
    yield made
    made.shutdown(wait=True)


def settings_with(tmp_path: Path, runner: BackgroundRunner, key: str | None = None,
                  keyring: MemoryKeyring | None = None) -> SettingsController:
    """The settings controller as the app builds it: the key from the environment, or
    (with ``keyring``) still to be read from the keyring."""
    environ = {"SEGMIND_API_KEY": key} if key else {}
    secrets = SecretStore(tmp_path, None, environ,
                          load_keyring=(lambda: keyring) if keyring is not None else None)
    return SettingsController(SettingsStore(tmp_path), secrets, runner)


def session_for(settings: SettingsController, backend: ScriptedBackend,
                tmp_path: Path) -> GenerationSession:
    return GenerationSession(lambda: AppSettings(concurrency=1), settings.api_key,
                             HistoryStore(tmp_path / "history"), probe_wait=(0.01, 0.05),
                             backend_factory=backend.factory)


def asked(aloop: asyncio.AbstractEventLoop, session: GenerationSession,
          backend: ScriptedBackend) -> None:
    """The session asks the credits endpoint once more, and the answer is in."""

    async def scenario() -> None:
        running = asyncio.all_tasks()
        session.refresh_credits()
        asking = asyncio.all_tasks() - running  # the call it started, and only that
        assert asking, "the session did not ask"
        await until(lambda: all(task.done() for task in asking), what="the answer")

    run(aloop, scenario())


def test_without_a_key_it_says_no_key_whatever_the_session_says(
        aloop: asyncio.AbstractEventLoop, tmp_path: Path, runner: BackgroundRunner) -> None:
    settings = settings_with(tmp_path, runner)
    session = session_for(settings, ScriptedBackend(), tmp_path)
    model = ConnectionModel(settings, session)
    assert model.state is Connection.NO_KEY and model.no_key
    session.connection_changed.emit(Connection.ONLINE.value)  # (as after an earlier key)
    assert model.state is Connection.NO_KEY


def test_a_key_typed_in_is_unknown_until_the_api_answers_for_it(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path,
        runner: BackgroundRunner) -> None:
    backend = ScriptedBackend()
    settings = settings_with(tmp_path, runner)
    session = session_for(settings, backend, tmp_path)
    model = ConnectionModel(settings, session)
    with qtbot.waitSignal(model.state_changed) as changed:
        settings.set_key(API_KEY)
    assert changed.args == [Connection.UNKNOWN] and not model.no_key
    asked(aloop, session, backend)
    assert model.state is Connection.ONLINE


def test_a_key_still_being_read_from_the_keyring_is_not_no_key(
        qtbot: QtBot, tmp_path: Path, runner: BackgroundRunner) -> None:
    keyring = MemoryKeyring()  # nothing stored: the read finds no key
    settings = settings_with(tmp_path, runner, keyring=keyring)
    session = session_for(settings, ScriptedBackend(), tmp_path)
    model = ConnectionModel(settings, session)
    assert settings.key_pending and model.state is Connection.UNKNOWN
    with qtbot.waitSignal(model.state_changed, timeout=5000) as changed:
        settings.load_key()
    assert changed.args == [Connection.NO_KEY] and model.no_key


def test_a_key_found_in_the_keyring_stays_unknown_until_the_api_answers(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, tmp_path: Path,
        runner: BackgroundRunner) -> None:
    keyring = MemoryKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = API_KEY
    backend = ScriptedBackend()
    settings = settings_with(tmp_path, runner, keyring=keyring)
    session = session_for(settings, backend, tmp_path)
    model = ConnectionModel(settings, session)
    with qtbot.waitSignal(settings.key_changed, timeout=5000):
        settings.load_key()
    assert model.state is Connection.UNKNOWN
    asked(aloop, session, backend)
    assert model.state is Connection.ONLINE


def test_a_rejected_key_and_an_unreachable_api_are_shown(
        aloop: asyncio.AbstractEventLoop, tmp_path: Path, runner: BackgroundRunner) -> None:
    backend = ScriptedBackend()
    settings = settings_with(tmp_path, runner, key=API_KEY)
    session = session_for(settings, backend, tmp_path)
    model = ConnectionModel(settings, session)
    rejected = errors.AuthenticationFailed("API key is invalid.")
    rejected.credits = 12.5  # an answer with the balance in its header: still rejected
    backend.credits_error = rejected
    asked(aloop, session, backend)
    assert model.state is Connection.KEY_REJECTED and session.credits == 12.5
    backend.credits_error, backend.online = None, False
    asked(aloop, session, backend)
    assert model.state is Connection.OFFLINE
    backend.online = True
    asked(aloop, session, backend)
    assert model.state is Connection.ONLINE


def test_a_second_rejected_key_is_shown_rejected_again(
        aloop: asyncio.AbstractEventLoop, tmp_path: Path, runner: BackgroundRunner) -> None:
    # The session's own state stays "key rejected" (it says nothing), the report tells.
    backend = ScriptedBackend()
    settings = settings_with(tmp_path, runner, key=API_KEY)
    session = session_for(settings, backend, tmp_path)
    model = ConnectionModel(settings, session)
    backend.credits_error = errors.AuthenticationFailed("API key is invalid.")
    asked(aloop, session, backend)
    settings.set_key("sg_another_wrong_key")
    assert model.state is Connection.UNKNOWN
    asked(aloop, session, backend)
    assert model.state is Connection.KEY_REJECTED


def test_a_second_working_key_is_shown_online_again(
        aloop: asyncio.AbstractEventLoop, tmp_path: Path, runner: BackgroundRunner) -> None:
    # The same for a key that works after one that worked: the session was online and
    # stays online (so it says nothing); the answer for the new key is what counts.
    backend = ScriptedBackend()
    settings = settings_with(tmp_path, runner, key=API_KEY)
    session = session_for(settings, backend, tmp_path)
    model = ConnectionModel(settings, session)
    asked(aloop, session, backend)
    assert model.state is Connection.ONLINE
    settings.set_key("sg_another_good_key")
    assert model.state is Connection.UNKNOWN
    asked(aloop, session, backend)
    assert model.state is Connection.ONLINE


def test_removing_the_key_says_no_key(aloop: asyncio.AbstractEventLoop, tmp_path: Path,
                                      runner: BackgroundRunner) -> None:
    backend = ScriptedBackend()
    settings = settings_with(tmp_path, runner)
    settings.set_key(API_KEY)
    session = session_for(settings, backend, tmp_path)
    model = ConnectionModel(settings, session)
    asked(aloop, session, backend)
    assert model.state is Connection.ONLINE
    settings.set_key("")
    assert model.state is Connection.NO_KEY and model.no_key
