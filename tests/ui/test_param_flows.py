"""Generate, reuse and "Use last" in the real window go through the parameters model: what
is sent is the model's value (not a box's rounded copy of it), and reuse writes the
model, which the panel then shows."""

from __future__ import annotations

import asyncio
import dataclasses

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.segmind_server import FakeSegmind
from tests.pointer import drag


def draw(win: MainWindow) -> None:
    centre = win.view.viewport().rect().center()
    drag(win.view.viewport(), [(centre.x() - 120, centre.y() - 60), (centre.x(), centre.y()),
                               (centre.x() + 100, centre.y() - 80)])


def test_generate_sends_the_models_values_and_notes_the_seed(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    panel = win.generate.params
    qtbot.keyClicks(panel.prompt, "a windmill")
    win.params.guidance = 7.125  # more decimals than the box shows
    assert panel.guidance.value() != 7.125
    win.params.random_seed, win.params.seed_text = False, "31337"
    draw(win)
    assert win.generate.button.isEnabled() and not panel.last_seed.isEnabled()

    async def scenario() -> None:
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: fake_api.submits, what="the job sent")

    run(aloop, scenario())
    (submitted,) = fake_api.submits
    assert submitted.body["guidance_scale"] == 7.125 and submitted.body["seed"] == 31337
    assert submitted.body["prompt"] == "a windmill"
    assert win.params.last_seed == 31337 and panel.last_seed.isEnabled()


def test_reuse_writes_the_model_and_the_panel_follows(window: MainWindow) -> None:
    panel = window.generate.params
    old = GenerationParams(prompt="an old harbour", negative_prompt="boats",
                           scheduler="Euler a", steps=64, guidance=12.345, strength=0.55,
                           samples=2, seed=2**40, model="sdxl-scribble")
    window.gallery.reuse(old)  # the gallery's "Reuse settings"
    assert window.params.params() == old  # exact, guidance's third decimal too
    assert panel.model.currentData() == "sdxl-scribble"
    assert (panel.prompt.toPlainText(), panel.steps.value(), panel.seed.text()) == (
        "an old harbour", 64, str(2**40))
    window.gallery.reuse(dataclasses.replace(old, seed=None, model="sd15-scribble"))
    assert panel.random_seed.isChecked() and not panel.seed.isEnabled()
    assert window.params.params().model == "sd15-scribble" and panel.strength.minimum() == 0.1


def test_an_invalid_seed_blocks_generate_and_says_why(qtbot: QtBot,
                                                      window: MainWindow) -> None:
    panel = window.generate.params
    qtbot.keyClicks(panel.prompt, "a kite")
    draw(window)
    qtbot.mouseClick(panel.random_seed, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.seed, "4x")
    assert not window.generate.button.isEnabled()
    assert "seed" in window.generate.button.toolTip() and panel.seed.styleSheet()
    qtbot.keyClick(panel.seed, Qt.Key.Key_Backspace)
    assert window.generate.button.isEnabled() and not panel.seed.styleSheet()
