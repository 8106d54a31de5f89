"""Banners through the real window: each belongs to its cause and goes when that is
resolved, several stack in one line with a count, none moves the canvas, and a banner's
Retry retries its own job."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from scribble_studio.domain.errors import BadResponse, NotEnoughCredits
from scribble_studio.domain.job_state import JobState
from scribble_studio.main import build_window
from scribble_studio.ui.error_presenter import CREDITS, NO_KEY, OFFLINE, job_key
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.segmind_server import API_KEY
from tests.ui.conftest import LOOPBACK
from tests.ui.test_app_flows import draw, fill


@pytest.fixture
def scripted() -> ScriptedBackend:
    return ScriptedBackend()


@pytest.fixture
def scripted_window(qtbot: QtBot, isolated_environment: Path,
                    scripted: ScriptedBackend) -> Iterator[MainWindow]:
    """The real window with a key, its jobs played by the scripted backend."""
    win = build_window(isolated_environment, {**LOOPBACK, "SEGMIND_API_KEY": API_KEY}, None,
                       backend_factory=scripted.factory)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.studio.runner.shutdown()


def click(qtbot: QtBot, button: object) -> None:
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # type: ignore[arg-type]


def test_the_no_key_banner_goes_once_a_key_is_set(aloop: asyncio.AbstractEventLoop,
                                                 window: MainWindow) -> None:
    fill(window)
    draw(window)

    async def scenario() -> None:
        window.request_generate()
        assert window.banner.has(NO_KEY) and window.banner.isVisible()
        assert window.banner.action_button.text() == "Open Settings"
        window.studio.settings.set_key(API_KEY)  # as the Settings dialog does
        await until(lambda: not window.banner.has(NO_KEY), what="the no-key banner to go")

    run(aloop, scenario())
    assert not window.banner.isVisible()


def test_the_offline_banner_goes_when_the_api_is_back(aloop: asyncio.AbstractEventLoop,
                                                     scripted_window: MainWindow,
                                                     scripted: ScriptedBackend) -> None:
    win = scripted_window
    scripted.online = False
    scripted.script(Step.offline())
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.banner.has(OFFLINE), what="the offline banner")
        assert "Nothing was sent" in win.banner.label.text()
        assert win.banner.action_button.text() == "Send now"
        scripted.online = True  # the outbox's probe finds the API again and sends
        await until(lambda: win.session.jobs[0].state is JobState.DONE, timeout=20)

    run(aloop, scenario(), timeout=30)
    assert not win.banner.has(OFFLINE) and not win.banner.isVisible()


def test_two_conditions_stack_in_one_line_with_a_count_and_the_canvas_stays_put(
        aloop: asyncio.AbstractEventLoop, window: MainWindow, qtbot: QtBot,
        tmp_path: Path) -> None:
    win = window
    view_geometry, window_size = win.view.geometry(), win.size()
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()  # no key: the job waits
        win.files.open_path(tmp_path / "missing.png")
        await until(lambda: len(win.banner.problems) == 2, what="two messages")

    run(aloop, scenario())
    banner = win.banner
    assert banner.label.text().startswith("2 problems: ")
    assert banner.toggle.isVisible() and banner.toggle.text() == "▾"
    assert not banner.list.isVisible()
    assert win.view.geometry() == view_geometry and win.size() == window_size
    click(qtbot, banner.toggle)
    assert banner.list.isVisible() and len(banner.rows) == 2
    texts = [row.label.text() for row in banner.rows]
    assert any("missing.png" in text for text in texts)
    assert any("No API key is set" in text for text in texts)
    # Opened, the list covers the canvas; it does not push it down or grow the window.
    assert banner.geometry().top() == 0 and banner.height() > win.banner.label.height() * 2
    assert win.view.geometry() == view_geometry and win.size() == window_size
    no_key_row = next(row for row in banner.rows if row.problem.key == NO_KEY)
    assert [button.text() for button in no_key_row.buttons] == ["Open Settings"]
    click(qtbot, banner.close_button)  # dismisses all
    assert not banner.isVisible() and banner.problems == []
    assert win.view.geometry() == view_geometry and win.size() == window_size


def test_retry_on_a_banner_retries_that_banners_job(aloop: asyncio.AbstractEventLoop,
                                                  scripted_window: MainWindow,
                                                  scripted: ScriptedBackend,
                                                  qtbot: QtBot) -> None:
    win = scripted_window
    win.studio.settings.update(concurrency=1)  # the scripts are played in send order
    scripted.script(Step.submitted(), Step.failed("the first run failed"))
    scripted.script(Step.submitted(), Step.failed("the second run failed"))
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        win.request_generate()
        await until(lambda: len(win.session.jobs) == 2 and all(
            job.state is JobState.FAILED for job in win.session.jobs), what="two failures")
        await until(lambda: len(win.banner.problems) == 2)

    run(aloop, scenario())
    first, second = win.session.jobs
    assert first.params.seed != second.params.seed
    click(qtbot, win.banner.toggle)
    row = next(row for row in win.banner.rows if row.problem.key == job_key(first))
    assert first.error is not None and first.error.message in row.label.text()
    assert "the first run failed" in row.label.text()
    retry = next(button for button in row.buttons if button.text() == "Retry")

    async def retried() -> None:
        click(qtbot, retry)
        await until(lambda: len(scripted.runs) == 3 and win.session.jobs[-1].state
                    is JobState.DONE, what="the retry")

    run(aloop, retried())
    assert scripted.runs[-1].params is not None
    assert scripted.runs[-1].params.seed == first.params.seed
    # The retried job's banner went with the retry; the other job's went when a job
    # went through afterwards.
    assert not win.banner.has(job_key(first))
    assert not win.banner.has(job_key(second))


def test_a_later_job_succeeding_takes_an_earlier_failure_away(
        aloop: asyncio.AbstractEventLoop, scripted_window: MainWindow,
        scripted: ScriptedBackend) -> None:
    win = scripted_window
    gate = scripted.hold()
    scripted.script(Step.submitted(), Step.failed("the server had a 500 moment"))
    scripted.script(Step.submitted(), gate, Step.done())
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.session.jobs[0].state is JobState.FAILED)
        failed = job_key(win.session.jobs[0])
        await until(lambda: win.banner.has(failed))
        win.request_generate()
        await gate.reached.wait()
        assert win.banner.has(failed)  # still: the next job is only being sent
        gate.release()
        await until(lambda: not win.banner.has(failed), what="the failure to go")

    run(aloop, scenario())
    assert not win.banner.isVisible()


def test_an_outcome_unknown_banner_goes_when_the_job_is_discarded(
        aloop: asyncio.AbstractEventLoop, scripted_window: MainWindow,
        scripted: ScriptedBackend) -> None:
    win = scripted_window
    scripted.script(Step.in_doubt())
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.session.jobs[0].state is JobState.UNKNOWN)
        job = win.session.jobs[0]
        await until(lambda: win.banner.has(job_key(job)))
        win.jobs.discard_requested.emit(job)  # the row's Discard
        await until(lambda: not win.banner.has(job_key(job)))

    run(aloop, scenario())


def test_check_balance_shows_the_balance_in_the_message(
        aloop: asyncio.AbstractEventLoop, scripted_window: MainWindow,
        scripted: ScriptedBackend, qtbot: QtBot) -> None:
    win = scripted_window
    scripted.script(Step.raises(NotEnoughCredits("Insufficient credits.")))
    scripted.balance = 0.02
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.banner.has(CREDITS))
        assert win.banner.action_button.text() == "Check balance"
        click(qtbot, win.banner.action_button)
        assert win.banner.has(CREDITS)  # the message stays to show the answer
        await until(lambda: "Your balance is now $0.02" in win.banner.label.text())

    run(aloop, scenario())


def test_a_message_that_names_the_log_file_opens_its_folder(window: MainWindow) -> None:
    win = window
    win.errors.present(BadResponse("Segmind's answer was not an image."))
    assert win.banner.isVisible()
    texts = [win.banner.action_button.text(), win.banner.second_button.text()]
    assert texts == ["Check balance", "Open log folder"]
    win.banner.second_button.click()
    assert win.banner.isVisible()  # the message stays
    assert "logs" in win.status.currentMessage()
    help_menu = next(action.menu() for action in win.menuBar().actions()
                     if action.text() == "&Help")
    assert "Open &log folder" in [action.text() for action in help_menu.actions()]


def test_why_generate_is_off_goes_once_it_is_on(window: MainWindow) -> None:
    fill(window)
    window.request_generate()  # nothing drawn yet: the banner says why
    assert window.banner.has("generate") and window.banner.isVisible()
    draw(window)
    assert not window.banner.has("generate") and not window.banner.isVisible()


def test_an_outcome_unknown_banner_offers_send_again_and_goes_when_sent(
        aloop: asyncio.AbstractEventLoop, scripted_window: MainWindow,
        scripted: ScriptedBackend, qtbot: QtBot) -> None:
    win = scripted_window
    scripted.script(Step.in_doubt())
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.session.jobs[0].state is JobState.UNKNOWN)
        job = win.session.jobs[0]
        await until(lambda: win.banner.has(job_key(job)))
        texts = [win.banner.action_button.text(), win.banner.second_button.text()]
        assert texts == ["Check balance", "Send again"]
        click(qtbot, win.banner.second_button)  # the user's decision: it may be billed
        assert not win.banner.has(job_key(job))
        await until(lambda: job.state is JobState.DONE)

    run(aloop, scenario())
    assert len(scripted.runs) == 2 and scripted.runs[0].params == scripted.runs[1].params
