"""One notices channel: the window's controllers report their errors to one injected
object, and the window shows what arrives there, whichever controller it came from."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from scribble_studio.ui.main_window import MainWindow


def test_the_controllers_share_one_notices_object(window: MainWindow) -> None:
    studio = window.studio
    notices = studio.session.notices
    for controller in (studio.files, studio.drafts, studio.settings, studio.gallery):
        assert controller.notices is notices, type(controller).__name__


def test_errors_of_settings_and_files_arrive_on_the_channel_and_in_the_banner(
        qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    notices = window.studio.session.notices
    heard: list[tuple[str, object]] = []
    notices.reported.connect(lambda error, job: heard.append((error.message, job)))
    window.studio.settings.set_key("sk-caf\u00e9")  # no HTTP header can carry it
    assert len(heard) == 1 and heard[0][1] is None
    assert window.banner.isVisible() and heard[0][0] in window.banner.label.text()
    with qtbot.waitSignal(notices.reported, timeout=10000):
        window.files.open_path(tmp_path / "no such sketch.png")
    assert len(heard) == 2 and "no such sketch.png" in heard[1][0]
    assert "no such sketch.png" in window.banner.label.text()
