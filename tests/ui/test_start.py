"""Starting and stopping. The system keyring is read after the window shows, on a thread
of its own that runs the keyring helper process: finding the keyring's backend takes
100–200 ms, and a locked keyring waits for the user."""

from __future__ import annotations

import asyncio
import json
import linecache
import os
import subprocess
import sys
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from scribble_studio.domain.job_state import JobState
from scribble_studio.main import build_window, start
from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME
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
        unlocked.set()
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
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO), **extra}
    env.pop("SEGMIND_API_KEY", None)
    return subprocess.run([sys.executable, "-m", "tests.ui.start_probe", mode, str(home)],
                          env=env, cwd=REPO, text=True, capture_output=True, timeout=60,
                          check=True)


def test_the_real_start_leaves_pillow_until_the_first_frame_and_keyring_to_a_helper(
        tmp_path: Path) -> None:
    store = tmp_path / "keyring.json"
    store.write_text(json.dumps({f"{KEYRING_SERVICE}/{KEYRING_USERNAME}": "sg_from_helper"}))
    out = probe("loaded", tmp_path / "home", FAKE_KEYRING_FILE=str(store),
                PYTHON_KEYRING_BACKEND="tests.fakes.keyring_backend.FileKeyring").stdout
    # Nothing after the build, nothing while the first frame paints, then Pillow; the
    # key arrives, and keyring (with its cryptography bindings) never loads in the app.
    assert out.split("\n")[:5] == ["[]", "[]", "['PIL']", "key: sg_from_helper",
                                    "collecting garbage: True, start-up objects frozen: True"]


def test_closing_right_after_the_start_leaves_nothing_pending(tmp_path: Path) -> None:
    done = probe("close-early", tmp_path)
    assert done.stdout.split("\n")[:2] == ["[]", "closed"]
    assert "Task was destroyed" not in done.stderr and "Traceback" not in done.stderr


def test_the_app_is_made_with_fusion_whatever_the_desktop_prefers(tmp_path: Path) -> None:
    # Qt's own switch for the desktop's choice; the app's command-line option wins.
    done = probe("style", tmp_path, QT_STYLE_OVERRIDE="Windows")
    assert done.stdout.strip() == "fusion"


def test_the_start_drops_the_module_sources_pysides_import_hook_kept(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    win = build_window(isolated_environment, {"SCRIBBLE_STUDIO_API_BASE":
                                              "http://127.0.0.1:9/v1"}, MemoryKeyring())
    qtbot.addWidget(win)
    assert linecache.getlines(__file__)  # as PySide's hook does for each module
    assert __file__ in linecache.cache

    async def scenario() -> None:
        start(win)
        assert __file__ not in linecache.cache

    try:
        run(aloop, scenario())
    finally:
        win.studio.runner.shutdown(wait=True)


def test_the_http_stack_waits_for_a_key(tmp_path: Path) -> None:
    # ~10 MB and ~130 ms of imports that an app without a key cannot use; a job queued
    # without one is stored in the outbox all the same.
    out = probe("network", tmp_path).stdout.split("\n")
    assert out[1:3] == ["no key, a job waiting: httpx loaded False",
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
