"""Comparison and "more like this" in the real window (offscreen, the qasync loop, the
scripted backend, real SQLite): two Ctrl+clicked results side by side or split with what
differs listed; N new seeds of a result's sketch, estimated, sent through the session
and stopped by the budget like any job."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QPoint, QSize, Qt
from pytestqt.qtbot import QtBot

from scribble_studio.domain.job_state import JobState
from scribble_studio.ui.main_window import MainWindow
from scribble_studio.ui.result_viewer import fitted
from scribble_studio.ui.variations_dialog import VariationsDialog
from tests.asyncqt import run, until
from tests.ui import lineage_world
from tests.ui.gallery_helpers import rows as gallery_rows
from tests.ui.lineage_world import (
    RecordingBackend,
    ctrl_click,
    generate,
    menu_entry,
    stroke,
    two_generations,
)

# The world's fixtures, under the names the tests ask for.
backend, win = lineage_world.backend, lineage_world.win


def test_compare_two_ctrl_clicked_results_lists_what_differs(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot) -> None:
    first, second = two_generations(aloop, win, qtbot)
    assert not win.gallery.compare_button.isVisible() and not win.gallery.picked.isVisible()
    ctrl_click(win, first, 0)
    assert win.gallery.viewer is None  # a pick, not an open
    assert "1 of 2 picked" in win.gallery.picked.text()
    old_row = gallery_rows(win.gallery)[first]
    win.gallery.search.setText("lighthouse")  # a new search: the rows are made again

    async def searched() -> None:
        await until(lambda: gallery_rows(win.gallery).get(first) not in (None, old_row)
                    and win.gallery.picker.is_picked((gallery_rows(win.gallery)[first], 0)),
                    what="kept")

    run(aloop, searched())
    assert not win.gallery.compare_button.isEnabled()
    ctrl_click(win, second, 1)
    assert win.gallery.compare_button.isEnabled()
    qtbot.mouseClick(win.gallery.compare_button, Qt.MouseButton.LeftButton)

    async def compared() -> None:
        await until(lambda: win.gallery.compare_view is not None
                    and win.gallery.compare_view.table.rowCount() > 0, what="compare")

    run(aloop, compared())
    view = win.gallery.compare_view
    assert view is not None
    rows = {label: (left, right) for label, left, right in view.differences()}
    assert rows["Sketch"] == (f"of generation {first}", f"of generation {second}")
    assert rows["Steps"] == ("20", "30")
    assert "Seed" in rows and "Prompt" not in rows and "Images" not in rows
    left, right = view.canvas.images
    assert left.size() == right.size() == QSize(512, 512)
    assert not view.slider.isEnabled()
    qtbot.mouseClick(view.split_button, Qt.MouseButton.LeftButton)
    assert view.slider.isEnabled() and view.canvas.split_mode
    target = fitted(left.size(), view.canvas.rect())
    quarter = QPoint(target.left() + target.width() // 4, target.center().y())
    qtbot.mouseClick(view.canvas, Qt.MouseButton.LeftButton, pos=quarter)  # the split moves
    assert view.slider.value() == 25
    shown = view.canvas.grab().toImage()
    assert shown.pixelColor(quarter - QPoint(8, 0)) != shown.pixelColor(quarter + QPoint(8, 0))
    qtbot.mouseClick(win.gallery.unpick, Qt.MouseButton.LeftButton)
    assert win.gallery.picker.picks == [] and not win.gallery.compare_button.isVisible()
    assert not win.gallery.picked.isVisible()  # no empty row left above the cards

    # Two images of one generation: nothing differs but chance.
    ctrl_click(win, second, 0)
    menu_entry(win, qtbot, second, 1, "Compare with the picked result")

    async def same() -> None:
        await until(lambda: "Same sketch and parameters" in view.same.text(), what="same")

    run(aloop, same())
    assert view is win.gallery.compare_view and view.differences() == []
    menu_entry(win, qtbot, second, 0, "Delete the whole generation (2 images)")  # unpicked
    assert win.gallery.picker.picks == []


def test_more_like_this_sends_n_jobs_of_the_same_sketch_with_new_seeds(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot,
        backend: RecordingBackend) -> None:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    gen_id = generate(aloop, win, qtbot, samples=2)
    win.view.document.clear()  # what is on the canvas now does not matter
    entry = win.session.store.get(gen_id)
    assert entry is not None
    sent_before = len(backend.scribbles)

    async def estimated() -> VariationsDialog:
        menu_entry(win, qtbot, gen_id, 0, "More like this…")  # (the estimate is async)
        dialog = win.gallery.variations
        assert dialog is not None
        qtbot.waitExposed(dialog)
        qtbot.keyClick(dialog.count, Qt.Key.Key_Down)  # 4 (the default) → 3
        await until(lambda: "3 jobs, 6 images" in dialog.estimate.text(), what="estimate")
        return dialog

    dialog = run(aloop, estimated())
    assert dialog.estimate.text().startswith("≈ $0.0")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    async def sent() -> None:
        await until(lambda: len(backend.scribbles) == sent_before + 3, what="three jobs")
        await until(lambda: all(j.state is JobState.DONE for j in win.session.jobs))

    run(aloop, sent())
    original = win.session.store.read_file(entry.scribble)
    assert backend.scribbles[sent_before:] == [original] * 3
    seeds = [call.params.seed for call in backend.runs[-3:] if call.params is not None]
    assert len(set(seeds)) == 3 and entry.params.seed not in seeds
    for call in backend.runs[-3:]:
        assert call.params is not None
        assert call.params.prompt == entry.params.prompt
        assert call.params.samples == 2


def test_more_like_this_goes_through_the_budget(
        aloop: asyncio.AbstractEventLoop, win: MainWindow, qtbot: QtBot,
        backend: RecordingBackend) -> None:
    stroke(win, [(-150, -100), (0, 0), (150, -100)])
    gen_id = generate(aloop, win, qtbot, samples=1)
    win.studio.settings.update(budget_day=0.004)  # less than one more image (~$0.003)
    sent_before = len(backend.scribbles)

    async def asked() -> VariationsDialog:
        menu_entry(win, qtbot, gen_id, 0, "More like this…")
        dialog = win.gallery.variations
        assert dialog is not None
        await until(lambda: "left in the budget" in dialog.estimate.text(), what="estimate")
        return dialog

    dialog = run(aloop, asked())
    assert dialog.estimate.text() == "≈ $0.012 (4 jobs, 4 images) · $0.001 left in the " \
        "budget (those past it wait for your word)"
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)

    async def stopped() -> None:
        await until(lambda: len(win.session.jobs) == 5 and not any(
            j.active for j in win.session.jobs), what="the four jobs settled")

    run(aloop, stopped())
    assert len(backend.scribbles) == sent_before  # over the budget: none was sent
    assert [j.state for j in win.session.jobs[1:]] == [JobState.WAITING] * 4
