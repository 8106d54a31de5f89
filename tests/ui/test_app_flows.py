"""The application end to end (offscreen): draw, Generate, the queue, the gallery, the
status bar, errors, settings and closing, against the fake server on the qasync loop."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu, QToolBar
from pytestqt.qtbot import QtBot

from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import SEED_MAX
from scribble_studio.main import build_window, start
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.pointer import drag
from tests.ui.gallery_helpers import rows, shown_loaded


def draw(win: MainWindow) -> None:
    centre = win.view.viewport().rect().center()
    drag(win.view.viewport(), [(centre.x() - 120, centre.y() - 60), (centre.x(), centre.y()),
                               (centre.x() + 100, centre.y() - 80)])


def fill(win: MainWindow, prompt: str = "a lighthouse at dusk", **fields: object) -> None:
    panel = win.generate.params
    panel.prompt.setPlainText(prompt)
    for name, value in fields.items():
        getattr(panel, name).setValue(value)


def test_draw_generate_and_see_thumbnails_with_the_parameters(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    assert not win.generate.button.isEnabled()
    assert "Write a prompt" in win.generate.button.toolTip()
    assert "Draw something" in win.generate.button.toolTip()
    fill(win, steps=30, samples=2)
    assert "Draw something" in win.generate.button.toolTip()
    draw(win)
    assert win.generate.button.isEnabled()
    win.generate.params.random_seed.setChecked(False)
    win.generate.params.seed.setText(str(SEED_MAX))

    async def scenario() -> None:
        qtbot.mouseClick(win.generate.button, Qt.MouseButton.LeftButton)
        await until(lambda: win.gallery.rows.rowCount(), what="the result")
        await until(lambda: shown_loaded(win.gallery), what="thumbnails")
        # (the gallery shows what the history stored, before the session's job is done)
        await until(lambda: win.session.jobs[0].state is JobState.DONE, what="the job done")

    run(aloop, scenario())
    (item,) = rows(win.gallery).values()
    assert len(item.entry.images) == 2
    assert all(i.sha256 in win.gallery.thumbs for i in item.entry.images)
    header = win.gallery.rows.index(0).data()
    assert f"seed {SEED_MAX}" in header and "30 steps" in header
    (job,) = win.session.jobs
    (submitted,) = fake_api.submits
    sent = submitted.body
    assert (sent["seed"], sent["num_inference_steps"], sent["samples"]) == (SEED_MAX, 30, 2)
    assert job.entry is not None and job.entry.request_id == submitted.request_id
    assert sent["prompt"] == "a lighthouse at dusk"
    assert win.status.credits.text() == f"Credits: {fake_api.credits:g}"
    assert "Online" in win.status.connection.text()
    row = win.jobs.rows[job.id]
    assert row.state.text().startswith("done") and not row.cancel.isVisible()


def test_ctrl_return_generates_and_the_user_can_keep_drawing(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fake_api.job_seconds_next(5)  # held at the server until the test moves it on
    fill(win)
    draw(win)
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)

    async def scenario() -> None:
        qtbot.keyClick(win.view, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
        await until(lambda: win.session.jobs
                    and win.session.jobs[0].state is JobState.SUBMITTED)
        before = win.view.document.undo_stack.count()
        draw(win)  # drawing goes on while the job is out
        assert win.view.document.undo_stack.count() == before + 1
        fake_api.submits[0].started -= 5
        await until(lambda: not win.session.active_jobs)

    run(aloop, scenario())
    assert win.session.jobs[0].state is JobState.DONE


def test_two_jobs_with_concurrency_one_run_one_after_the_other(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind) -> None:
    win = app_window
    win.studio.settings.update(concurrency=1)
    fake_api.job_seconds_next(5)
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        win.request_generate()
        await until(lambda: "Jobs: 2" in win.status.queue.text())
        await until(lambda: win.session.jobs[0].state is JobState.SUBMITTED)
        assert win.session.jobs[1].state is JobState.QUEUED and len(fake_api.submits) == 1
        fake_api.submits[0].started -= 5  # the first one finishes: the second goes
        await until(lambda: win.gallery.rows.rowCount() == 2, what="both jobs")
        await until(lambda: "No jobs running" in win.status.queue.text())

    run(aloop, scenario())
    assert len(fake_api.submits) == 2
    assert "No jobs running" in win.status.queue.text()


def test_cancel_a_queued_job_from_its_row(aloop: asyncio.AbstractEventLoop,
                                          app_window: MainWindow, fake_api: FakeSegmind,
                                          qtbot: QtBot) -> None:
    win = app_window
    win.studio.settings.update(concurrency=1)
    fake_api.job_seconds_next(5)
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        win.request_generate()
        await until(lambda: win.session.jobs[0].state is JobState.SUBMITTED)
        second = win.session.jobs[1]
        qtbot.mouseClick(win.jobs.rows[second.id].cancel, Qt.MouseButton.LeftButton)
        await until(lambda: second.state is JobState.CANCELLED)
        fake_api.submits[0].started -= 5
        await until(lambda: win.gallery.rows.rowCount())

    run(aloop, scenario())
    assert len(fake_api.submits) == 1 and fake_api.billed == 1 and win.gallery.rows.rowCount() == 1


def test_cancelling_a_job_at_segmind_says_so_and_still_keeps_its_image(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fake_api.job_seconds_next(5)
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        job = win.session.jobs[0]
        await until(lambda: job.state is JobState.SUBMITTED)
        qtbot.mouseClick(win.jobs.rows[job.id].cancel, Qt.MouseButton.LeftButton)
        assert job.id not in win.jobs.rows  # the row goes; the job does not
        assert "keeps working on it and bills it" in win.banner.label.text()
        fake_api.submits[0].started -= 5
        await until(lambda: win.gallery.rows.rowCount(), what="the paid image in the gallery")

    run(aloop, scenario())
    assert fake_api.billed == 1 and len(fake_api.submits) == 1


def test_a_401_shows_the_banner_with_the_settings_action(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        qtbot: QtBot) -> None:
    win = app_window
    fake_api.script(Fault.status_code(401, {"error": "API key is invalid or may have expired"}))
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.banner.isVisible(), what="the banner")

    run(aloop, scenario())
    assert "API key is invalid" in win.banner.label.text()
    assert win.banner.action_button.text() == "Open Settings"
    assert "Key rejected" in win.status.connection.text()
    qtbot.mouseClick(win.banner.action_button, Qt.MouseButton.LeftButton)
    assert win.settings_dialog is not None and win.settings_dialog.isVisible()
    assert "Traceback" not in win.banner.label.text()


def test_the_credits_label_follows_the_header(aloop: asyncio.AbstractEventLoop,
                                              app_window: MainWindow,
                                              fake_api: FakeSegmind) -> None:
    win = app_window
    assert win.status.credits.text() == "Credits: —"
    fake_api.credits = 0.4  # after the job: 0.15, less than the next one ($0.25)
    fill(win, samples=1)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.status.credits.text() == "Credits: 0.15")
        await until(lambda: "b3261e" in win.status.credits.styleSheet())

    run(aloop, scenario())
    assert "Today: $0.25" in win.status.spend.text()


def test_offline_the_job_waits_and_send_now_sends_it(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind) -> None:
    win = app_window
    fake_api.stop()
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.banner.isVisible(), timeout=20)
        assert "Nothing was sent" in win.banner.label.text()
        assert win.session.jobs[0].state is JobState.WAITING
        row = win.jobs.rows[win.session.jobs[0].id]
        assert row.state.text() == "waiting" and win.jobs.send_now.isEnabled()
        fake_api.start()
        win.banner.action_button.click()  # "Send now"
        await until(lambda: win.gallery.rows.rowCount(), timeout=20)

    run(aloop, scenario(), timeout=40)
    assert fake_api.billed == 1 and len(win.session.jobs) == 1


def test_without_a_key_drawing_works_and_the_job_waits_for_one(
        aloop: asyncio.AbstractEventLoop, window: MainWindow, fake_api: FakeSegmind) -> None:
    fill(window)
    draw(window)
    assert window.view.document.has_ink() and window.generate.button.isEnabled()
    assert "No API key" in window.status.connection.text()

    async def scenario() -> None:
        window.request_generate()
        assert "No API key is set" in window.banner.label.text()
        assert window.banner.action_button.text() == "Open Settings"
        await until(lambda: window.session.jobs[0].state is JobState.WAITING)
        window.studio.settings.update(api_base=fake_api.base_url)
        window.studio.settings.set_key(API_KEY)  # as the Settings dialog does
        await until(lambda: window.session.jobs[0].state is JobState.DONE, timeout=20)

    run(aloop, scenario(), timeout=40)
    assert fake_api.billed == 1


def test_the_seed_field_holds_any_value_to_2_53_and_marks_bad_input(window: MainWindow) -> None:
    panel = window.generate.params
    panel.random_seed.setChecked(False)
    panel.seed.setText(str(SEED_MAX))
    assert panel.params().seed == SEED_MAX and not panel.seed.styleSheet()
    panel.seed.setText(str(SEED_MAX + 1))
    assert "d0402b" in panel.seed.styleSheet() and "between" in panel.seed.toolTip()
    panel.seed.setText("twelve")
    assert "d0402b" in panel.seed.styleSheet()
    assert not window.generate.button.isEnabled()


def test_parameters_persist_across_restarts(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    first = build_window(isolated_environment, {}, None)
    qtbot.addWidget(first)
    fill(first, "an owl", steps=42, samples=3)
    first.generate.params.scheduler.setCurrentText("Euler a")
    first.generate.params.random_seed.setChecked(False)
    first.generate.params.seed.setText("123456789012345")
    first.close()  # saves the draft (with the parameters) and waits for it
    second = build_window(isolated_environment, {}, None)
    qtbot.addWidget(second)

    async def scenario() -> None:
        start(second)  # restores the last draft, as at every start
        await until(lambda: second.generate.params.params().prompt == "an owl")

    run(aloop, scenario())
    p = second.generate.params.params()
    assert (p.prompt, p.steps, p.samples, p.scheduler, p.seed) == (
        "an owl", 42, 3, "Euler a", 123456789012345)


def test_gallery_reuse_and_delete(aloop: asyncio.AbstractEventLoop, app_window: MainWindow,
                                  fake_api: FakeSegmind, qtbot: QtBot, tmp_path: Path) -> None:
    win = app_window
    fill(win, "first prompt", steps=50)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.gallery.rows.rowCount())

    run(aloop, scenario())
    (item,) = rows(win.gallery).values()
    fill(win, "something else", steps=20)
    win.gallery.reuse(item.entry.params)
    reused = win.generate.params.params()
    assert (reused.prompt, reused.steps, reused.seed) == (
        "first prompt", 50, item.entry.params.seed)
    store = win.session.store
    stored = [store.image_path(i.sha256) for i in item.entry.images]
    target = tmp_path / "kept.png"
    with qtbot.waitSignal(win.studio.gallery.saved, timeout=5000):
        win.studio.gallery.save_as(item, 0, target)
    assert target.read_bytes() == stored[0].read_bytes()
    with qtbot.waitSignal(win.view.document.reference_changed, timeout=5000):
        win.studio.gallery.use_as_reference(item, 0)
    assert win.view.document.reference is not None
    win.studio.gallery.delete(item)  # to the trash: the files stay until it is emptied
    assert item.entry.id not in rows(win.gallery)
    qtbot.waitUntil(lambda: store.trash_count() == 1, timeout=5000)
    assert all(p.exists() for p in stored)
    win.studio.gallery.empty_trash()
    qtbot.waitUntil(lambda: not any(p.exists() for p in stored), timeout=5000)
    assert store.page() == [] and store.get(item.entry.id) is not None  # the ledger's row


def test_settings_store_the_key_in_a_private_file_without_a_keyring(
        aloop: asyncio.AbstractEventLoop, window: MainWindow, isolated_environment: Path,
        fake_api: FakeSegmind, qtbot: QtBot) -> None:
    window.open_settings()
    dialog = window.settings_dialog
    assert dialog is not None
    assert "No system keyring" in dialog.key_note.text()
    dialog.base.setText(fake_api.base_url)
    key_file = isolated_environment / "api-key"

    async def scenario() -> None:
        qtbot.keyClicks(dialog.key, API_KEY)  # typed, as a user does
        dialog.accept()  # a new key: the credits are fetched with it
        await until(key_file.exists)
        await until(lambda: window.status.credits.text() == "Credits: 100")
        # The settings of that same OK (its base URL) are written too: look in them.
        await until(lambda: settings_file.exists()
                    and fake_api.base_url in settings_file.read_text(), what="the settings")

    settings_file = isolated_environment / "settings.json"
    run(aloop, scenario())
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert window.studio.settings.api_key() is not None
    assert API_KEY not in settings_file.read_text()
    assert API_KEY not in "".join(p.read_text(errors="replace")
                                  for p in isolated_environment.rglob("*.json"))


def test_settings_refuse_plain_http_to_another_host(window: MainWindow) -> None:
    window.open_settings()
    dialog = window.settings_dialog
    assert dialog is not None
    dialog.base.setText("http://api.segmind.com/v1")  # refused before anything is sent
    dialog.accept()
    assert dialog.isVisible() and "plain http://" in dialog.problem.text()


def test_test_connection_calls_the_credits_endpoint(
        aloop: asyncio.AbstractEventLoop, window: MainWindow, fake_api: FakeSegmind) -> None:
    window.open_settings()
    dialog = window.settings_dialog
    assert dialog is not None
    dialog.base.setText(fake_api.base_url)
    dialog.key.setText(API_KEY)

    async def scenario() -> None:
        dialog.test.click()
        await until(lambda: "✔" in dialog.test_result.text() or "✘" in dialog.test_result.text())

    run(aloop, scenario())
    assert dialog.test_result.text() == "✔ Connected. Credits: 100."
    dialog.key.setText("sk-wrong")

    async def again() -> None:
        dialog.test.click()
        await until(lambda: "✘" in dialog.test_result.text())

    run(aloop, again())
    assert "invalid" in dialog.test_result.text()


def test_ctrl_l_focuses_the_prompt(window: MainWindow, qtbot: QtBot) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    window.view.setFocus()
    qtbot.keyClick(window.view, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is window.generate.params.prompt


def test_closing_with_jobs_running_exits_cleanly(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind,
        isolated_environment: Path, clean_loggers: None) -> None:
    from scribble_studio.services.logs import configure_logging
    configure_logging(isolated_environment)
    win = app_window
    win.studio.settings.update(concurrency=1)
    fake_api.job_seconds_next(5)
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        win.request_generate()
        await until(lambda: win.session.jobs[0].state is JobState.SUBMITTED)
        win.close()  # one job is at Segmind: the window says so and stays
        assert win.isVisible() and "collected the next time" in win.banner.label.text()
        win.close()  # closing again quits
        assert not win.isVisible()
        await win.studio.session.shutdown()

    run(aloop, scenario())
    first, second = (win.session.store.get(j.history_id or 0) for j in win.session.jobs)
    assert first is not None and first.state is JobState.SUBMITTED  # collected at next start
    assert first.request_id == fake_api.submits[0].request_id
    assert second is not None and second.state is JobState.CANCELLED  # never left
    assert len(fake_api.submits) == 1
    log = (isolated_environment / "logs" / "scribble-studio.log").read_text()
    assert "ERROR" not in log and "Traceback" not in log


def test_job_rows_show_state_and_elapsed_time(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind) -> None:
    win = app_window
    fake_api.job_seconds_next(5)
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        job = win.session.jobs[0]
        await until(lambda: win.jobs.rows[job.id].state.text().startswith("generating"),
                    what="the server's state on the row")
        fake_api.submits[0].started -= 5
        await until(lambda: not job.active)

    run(aloop, scenario())
    row = win.jobs.rows[win.session.jobs[0].id]
    assert row.state.text().startswith("done ")
    _ = dataclasses


def test_the_quit_warning_goes_once_nothing_is_at_segmind(
        aloop: asyncio.AbstractEventLoop, app_window: MainWindow, fake_api: FakeSegmind) -> None:
    win = app_window
    fake_api.job_seconds_next(5)
    fill(win)
    draw(win)

    async def scenario() -> None:
        win.request_generate()
        await until(lambda: win.session.jobs[0].state is JobState.SUBMITTED)
        win.close()
        assert win.isVisible() and win.banner.isVisible()
        fake_api.submits[0].started -= 5
        await until(lambda: not win.session.active_jobs)

    run(aloop, scenario())
    assert not win.banner.isVisible()
    win.close()  # one close quits now
    assert not win.isVisible()


def test_closed_panels_and_the_tool_bar_come_back_from_the_view_menu(
        window: MainWindow) -> None:
    view_menu = next(m for m in window.menuBar().findChildren(QMenu)
                     if m.title() == "&View")
    texts = [a.text() for a in view_menu.actions()]
    assert {"Parameters", "Jobs", "Gallery", "Tool bar", "Reset layout"} <= set(texts)
    jobs = next(a for a in view_menu.actions() if a.text() == "Jobs")
    jobs.trigger()  # closes the Jobs panel
    assert not window.jobs.isVisible()
    jobs.trigger()
    assert window.jobs.isVisible()
    window.gallery_dock.close()
    next(a for a in view_menu.actions() if a.text() == "Tool bar").trigger()
    next(a for a in view_menu.actions() if a.text() == "Reset layout").trigger()
    assert window.gallery_dock.isVisible()
    assert all(bar.isVisible() for bar in window.findChildren(QToolBar))


def test_the_undo_label_stays_while_its_tooltip_says_what_it_undoes(
        window: MainWindow) -> None:
    undo = window.actions_.undo
    draw(window)
    assert undo.text() == "Undo"
    assert undo.toolTip().startswith("Undo ") and undo.toolTip() != "Undo"
    undo.trigger()
    assert undo.text() == "Undo" and window.actions_.redo.toolTip().startswith("Redo ")


def test_the_reference_opacity_slider_needs_a_reference(window: MainWindow,
                                                       qtbot: QtBot) -> None:
    from PySide6.QtGui import QImage

    slider = window.actions_.opacity
    assert not slider.isEnabled()
    picture = QImage(64, 64, QImage.Format.Format_RGB32)
    picture.fill(0xFF0000)
    window.view.document.set_reference(picture)
    assert slider.isEnabled()
    window.view.document.set_reference(None)
    assert not slider.isEnabled()
