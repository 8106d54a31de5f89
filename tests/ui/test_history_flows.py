"""History, outbox and drafts in the window (offscreen, qasync loop, fake server)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from PIL import Image
from PySide6.QtCore import QEvent
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QApplication, QToolTip
from pytestqt.qtbot import QtBot

from scribble_studio.controllers.qt_images import alpha_to_pil
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.main import build_window, start
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.job_locks import SenderLock
from scribble_studio.services.result_files import result_png
from scribble_studio.ui.main_window import MainWindow
from tests.asyncqt import run, until
from tests.fakes.history_data import seed_history
from tests.fakes.segmind_server import API_KEY, FakeSegmind, result_jpeg
from tests.fakes.sketches import drawn_sketch
from tests.pointer import drag
from tests.ui.conftest import quick_polls
from tests.ui.gallery_helpers import click_star, header_text, rows, shown_loaded

# Tests never reach a real host: without a fake server the API is a closed local port.
ENV = {"SEGMIND_API_KEY": API_KEY, "SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"}


def open_window(qtbot: QtBot, home: Path, environ: dict[str, str] | None = None) -> MainWindow:
    window = build_window(home, environ if environ is not None else ENV, None,
                          backend_factory=quick_polls)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_a_history_of_10000_shows_its_first_page_from_a_cold_start(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    seed_history(isolated_environment, 10_000)
    window = open_window(qtbot, isolated_environment)

    async def scenario() -> float:
        started = time.perf_counter()
        start(window)
        await until(lambda: window.gallery.rows.rowCount() == 40, what="the first page")
        await until(lambda: shown_loaded(window.gallery), what="its thumbnails")
        return time.perf_counter() - started

    run(aloop, scenario())
    newest = rows(window.gallery)[10_000]
    assert "tree number 9999" in header_text(newest)
    assert window.gallery.rows.canFetchMore() and window.studio.gallery.total == 10_000

    async def more() -> None:
        bar = window.gallery.list.verticalScrollBar()
        bar.setValue(bar.maximum())  # scrolled to the end: the list fetches the next page
        await until(lambda: window.gallery.rows.rowCount() == 80)

    run(aloop, more())


def test_search_star_and_missing_files(aloop: asyncio.AbstractEventLoop, qtbot: QtBot,
                                       isolated_environment: Path) -> None:
    seed_history(isolated_environment, 100, missing_every=7)
    window = open_window(qtbot, isolated_environment)
    gallery = window.gallery

    async def scenario() -> None:
        start(window)
        await until(lambda: gallery.rows.rowCount())
        gallery.search.setText("FOX")
        await until(lambda: gallery.rows.rowCount() == 10, what="the search")
        gallery.list.scroll_to(71)
        await until(lambda: shown_loaded(gallery))

    run(aloop, scenario())
    assert all("fox" in header_text(item) for item in rows(gallery).values())
    missing = rows(gallery)[71]  # n = 70: 70 % 7 == 0, its file is missing
    assert missing.entry.images[0].sha256 in gallery.thumbs.missing
    gallery.list.scroll_to(71)
    where = gallery.list.thumb_rect(71, 0)
    assert where is not None
    viewport = gallery.list.viewport()
    QApplication.sendEvent(viewport, QHelpEvent(QEvent.Type.ToolTip, where.center(),
                                                viewport.mapToGlobal(where.center())))
    qtbot.waitUntil(lambda: "missing from the data folder" in QToolTip.text())
    assert rows(gallery)[81].entry.images[0].sha256 in gallery.thumbs  # (a real one)
    click_star(gallery, 91)
    qtbot.waitUntil(lambda: window.session.store.get(91).starred)  # type: ignore[union-attr]
    assert rows(gallery)[91].entry.starred


def test_drafts_autosave_come_back_and_new_sketch_keeps_the_old(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    window = open_window(qtbot, isolated_environment)
    window.generate.params.prompt.setPlainText("a draft prompt")

    async def draw_and_wait() -> bytes:
        start(window)
        centre = window.view.viewport().rect().center()
        drag(window.view.viewport(), [(centre.x() - 90, centre.y()), (centre.x() + 90,
                                                                      centre.y() + 30)])
        drafts = window.studio.drafts.store
        await until(lambda: drafts.current_id() is not None, timeout=6, what="the autosave")
        return alpha_to_pil(window.view.document.image).tobytes()

    drawn = run(aloop, draw_and_wait())
    saved = window.studio.drafts.store.load(window.studio.drafts.draft_id)
    assert saved.params["prompt"] == "a draft prompt"
    window.close()
    again = open_window(qtbot, isolated_environment)

    async def reopen() -> None:
        start(again)
        await until(lambda: alpha_to_pil(again.view.document.image).tobytes() == drawn,
                    what="the draft")

    run(aloop, reopen())
    assert again.generate.params.params().prompt == "a draft prompt"
    assert again.view.document.undo_stack.count() == 0  # opening is not an edit
    first_id = again.studio.drafts.draft_id
    again.studio.drafts.new_sketch()
    assert not again.view.document.has_ink(any_alpha=True)
    again.open_drafts()
    dialog = again.drafts_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    dialog.list.setCurrentRow([dialog.list.item(i).data(256).id
                               for i in range(2)].index(first_id))

    async def open_old() -> None:
        dialog.open_button.click()
        await until(lambda: alpha_to_pil(again.view.document.image).tobytes() == drawn)

    run(aloop, open_old())


def fake_env(server: FakeSegmind) -> dict[str, str]:
    return {**ENV, "SCRIBBLE_STUDIO_API_BASE": server.base_url,
            "SCRIBBLE_STUDIO_HISTORY_BASE": server.history_base}


def crashed_jobs(home: Path, *prompts: str) -> tuple[HistoryStore, list[int], SenderLock]:
    """Jobs claimed by a process that then died (its lock released, as the kernel does)."""
    store = HistoryStore(home)
    scribble = export_scribble(drawn_sketch())
    dead = SenderLock(home)
    ids = [store.record(GenerationParams(p, seed=n), scribble.png, (512, 512), State.QUEUED,
                        owner=dead.hold()) for n, p in enumerate(prompts, start=5)]
    return store, ids, dead


def test_an_item_that_was_sending_at_a_crash_is_looked_up_never_sent_by_itself(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path,
        fake_api: FakeSegmind) -> None:
    store, (in_doubt, never_sent), dead = crashed_jobs(isolated_environment, "in doubt",
                                                       "never sent")
    store.claim(in_doubt, dead.name, frozenset({State.QUEUED}), dead.name)  # the app died here
    dead.release()
    store.close()
    window = open_window(qtbot, isolated_environment, fake_env(fake_api))

    async def scenario() -> None:
        start(window)
        await until(lambda: "looking them up in Segmind's request history"
                    in window.banner.label.text())
        await until(lambda: len(window.session.jobs) == 2)
        by_prompt = {j.params.prompt: j for j in window.session.jobs}
        await until(lambda: by_prompt["never sent"].state is JobState.DONE, timeout=20)
        await until(lambda: by_prompt["in doubt"].error is not None
                    and "request history as of" in by_prompt["in doubt"].error.message)
        assert by_prompt["in doubt"].state is JobState.UNKNOWN
        assert [job.seed for job in fake_api.submits] == [6]
        row = window.jobs.rows[by_prompt["in doubt"].id]
        assert row.resend.isVisible() and row.discard.isVisible()
        assert "request history as of" in row.state.toolTip()
        row.resend.click()  # the user's decision
        await until(lambda: by_prompt["in doubt"].state is JobState.DONE, timeout=20)

    run(aloop, scenario(), timeout=40)
    assert sorted(job.seed for job in fake_api.submits) == [5, 6]
    assert window.session.store.get(never_sent).state is State.DONE  # type: ignore[union-attr]


def test_a_job_segmind_had_at_a_crash_is_collected_at_start_and_paid_once(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    with FakeSegmind(job_seconds=1000) as server:
        store, (gen_id,), dead = crashed_jobs(isolated_environment, "at segmind")
        body = {"image": export_scribble(drawn_sketch()).base64(), "prompt": "at segmind",
                "seed": 5, "base64": False}
        answer = httpx.post(f"{server.api_origin}/v2/sd1.5-controlnet-scribble", json=body,
                            headers={"x-api-key": API_KEY}).json()
        store.claim(gen_id, dead.name, frozenset({State.QUEUED}), dead.name)
        store.mark_submitted(gen_id, answer["request_id"], "v2")
        dead.release()  # ... and the app was killed while the model worked
        store.close()
        window = open_window(qtbot, isolated_environment, fake_env(server))

        async def scenario() -> None:
            start(window)
            await until(lambda: "collecting them now" in window.banner.label.text())
            await until(lambda: window.session.jobs
                        and window.session.jobs[0].state is JobState.SUBMITTED)
            server.submits[0].started -= 1000  # the model finishes
            await until(lambda: window.gallery.rows.rowCount(), timeout=20,
                        what="the collected image")

        run(aloop, scenario(), timeout=40)
        assert len(server.submits) == 1 and server.billed == 1
        entry = window.session.store.get(gen_id)
        assert entry is not None and entry.state is State.DONE and len(entry.images) == 1


def test_a_job_another_process_is_sending_is_never_taken_for_one_in_doubt(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path,
        fake_api: FakeSegmind) -> None:
    store, (gen_id,), living = crashed_jobs(isolated_environment, "the CLI sends this")
    store.claim(gen_id, living.name, frozenset({State.QUEUED}), living.name)
    window = open_window(qtbot, isolated_environment, fake_env(fake_api))

    async def scenario() -> None:
        start(window)
        await until(lambda: len(window.session.jobs) == 1)

    run(aloop, scenario())
    (job,) = window.session.jobs
    assert job.elsewhere and job.state is JobState.SUBMITTING
    row = window.jobs.rows[job.id]
    assert not row.resend.isVisible() and not row.discard.isVisible()
    assert "another process" in row.state.text() and "billed" not in window.banner.label.text()
    assert fake_api.submits == [] and store.get(gen_id).state is State.SUBMITTING  # type: ignore[union-attr]
    living.release()


def test_a_corrupt_database_is_reported_and_the_app_still_opens(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    isolated_environment.mkdir(parents=True, exist_ok=True)
    (isolated_environment / "history.sqlite3").write_bytes(b"garbage" * 1000)
    window = open_window(qtbot, isolated_environment)  # the window shows before the check

    async def scenario() -> None:
        start(window)
        await until(lambda: "history database was damaged" in window.banner.label.text())

    run(aloop, scenario())
    assert list(isolated_environment.glob("history.sqlite3.corrupt-*"))


def test_opening_a_result_png_offers_its_parameters(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path,
        tmp_path: Path) -> None:
    from scribble_studio.domain.results import GenerationResult, check_image
    params = GenerationParams("a castle", negative_prompt="fog", steps=44, seed=1234)
    image = check_image(result_jpeg(256, 256, 1, 0))
    result = GenerationResult((image,), params, None, None, 1.0)
    path = tmp_path / "result.png"
    path.write_bytes(result_png(image, result, {}))
    window = open_window(qtbot, isolated_environment)
    with qtbot.waitSignal(window.files.params_found, timeout=5000):
        window.files.open_path(path)
    assert window.banner.action_button.text() == "Restore parameters"
    window.banner.action_button.click()
    restored = window.generate.params.params()
    assert (restored.prompt, restored.negative_prompt, restored.steps, restored.seed) == (
        "a castle", "fog", 44, 1234)
    _ = Image


def test_a_drafts_reference_picture_is_saved_and_restored(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    from PySide6.QtGui import QColor, QImage
    window = open_window(qtbot, isolated_environment)
    reference = QImage(320, 200, QImage.Format.Format_RGB32)
    reference.fill(QColor(10, 200, 30))
    window.view.document.set_reference(reference)
    window.view.document.set_reference_opacity(0.25)
    window.studio.drafts.save_now(wait=True)
    window.studio.drafts.save_now(wait=True)  # the second save reuses the encoded bytes
    window.close()
    again = open_window(qtbot, isolated_environment)

    async def reopen() -> None:
        start(again)
        await until(lambda: again.view.document.reference is not None)

    run(aloop, reopen())
    restored = again.view.document.reference
    assert restored is not None and (restored.width(), restored.height()) == (320, 200)
    assert restored.pixelColor(5, 5).green() == 200
    assert again.view.document.reference_opacity == 0.25


def test_an_autosave_while_the_drafts_list_is_open_keeps_the_pick(
        aloop: asyncio.AbstractEventLoop, qtbot: QtBot, isolated_environment: Path) -> None:
    window = open_window(qtbot, isolated_environment)
    keeper = window.studio.drafts
    centre = window.view.viewport().rect().center()
    drag(window.view.viewport(), [(centre.x() - 90, centre.y()), (centre.x() + 90, centre.y())])
    with qtbot.waitSignal(keeper.saved, timeout=5000):
        keeper.save_now()
    keeper.new_sketch()
    drag(window.view.viewport(), [(centre.x(), centre.y() - 60), (centre.x(), centre.y() + 60)])
    with qtbot.waitSignal(keeper.saved, timeout=5000):
        keeper.save_now()
    window.open_drafts()
    dialog = window.drafts_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    dialog.list.setCurrentRow(1)  # the older draft
    picked = dialog.list.currentItem().data(256).id
    drag(window.view.viewport(), [(centre.x() - 60, centre.y() + 60),
                                  (centre.x() + 60, centre.y() + 60)])
    with qtbot.waitSignal(keeper.listed, timeout=5000):  # the autosave lists them again
        keeper.save_now()
    assert dialog.list.currentItem() is not None
    assert dialog.list.currentItem().data(256).id == picked
