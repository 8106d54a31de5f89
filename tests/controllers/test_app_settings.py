from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME
from scribble_studio.services.secrets import SecretStore
from scribble_studio.services.settings_store import SettingsStore
from tests.fakes.keyring import MemoryKeyring

pytestmark = pytest.mark.usefixtures("qapp")


def test_the_environments_base_urls_are_used_but_never_saved(tmp_path: Path) -> None:
    runner = BackgroundRunner()
    controller = SettingsController(SettingsStore(tmp_path), SecretStore(tmp_path, None, {}),
                                    runner)
    controller.override(api_base="http://127.0.0.1:9/v1", history_base="http://127.0.0.1:8")
    controller.update(concurrency=3)
    runner.shutdown(wait=True)
    saved = json.loads((tmp_path / "settings.json").read_text())
    current = controller.current().client_settings()
    assert (current.api_base, current.history_base) == ("http://127.0.0.1:9/v1",
                                                        "http://127.0.0.1:8")
    assert saved["api_base"] == "https://api.segmind.com/v1" and saved["concurrency"] == 3
    assert saved["history_base"] == ""


def test_a_broken_settings_file_gives_defaults_and_is_kept_aside(tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("{not json")
    store = SettingsStore(tmp_path)
    settings = store.load()
    assert settings.concurrency == 2 and list(tmp_path.glob("settings.json.corrupt-*"))
    assert store.problem is not None and "kept as settings.json.corrupt-" in str(store.problem)


def test_the_keyring_is_read_on_a_thread_after_the_build(tmp_path: Path,
                                                        qtbot: QtBot) -> None:
    keyring = MemoryKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = "sg_stored"
    threads: list[str] = []

    def find() -> MemoryKeyring:
        threads.append(threading.current_thread().name)
        return keyring

    runner = BackgroundRunner()
    controller = SettingsController(
        SettingsStore(tmp_path), SecretStore(tmp_path, None, {}, load_keyring=find), runner)
    assert controller.key_pending and controller.api_key() is None and threads == []
    with qtbot.waitSignal(controller.key_changed, timeout=5000):
        controller.load_key()
    key = controller.api_key()
    assert key is not None and key.reveal() == "sg_stored" and not controller.key_pending
    assert threads == ["studio-keyring"]
    runner.shutdown(wait=True)


def test_a_key_typed_while_the_keyring_is_read_wins(tmp_path: Path, qtbot: QtBot) -> None:
    keyring = MemoryKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = "sg_old"
    release = threading.Event()

    def find() -> MemoryKeyring:
        release.wait(5)  # as a keyring waiting for the user to unlock it
        return keyring

    runner = BackgroundRunner()
    controller = SettingsController(
        SettingsStore(tmp_path), SecretStore(tmp_path, None, {}, load_keyring=find), runner)
    controller.load_key()
    with qtbot.waitSignal(controller.key_changed, timeout=1000):
        controller.set_key("sg_typed")
    changes: list[None] = []
    controller.key_changed.connect(lambda: changes.append(None))
    release.set()
    # The save waited for the keyring, then stored the key.
    qtbot.waitUntil(lambda: keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] == "sg_typed")
    runner.shutdown(wait=True)
    qtbot.wait(100)  # the loader's late answer is delivered, and ignored
    key = controller.api_key()
    assert key is not None and key.reveal() == "sg_typed" and changes == []


def test_a_key_typed_while_the_keyring_hangs_never_holds_up_quitting(
        tmp_path: Path, qtbot: QtBot) -> None:
    keyring = MemoryKeyring()
    answered = threading.Event()
    release = threading.Event()

    def find() -> MemoryKeyring:
        release.wait(30)  # a D-Bus call that does not come back
        answered.set()
        return keyring

    runner = BackgroundRunner()
    controller = SettingsController(
        SettingsStore(tmp_path), SecretStore(tmp_path, None, {}, load_keyring=find), runner)
    controller.load_key()
    controller.set_key("sg_typed")
    try:
        runner.shutdown(wait=True)  # as the app quits: no worker waits on the keyring
        assert not answered.is_set()
    finally:
        release.set()
    qtbot.waitUntil(lambda: keyring.stored.get((KEYRING_SERVICE, KEYRING_USERNAME))
                    == "sg_typed")  # once the keyring answers, the typed key is stored


def test_an_unusable_key_in_the_environment_is_a_startup_problem_not_a_crash(
        tmp_path: Path) -> None:
    (tmp_path / "settings.json").write_text("[]")
    runner = BackgroundRunner()
    secrets = SecretStore(tmp_path, None, {"SEGMIND_API_KEY": "sg_\u00e9t\u00e9"})
    controller = SettingsController(SettingsStore(tmp_path), secrets, runner)
    assert controller.api_key() is None
    kinds = [p.kind for p in controller.startup_problems]
    assert kinds == ["SettingsDamaged", "InvalidInput"]
    assert all("\u00e9t\u00e9" not in p.message for p in controller.startup_problems)
    runner.shutdown(wait=True)


def test_a_setting_overridden_again_takes_the_new_value(tmp_path: Path) -> None:
    controller = SettingsController(SettingsStore(tmp_path), SecretStore(tmp_path, None, {}),
                                    BackgroundRunner())
    controller.override(api_base="http://127.0.0.1:9/v1")
    controller.override(api_base="http://127.0.0.1:8/v1")
    assert controller.current().client_settings().api_base == "http://127.0.0.1:8/v1"
