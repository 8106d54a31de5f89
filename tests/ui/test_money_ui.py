"""Models and money in the real window (offscreen, the fake on the qasync loop): the
model in the panel, the estimate on Generate, the budget's banner and its "Send anyway",
the banner of a retired model, the Budget section of Settings, the status bar."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from scribble_studio.domain.errors import NotEnoughCredits
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.models import SD15_SCRIBBLE, SDXL_SCRIBBLE
from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.main_window import MainWindow
from scribble_studio.ui.settings_dialog import SettingsDialog
from tests.asyncqt import run, until
from tests.fakes.segmind_server import FakeSegmind
from tests.ui.test_app_flows import draw, fill


def choose_model(win: MainWindow, model_id: str) -> None:
    combo = win.generate.params.model
    combo.setCurrentIndex(combo.findData(model_id))


def test_choosing_sdxl_applies_its_ranges_and_keeps_prompt_and_seed(
        app_window: MainWindow) -> None:
    panel = app_window.generate.params
    panel.prompt.setPlainText("a fox")
    panel.random_seed.setChecked(False)
    panel.seed.setText("42")
    panel.steps.setValue(45)
    choose_model(app_window, "sdxl-scribble")
    params = panel.params()
    assert (params.model, params.prompt, params.seed, params.steps) == (
        "sdxl-scribble", "a fox", 42, 45)
    # Left at SD 1.5's defaults: SDXL's own (steps were changed: they stay).
    assert (params.strength, params.guidance) == (0.9, 6.0)
    assert (panel.strength.minimum(), panel.strength.maximum()) == (0.0, 1.0)
    assert (panel.guidance.minimum(), panel.guidance.maximum()) == (1.0, 25.0)
    assert panel.strength.accessibleName() == "ControlNet scale"
    # Reusing an SD 1.5 job's parameters brings its model back.
    app_window.params.set_params(GenerationParams("old", seed=3, strength=0.2))
    assert panel.params().model == "sd15-scribble" and panel.strength.minimum() == 0.1


def test_generate_shows_the_estimate_and_sdxl_costs_more(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow) -> None:
    win = app_window
    draw(win)

    async def scenario() -> None:
        fill(win, samples=4)  # (as the user types, with the loop running)
        await until(lambda: "≈ $0.012 (4 images)" in win.generate.button.text())
        choose_model(win, "sdxl-scribble")
        await until(lambda: "≈ $0.048 (4 images)" in win.generate.button.text())
        assert win.generate.params.steps.value() == 30  # SDXL's default steps

    run(aloop, scenario())
    assert "≈ $0.048 (4 images)" in win.generate.button.toolTip()


def test_over_budget_a_job_is_not_sent_until_the_user_says_send_anyway(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    win.studio.settings.update(budget_day=0.002)  # below one SD 1.5 image (~$0.003)
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.banner.action_button.text() == "Send anyway"
                    and win.banner.isVisible())
        assert fake_api.submits == []
        assert "$0.002 left today" in win.banner.label.text()
        (job,) = win.session.jobs
        assert job.state is JobState.WAITING
        qtbot.mouseClick(win.banner.action_button, Qt.MouseButton.LeftButton)
        await until(lambda: job.state is JobState.DONE)

    run(aloop, scenario())
    assert len(fake_api.submits) == 1
    assert "Today: $0.25" in win.status.spend.text()


def test_a_retired_model_offers_the_other_one_in_the_banner(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fake_api.retired.add(SDXL_SCRIBBLE.slug)
    fill(win)
    choose_model(win, "sdxl-scribble")
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.banner.isVisible()
                    and win.banner.action_button.text() == f"Use {SD15_SCRIBBLE.title}")

    run(aloop, scenario())
    assert "retired SDXL ControlNet Scribble" in win.banner.label.text()
    qtbot.mouseClick(win.banner.action_button, Qt.MouseButton.LeftButton)
    assert win.generate.params.params().model == "sd15-scribble"
    assert win.generate.params.params().prompt == "a lighthouse at dusk"
    assert fake_api.billed == 0


def test_settings_has_a_budget_section_that_saves(app_window: MainWindow) -> None:
    dialog = SettingsDialog(app_window.studio.settings, app_window)
    assert dialog.budget_day.text() == "No limit"
    dialog.budget_day.setValue(1.5)
    dialog.budget_ask.setValue(0.05)
    dialog.accept()
    current = app_window.studio.settings.current()
    assert (current.budget_day, current.budget_month, current.budget_ask_above) == (
        1.5, None, 0.05)


def test_the_credits_message_names_the_balance_once_the_cost_and_the_account_page(
        app_window: MainWindow) -> None:
    error = NotEnoughCredits("Not enough credits.")
    error.credits = 0.001
    text = app_window.errors.credits_text(error)
    assert text.count("balance") == 1 and "$0.001" in text
    assert "https://" in text
    server_said = NotEnoughCredits("Not enough credits: your balance is 0.1, this request "
                                   "costs 0.25.")
    server_said.credits = 0.1
    text = app_window.errors.credits_text(server_said)
    assert text.lower().count("balance") == 1 and text.count("cost") == 1
