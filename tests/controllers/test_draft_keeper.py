"""The draft keeper keeps the parameters model with the sketch: an edit of the
parameters schedules an autosave, and opening a draft puts its parameters back into the
model (the panel follows the model)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QSize
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.draft_keeper import DraftKeeper
from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.domain.params import SEED_MAX, GenerationParams
from scribble_studio.services.drafts import DraftStore


@pytest.fixture
def runner() -> Iterator[BackgroundRunner]:
    runner = BackgroundRunner()
    yield runner
    runner.shutdown(wait=True)


def keeper(folder: Path, runner: BackgroundRunner,
           delay_ms: int = 60_000) -> tuple[DraftKeeper, ParametersModel]:
    """By default with a long delay: the test saves when it says so."""
    document = CanvasDocument(QSize(256, 256))
    params = ParametersModel()
    return DraftKeeper(DraftStore(folder), document, runner, params, delay_ms=delay_ms), params


def test_an_opened_draft_restores_into_the_parameters_model(
        qtbot: QtBot, tmp_path: Path, runner: BackgroundRunner) -> None:
    first, params = keeper(tmp_path, runner)
    wanted = GenerationParams(prompt="a windmill", negative_prompt="people",
                              scheduler="Euler", steps=42, guidance=8.25, strength=0.7,
                              samples=2, seed=SEED_MAX, model="sdxl-scribble")
    params.set_params(wanted)
    first.document.begin_stroke(QPointF(10, 10), 4.0)
    first.document.extend_stroke(QPointF(40, 40), 4.0)
    first.document.end_stroke()
    with qtbot.waitSignal(first.saved):
        first.save_now()
    second, other = keeper(tmp_path, runner)
    assert other.params() != wanted
    with qtbot.waitSignal(second.restored):
        second.restore_last()
    assert other.params() == wanted
    assert second.draft_id == first.draft_id and second.document.has_ink()


def test_a_half_typed_seed_is_not_kept_and_an_edit_schedules_a_save(
        qtbot: QtBot, tmp_path: Path, runner: BackgroundRunner) -> None:
    drafts, params = keeper(tmp_path, runner, delay_ms=20)
    with qtbot.waitSignal(drafts.saved):  # the autosave, after edits of the parameters
        params.prompt = "a bridge"  # (each edit pushes the save back: one save of all)
        params.random_seed, params.seed_text = False, "12x"
    again, restored = keeper(tmp_path, runner)
    with qtbot.waitSignal(again.restored):
        again.restore_last()
    assert restored.prompt == "a bridge" and restored.random_seed  # (no seed kept)
    assert not again._timer.isActive()  # opening a draft is not an edit
