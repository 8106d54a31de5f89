"""Starting and stopping. The system keyring is read after the window shows, on a daemon
thread: finding the keyring's backend may wait on D-Bus, and a locked keyring waits for
the user, so the window says so when it takes long. The log file opens before the
window is built, so a start that fails is logged."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from scribble_studio.domain.job_state import JobState
from scribble_studio.main import KEYRING_SLOW, build_window, start
from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME
from scribble_studio.services.logs import LOG_NAME
from tests.asyncqt import run, until
from tests.fakes.keyring import MemoryKeyring
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.ui.conftest import quick_polls
from tests.ui.test_app_flows import draw, fill

REPO = Path(__file__).resolve().parents[2]


def test_a_job_queued_while_the_keyring_is_read_goes_out_once_the_key_is_there(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path,
        fake_api: FakeSegmind) -> None:
    keyring = MemoryKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = API_KEY
    unlocked = threading.Event()

    def find() -> MemoryKeyring:
        unlocked.wait(10)  # the user is typing the keyring's password
        return keyring

    win = build_window(isolated_environment, {"SCRIBBLE_STUDIO_API_BASE": fake_api.base_url,
                        "SCRIBBLE_STUDIO_HISTORY_BASE": fake_api.history_base},
                       None, find, backend_factory=quick_polls)
    qtbot.addWidget(win)
    win.show()
    fill(win)
    draw(win)

    async def scenario() -> None:
        start(win)
        assert "No API key" not in win.status.connection.text()
        win.request_generate()
        assert not win.banner.isVisible()  # no "add a key" while it is being read
        await until(lambda: win.session.jobs[0].state is JobState.WAITING)
        assert win.isVisible() and win.studio.settings.api_key() is None
        unlocked.set()
        await until(lambda: win.studio.settings.api_key() is not None, what="the key")
        await until(lambda: win.session.jobs[0].state is JobState.DONE, timeout=20)

    try:
        run(aloop, scenario(), timeout=40)
    finally:
        unlocked.set()
        win.studio.runner.shutdown()
    assert fake_api.billed == 1


def test_settings_opened_while_the_keyring_is_read_never_delete_the_key(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    keyring = MemoryKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = "sg_stored"
    unlocked = threading.Event()

    def find() -> MemoryKeyring:
        unlocked.wait(10)  # the keyring asks for its password
        return keyring

    win = build_window(isolated_environment, {"SCRIBBLE_STUDIO_API_BASE":
                                              "http://127.0.0.1:9/v1"}, None, find)
    qtbot.addWidget(win)
    settings = win.studio.settings

    async def scenario() -> None:
        settings.load_key()
        win.open_settings()
        dialog = win.settings_dialog
        assert dialog is not None
        assert dialog.key.text() == "" and "Reading" in dialog.key_note.text()
        unlocked.set()
        await until(lambda: settings.api_key() is not None, what="the key")
        assert dialog.key.text() == "sg_stored" and "keyring" in dialog.key_note.text()
        dialog.concurrency.setValue(3)
        dialog.accept()  # the key field was not touched: the stored key stays

    try:
        run(aloop, scenario())
    finally:
        unlocked.set()
        win.studio.runner.shutdown(wait=True)
    key = settings.api_key()
    assert key is not None and key.reveal() == "sg_stored"
    assert keyring.stored == {(KEYRING_SERVICE, KEYRING_USERNAME): "sg_stored"}


def probe(mode: str, home: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join((str(REPO), str(REPO / "app"))), **extra}
    env.pop("SEGMIND_API_KEY", None)
    return subprocess.run([sys.executable, "-m", "tests.ui.start_probe", mode, str(home)],
                          env=env, cwd=REPO, text=True, capture_output=True, timeout=60,
                          check=True)


def test_the_real_start_reads_the_system_keyring_after_the_window_shows(
        tmp_path: Path) -> None:
    # The keyring module itself, with a real backend chosen as a user's is.
    store = tmp_path / "keyring.json"
    store.write_text(json.dumps({f"{KEYRING_SERVICE}/{KEYRING_USERNAME}": "sg_from_keyring"}))
    out = probe("keyring", tmp_path / "home", FAKE_KEYRING_FILE=str(store),
                PYTHON_KEYRING_BACKEND="tests.fakes.keyring_backend.FileKeyring").stdout
    assert out.split("\n")[:2] == ["built: key pending True, window visible False",
                                    "key: sg_from_keyring, window visible: True"]


def test_a_slow_keyring_is_said_and_the_window_keeps_working(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    keyring = MemoryKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = "sg_at_last"
    unlocked = threading.Event()

    def find() -> MemoryKeyring:
        unlocked.wait(10)  # the keyring waits for its password
        return keyring

    win = build_window(isolated_environment, {"SCRIBBLE_STUDIO_API_BASE":
                                              "http://127.0.0.1:9/v1"}, None, find)
    qtbot.addWidget(win)
    win.show()
    settings = win.studio.settings
    settings.keyring_patience = 0.05  # seconds (3 in the app)
    prompt = win.generate.params.prompt

    async def scenario() -> None:
        start(win)
        assert not win.banner.has(KEYRING_SLOW)
        await until(lambda: win.banner.has(KEYRING_SLOW), what="the notice")
        assert win.banner.isVisible()
        prompt.setFocus()
        qtbot.keyClicks(prompt, "a fox")  # real key events, handled meanwhile
        assert prompt.toPlainText() == "a fox"
        assert settings.key_pending
        unlocked.set()
        await until(lambda: settings.api_key() is not None, what="the key")
        assert not win.banner.has(KEYRING_SLOW)

    try:
        run(aloop, scenario())
    finally:
        unlocked.set()
        win.studio.runner.shutdown(wait=True)


def test_a_start_that_fails_leaves_its_error_in_the_log_file(tmp_path: Path) -> None:
    # An address the key may not be sent to: the window is never built.
    home = tmp_path / "home"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO / "app"),
           "SCRIBBLE_STUDIO_HOME": str(home),
           "SCRIBBLE_STUDIO_API_BASE": "http://api.example.com/v1"}
    env.pop("SEGMIND_API_KEY", None)
    done = subprocess.run([sys.executable, "-m", "scribble_studio"], env=env, cwd=REPO,
                          text=True, capture_output=True, timeout=60, check=False)
    assert done.returncode == 2
    assert "plain http://" in done.stderr and "Traceback" not in done.stderr
    logged = (home / "logs" / LOG_NAME).read_text()
    assert "the start failed" in logged and "api.example.com" in logged


def test_closing_right_after_the_start_leaves_nothing_pending(tmp_path: Path) -> None:
    done = probe("close-early", tmp_path)
    assert done.stdout.split("\n")[:1] == ["closed"]
    assert "Task was destroyed" not in done.stderr and "Traceback" not in done.stderr


def test_the_app_is_made_with_fusion_whatever_the_desktop_prefers(tmp_path: Path) -> None:
    # Qt's own switch for the desktop's choice; the app's command-line option wins.
    done = probe("style", tmp_path, QT_STYLE_OVERRIDE="Windows")
    assert done.stdout.strip() == "fusion"


def test_the_http_stack_waits_for_a_key(tmp_path: Path) -> None:
    # ~10 MB and ~130 ms of imports that an app without a key cannot use; a job queued
    # without one is stored in the outbox all the same.
    out = probe("network", tmp_path).stdout.split("\n")
    assert out[0:2] == ["no key, a job waiting: httpx loaded False",
                        "a key: httpx loaded True"]


def test_the_history_is_opened_once_the_window_is_built(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    # Opening checks the whole database (it grows with the history): not before the
    # window shows, and not on the GUI thread.
    win = build_window(isolated_environment, {"SCRIBBLE_STUDIO_API_BASE":
                                              "http://127.0.0.1:9/v1"}, MemoryKeyring())
    qtbot.addWidget(win)
    database = isolated_environment / "history.sqlite3"
    assert not database.exists()

    async def scenario() -> None:
        start(win)  # hands the opening to a worker
        await until(database.exists, what="the history opened")

    try:
        run(aloop, scenario())
    finally:
        win.studio.runner.shutdown(wait=True)
