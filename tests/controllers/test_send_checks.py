"""The send checks controller: the sketch's checks at once, the history's on the runner,
over a real history with a result the HTTP fake made."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pytestqt.qtbot import QtBot

from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.send_checks import CheckedJob, SendChecks
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.domain.scribble_checks import NEARLY_EMPTY, SAME_AS_RESULT
from scribble_studio.services.history import HistoryStore
from scribble_studio.services.settings_store import AppSettings
from tests.fakes.segmind_server import FakeSegmind
from tests.fakes.sketches import dot_sketch, drawn_sketch
from tests.services.test_same_result import PARAMS, finished


def checked_async(qtbot: QtBot, checks: SendChecks, *job: object) -> CheckedJob:
    answers: list[CheckedJob] = []
    with qtbot.waitSignal(checks.checked):
        checks.check_async(*job, answers.append)  # type: ignore[arg-type]
    (answer,) = answers
    return answer


def test_the_sync_check_is_the_sketchs_own(qtbot: QtBot, tmp_path: Path) -> None:
    runner = BackgroundRunner()
    checks = SendChecks(HistoryStore(tmp_path), runner, AppSettings)
    try:
        assert checks.check(drawn_sketch(), PARAMS).ok
        dot = checks.check(dot_sketch(), PARAMS)
        assert [p.code for p in dot.problems] == [NEARLY_EMPTY]
        assert dot.sketch is not None and dot.params == PARAMS and dot.same_as is None
        assert checks.may_repeat(PARAMS)
        assert not checks.may_repeat(dataclasses.replace(PARAMS, seed=None))
    finally:
        runner.shutdown()


def test_the_async_check_finds_a_repeat_of_the_exact_bytes_sent(
        qtbot: QtBot, tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    # A result made from the inverted map (the app's "send white on black" setting).
    gen_id = finished(store, fake_api, png=export_scribble(drawn_sketch(), invert=True).png)
    settings = AppSettings(invert=True)
    runner = BackgroundRunner()
    checks = SendChecks(store, runner, lambda: settings)
    try:
        answer = checked_async(qtbot, checks, drawn_sketch(), PARAMS)
        assert [p.code for p in answer.problems] == [SAME_AS_RESULT]
        assert answer.same_as is not None and answer.same_as.id == gen_id
        assert f"#{gen_id}" in answer.message
        # Sent the other way round, the model would see another map: a new job.
        settings = AppSettings(invert=False)
        assert checked_async(qtbot, checks, drawn_sketch(), PARAMS).ok
        settings = AppSettings(invert=True)
        assert checked_async(qtbot, checks, drawn_sketch(), dataclasses.replace(
            PARAMS, seed=None)).ok  # a random seed never repeats
        # A repeat and a problem of the sketch are named together, the repeat first.
        finished(store, fake_api, png=export_scribble(dot_sketch(), invert=True).png)
        answer = checked_async(qtbot, checks, dot_sketch(), PARAMS)
        assert [p.code for p in answer.problems] == [SAME_AS_RESULT, NEARLY_EMPTY]
    finally:
        runner.shutdown()


def test_a_history_that_cannot_be_read_leaves_the_sketchs_own_checks(
        qtbot: QtBot, tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    store.open()
    store.close()  # every read now fails (a closed database)
    runner = BackgroundRunner()
    checks = SendChecks(store, runner, AppSettings)
    try:
        assert checked_async(qtbot, checks, drawn_sketch(), PARAMS).ok
        answer = checked_async(qtbot, checks, dot_sketch(), PARAMS)
        assert [p.code for p in answer.problems] == [NEARLY_EMPTY]
    finally:
        runner.shutdown()
