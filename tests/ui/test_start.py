"""Starting and stopping. The system keyring is read after the window shows, on a thread
of its own: importing keyring and finding its backend takes 100–200 ms, and a locked
keyring waits for the user."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from scribble_studio.controllers.session import JobState
from scribble_studio.main import build_window, start
from scribble_studio.services.config import KEYRING_SERVICE, KEYRING_USERNAME
from tests.asyncqt import run, until
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.services.test_secrets import FakeKeyring
from tests.ui.test_app_flows import draw, fill

REPO = Path(__file__).resolve().parents[2]


def test_a_job_queued_while_the_keyring_is_read_goes_out_once_the_key_is_there(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path,
        fake_api: FakeSegmind) -> None:
    keyring = FakeKeyring()
    keyring.stored[KEYRING_SERVICE, KEYRING_USERNAME] = API_KEY
    unlocked = threading.Event()

    def find() -> FakeKeyring:
        unlocked.wait(10)  # the user is typing the keyring's password
        return keyring

    win = build_window(isolated_environment, {"SCRIBBLE_STUDIO_API_BASE": fake_api.base_url},
                       None, find)
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


def test_the_real_start_leaves_the_keyring_and_pillow_until_the_first_frame(
        tmp_path: Path) -> None:
    probe = ("import asyncio, sys, qasync\n"
             "from scribble_studio import main\n"
             "def loaded():\n"
             "    return sorted({m.split('.')[0] for m in sys.modules} & {'keyring', 'PIL'})\n"
             "app = main.make_app(['probe'])\n"
             "window = main.open_window({'SCRIBBLE_STUDIO_HOME': sys.argv[1],\n"
             "                           'SCRIBBLE_STUDIO_API_BASE': 'http://127.0.0.1:9/v1'})\n"
             "print(loaded())\n"
             "from PySide6.QtCore import QEvent, QObject\n"
             "class Paint(QObject):\n"
             "    def eventFilter(self, watched, event):\n"
             "        if event.type() == QEvent.Type.Paint and not seen:\n"
             "            seen.append(loaded())\n"
             "        return False\n"
             "seen = []\n"
             "paint = Paint()\n"
             "window.installEventFilter(paint)\n"
             "loop = qasync.QEventLoop(app)\n"
             "asyncio.set_event_loop(loop)\n"
             "async def life():\n"
             "    running = asyncio.ensure_future(main.run_window(window, app))\n"
             "    for _ in range(100):\n"
             "        await asyncio.sleep(0.05)\n"
             "        if loaded() == ['PIL', 'keyring']:\n"
             "            break\n"
             "    print(seen[0])\n"
             "    print(loaded())\n"
             "    window.close()\n"
             "    await running\n"
             "with loop:\n"
             "    loop.run_until_complete(life())\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], env=env, text=True,
                         capture_output=True, timeout=60, check=True).stdout
    # Nothing before the build, nothing while the first frame paints, then both.
    assert out.split("\n")[:3] == ["[]", "[]", "['PIL', 'keyring']"]


def test_closing_right_after_the_start_leaves_nothing_pending(tmp_path: Path) -> None:
    probe = ("import asyncio, sys, qasync\n"
             "from scribble_studio import main\n"
             "app = main.make_app(['probe'])\n"
             "window = main.open_window({'SCRIBBLE_STUDIO_HOME': sys.argv[1],\n"
             "                           'SCRIBBLE_STUDIO_API_BASE': 'http://127.0.0.1:9/v1'})\n"
             "loop = qasync.QEventLoop(app)\n"
             "asyncio.set_event_loop(loop)\n"
             "async def life():\n"
             "    running = asyncio.ensure_future(main.run_window(window, app))\n"
             "    await asyncio.sleep(0)\n"
             "    window.close()\n"
             "    await running\n"
             "with loop:\n"
             "    loop.run_until_complete(life())\n"
             "print('closed')\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], env=env, text=True,
                          capture_output=True, timeout=60, check=True)
    assert done.stdout.strip() == "closed"
    assert "Task was destroyed" not in done.stderr and "Traceback" not in done.stderr
