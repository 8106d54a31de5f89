"""The parameter panel bound to its model, driven by real key events: the user's edits
reach the model, the model's values (reuse, a model change) reach the widgets, and what a
box cannot show exactly is not rounded back into the model."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.domain.models import SD15_SCRIBBLE, SDXL_SCRIBBLE, ModelCatalog
from scribble_studio.domain.params import SEED_MAX, GenerationParams
from scribble_studio.ui.generate_panel import GeneratePanel
from scribble_studio.ui.param_panel import INVALID_STYLE, ParamPanel

CTRL = Qt.KeyboardModifier.ControlModifier


def make_panel(qtbot: QtBot) -> tuple[ParametersModel, ParamPanel]:
    model = ParametersModel(ModelCatalog((SD15_SCRIBBLE, SDXL_SCRIBBLE)))
    panel = ParamPanel(model)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    return model, panel


def test_typing_into_the_boxes_updates_the_model(qtbot: QtBot) -> None:
    model, panel = make_panel(qtbot)
    panel.steps.setFocus()
    qtbot.keyClick(panel.steps, Qt.Key.Key_A, CTRL)
    qtbot.keyClicks(panel.steps, "45")
    assert model.steps == 45
    qtbot.keyClick(panel.steps, Qt.Key.Key_Up)
    assert model.steps == 46 and model.params().steps == 46
    qtbot.keyClicks(panel.prompt, "a lighthouse")
    qtbot.keyClicks(panel.negative, "fog")
    assert (model.params().prompt, model.params().negative_prompt) == ("a lighthouse", "fog")
    qtbot.mouseClick(panel.random_seed, Qt.MouseButton.LeftButton)
    assert not model.random_seed and panel.seed.isEnabled()
    qtbot.keyClicks(panel.seed, str(SEED_MAX))
    assert model.params().seed == SEED_MAX  # the whole 2^53−1 in the text box


def test_set_params_updates_the_widgets_with_the_models_ranges(qtbot: QtBot) -> None:
    model, panel = make_panel(qtbot)
    model.set_params(GenerationParams(prompt="a fox", negative_prompt="text",
                                      scheduler="Euler a", steps=55, guidance=11.5,
                                      strength=0.4, samples=3, seed=77,
                                      model="sdxl-scribble"))
    assert panel.model.currentData() == "sdxl-scribble"
    assert (panel.prompt.toPlainText(), panel.negative.toPlainText()) == ("a fox", "text")
    assert panel.scheduler.currentText() == "Euler a"
    assert (panel.steps.value(), panel.guidance.value(), panel.strength.value(),
            panel.samples.value()) == (55, 11.5, 0.4, 3)
    assert panel.seed.text() == "77" and not panel.random_seed.isChecked()
    assert (panel.strength.minimum(), panel.guidance.minimum()) == (0.0, 1.0)  # SDXL's
    assert panel.strength.accessibleName() == "ControlNet scale"
    # A model change in the combo, by keys: the boxes take SD 1.5's ranges.
    panel.model.setFocus()
    qtbot.keyClick(panel.model, Qt.Key.Key_Up)
    assert model.model == "sd15-scribble" and panel.strength.minimum() == 0.1
    assert panel.steps.value() == model.steps == 55  # changed by the user: kept


def test_a_value_the_box_cannot_show_exactly_is_not_rounded_back(qtbot: QtBot) -> None:
    model, panel = make_panel(qtbot)
    assert panel.guidance.decimals() == 2
    model.guidance = 7.123456
    assert panel.guidance.value() == 7.12  # shown as the box can
    assert model.guidance == 7.123456 and model.params().guidance == 7.123456
    panel.guidance.setFocus()
    qtbot.keyClick(panel.guidance, Qt.Key.Key_Up)  # the user's own step is the user's
    assert model.guidance == 7.62


def test_a_seed_that_is_not_a_number_is_marked_and_explained(qtbot: QtBot) -> None:
    model = ParametersModel()
    generate = GeneratePanel(model)
    qtbot.addWidget(generate)
    generate.show()
    qtbot.waitExposed(generate)
    panel = generate.params
    qtbot.keyClicks(panel.prompt, "a cat")
    qtbot.mouseClick(panel.random_seed, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.seed, "12x")
    assert panel.seed.styleSheet() == INVALID_STYLE and model.seed_text == "12x"
    generate.update_state(has_ink=True)
    assert not generate.button.isEnabled() and "seed" in generate.button.toolTip()
    qtbot.keyClick(panel.seed, Qt.Key.Key_Backspace)
    assert panel.seed.styleSheet() == "" and model.params().seed == 12
    generate.update_state(has_ink=True)
    assert generate.button.isEnabled()
    # Typing in the middle of the seed keeps the cursor where it is typed.
    panel.seed.setCursorPosition(1)
    qtbot.keyClicks(panel.seed, "3")
    assert panel.seed.text() == "132" and panel.seed.cursorPosition() == 2


def test_use_last_follows_the_models_last_seed(qtbot: QtBot) -> None:
    model, panel = make_panel(qtbot)
    assert not panel.last_seed.isEnabled()
    model.last_seed = 4242
    assert panel.last_seed.isEnabled() and "4242" in panel.last_seed.toolTip()
    qtbot.mouseClick(panel.last_seed, Qt.MouseButton.LeftButton)
    assert panel.seed.text() == "4242" and not panel.random_seed.isChecked()
    assert model.params().seed == 4242
