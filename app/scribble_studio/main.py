"""Composition root of the desktop app: QApplication, qasync loop, services, window."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

# The Qt-free layers before Qt: PySide's import hook reads the source of every module
# imported after PySide (looking for `from __feature__ import`); the modules imported
# here (ours and the stdlib ones they use) are spared it (README, Performance).
from scribble_studio import APP_ID, APP_NAME
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.job_state import JobState
from scribble_studio.domain.models import ModelCatalog, builtin_catalog
from scribble_studio.services.config import (
    ENV_API_BASE,
    ENV_HISTORY_BASE,
    data_dir,
    rescue_dir,
)
from scribble_studio.services.drafts import DraftStore
from scribble_studio.services.history import Entry, HistoryStore
from scribble_studio.services.logs import RedactingFilter, configure_logging
from scribble_studio.services.outbox import Outbox
from scribble_studio.services.secrets import KeyringModule, SecretStore, system_keyring
from scribble_studio.services.settings_store import SettingsStore

# isort: split
import qasync
from PySide6.QtCore import QSettings, QSize, QTimer
from PySide6.QtWidgets import QApplication

from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.canvas_tools_model import CanvasToolsModel
from scribble_studio.controllers.draft_keeper import DraftKeeper
from scribble_studio.controllers.gallery import GalleryModel
from scribble_studio.controllers.notices import Notices
from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.controllers.session import (
    BackendFactory,
    GenerationSession,
    segmind_backend,
)
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.look import STYLE_ARGS, app_icon, follow_color_scheme
from scribble_studio.ui.main_window import MainWindow, Studio

log = logging.getLogger(__name__)


KeyringLoader = Callable[[], KeyringModule | None]
# Shown (and keyed) in the banner while a slow keyring is read, e.g. waiting to be unlocked.
KEYRING_SLOW = ("Still reading the system keyring (it may be waiting for you to unlock "
                "it); jobs wait for the key.")


def build_studio(home: Path, environ: Mapping[str, str], keyring: KeyringModule | None,
                 load_keyring: KeyringLoader | None = None,
                 backend_factory: BackendFactory = segmind_backend,
                 models: ModelCatalog | None = None) -> Studio:
    """Build the services and controllers once; nothing here is global. With
    ``load_keyring`` the keyring is found and read after the window shows;
    ``backend_factory`` makes the backend jobs go through (Segmind's by default)."""
    runner = BackgroundRunner()
    notices = Notices()  # the one channel every controller reports its errors to
    secrets = SecretStore(home, keyring, environ, load_keyring=load_keyring)
    settings = SettingsController(SettingsStore(home), secrets, runner, notices=notices)
    # As for the CLI: the environment wins for this run, and is not saved.
    overrides = {name: value for name, variable in (("api_base", ENV_API_BASE),
                                                    ("history_base", ENV_HISTORY_BASE))
                 if (value := environ.get(variable, "").strip())}
    if overrides:
        settings.override(**overrides)
    store = HistoryStore(home)  # opened by start(), on a worker
    models = models or builtin_catalog()
    session = GenerationSession(settings.current, settings.api_key, store,
                                backend_factory=backend_factory,
                                models=models,
                                rescue_folder=rescue_dir(environ), notices=notices)
    document = CanvasDocument(QSize(512, 512))
    view = CanvasView(document, CanvasToolsModel())  # the tool bar binds to its tools
    files_ = SketchFiles(document, runner, notices)
    gallery = GalleryModel(store, runner, document, session)
    params = ParametersModel(models)
    drafts = DraftKeeper(DraftStore(home), document, runner, params, notices=notices)
    layout = QSettings(str(home / "layout.ini"), QSettings.Format.IniFormat)
    return Studio(view, files_, runner, session, settings, gallery, drafts, layout, params)


def build_window(home: Path, environ: Mapping[str, str] = os.environ,
                 keyring: KeyringModule | None = None,
                 load_keyring: KeyringLoader | None = None,
                 backend_factory: BackendFactory = segmind_backend) -> MainWindow:
    models = builtin_catalog()  # the model specs, passed on from here
    studio = build_studio(home, environ, keyring, load_keyring, backend_factory, models)
    window = MainWindow(studio)
    wire_money(window)
    for owned in (studio.runner, studio.session.notices, studio.settings, studio.session,
                  studio.view.document,
                  studio.files, studio.gallery, studio.drafts, studio.params,
                  studio.view.tools):
        owned.setParent(window)
    return window


def wire_money(window: MainWindow) -> None:
    """The Generate button's estimate and the status bar's spend, worked out on a worker
    whenever the parameters, the settings or a job change; the banner's "Use <model>"."""
    session, params = window.studio.session, window.params
    window.errors.use_model = params.use_model
    tasks: set[asyncio.Task[None]] = set()

    def refresh(*_args: object) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # not yet running: start() refreshes
            return
        for old in tasks:
            old.cancel()  # only the newest parameters count
        task = loop.create_task(_show_money(window))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    params.changed.connect(refresh)
    session.job_changed.connect(
        lambda job: refresh() if job.state in (JobState.DONE, JobState.FAILED) else None)
    session.credits_changed.connect(refresh)
    window.live.result_ready.connect(refresh)  # (live jobs are spent through the budget too)
    window.studio.settings.changed.connect(refresh)
    window.studio.after_first_frame.append(refresh)


async def _show_money(window: MainWindow) -> None:
    params = window.params.params()
    if params.validate(window.params.spec).keys() - {"prompt", "seed"}:
        return
    try:
        figures = await window.studio.session.money_figures(params)
    except Exception:  # (the history is closing, or cannot be read: nothing to show)
        log.debug("no money figures", exc_info=True)
        return
    window.generate.set_estimate(figures.estimate.text())
    window.status.set_spend(figures.spent_today, figures.left, figures.estimate.cost,
                            figures.estimate.text())


def _load_imaging() -> None:
    """Pillow and our modules that use it, imported on a worker thread once the window
    shows: they are kept off the start-up path, and must not be imported on the GUI
    thread later either (the first Generate or model preview would stall on them). The
    HTTP stack waits for a key (GenerationSession.prepare)."""
    for name in ("scribble_studio.domain.scribble_import",  # domain.scribble, Pillow
                 "scribble_studio.services.sketch_files",
                 "scribble_studio.services.outbox"):  # records a job, key or not
        importlib.import_module(name)


def open_history(outbox: Outbox) -> tuple[list[str], list[tuple[Entry, bool]]]:
    """Open the history (check, migrate, or replace a corrupt file), settle the jobs
    whose process is gone, and list the unfinished ones; on a worker. Returns what the
    user should be told, and the jobs to show."""
    notices = []
    store = outbox.store
    store.open()
    if store.recovered_from is not None:
        notices.append(f"The history database was damaged; it was moved to "
                       f"{store.recovered_from} and a new one was started.")
    settled = outbox.recover()
    pending = outbox.pending()
    at_server = sum(1 for e, busy in pending if not busy and e.state is JobState.SUBMITTED)
    doubt = sum(1 for e in settled if e.state is JobState.UNKNOWN)
    if at_server:
        notices.append(f"{_jobs(at_server)} Segmind already had when Scribble Studio last "
                       "closed: collecting them now.")
    if doubt:
        notices.append(f"{_jobs(doubt)} being sent when Scribble Studio stopped: looking "
                       "them up in Segmind's request history.")
    return notices, pending


def _jobs(n: int) -> str:
    return "1 job was" if n == 1 else f"{n} jobs were"


def start(window: MainWindow) -> None:
    """What runs once the window is shown (inside the loop)."""
    studio = window.studio
    for deferred in studio.after_first_frame:
        deferred()
    studio.after_first_frame.clear()
    studio.runner.run(_load_imaging, lambda _: None, window.errors.present)
    for problem in studio.settings.startup_problems:  # damaged settings, unusable key
        window.errors.present(problem)
    studio.settings.keyring_slow.connect(lambda: window.banner.show_message(
        KEYRING_SLOW, key=KEYRING_SLOW))
    studio.settings.key_changed.connect(lambda: window.banner.resolve(KEYRING_SLOW))
    studio.settings.load_key()
    studio.session.refresh_credits()  # with a key (from the environment): warms up HTTP
    studio.drafts.restore_last()
    outbox = studio.session.outbox

    def history_open(opened: tuple[list[str], list[tuple[Entry, bool]]]) -> None:
        notices, pending = opened
        if notices:
            window.banner.show_message(" ".join(notices))
        studio.gallery.load()
        studio.gallery.sweep()  # what has been in the trash 30 days goes, in the background
        studio.session.load_outbox(pending)

    studio.runner.run(lambda: open_history(outbox), history_open, window.errors.present)


def settle_garbage_collection() -> None:
    """Once the window has painted. What exists now (modules, classes, the window)
    lives as long as the app: frozen, a full collection no longer walks it, so one no
    longer drops a frame under the pen (bench/bench_app.py's loop stall). Collection was
    off while the window was built (launcher.main) and is on from here."""
    gc.freeze()
    gc.enable()


async def run_window(window: MainWindow, app: QApplication) -> None:
    """Show the window and run until it closes; then cancel jobs and stop cleanly."""
    closed = asyncio.Event()
    app.lastWindowClosed.connect(closed.set)
    window.show()
    # The background start (imports on worker threads, the keyring) competes with the
    # GUI thread for the GIL: it waits for a zero-delay timer, which fires once the
    # events show() posted, the first paint among them, are handled.
    shown = asyncio.Event()
    QTimer.singleShot(0, shown.set)
    await shown.wait()
    settle_garbage_collection()
    if not closed.is_set():
        start(window)
    await closed.wait()
    await window.live.shutdown()  # (what live mode had not sent yet is dropped)
    await window.studio.session.shutdown()
    window.studio.runner.shutdown()
    window.studio.session.store.close()


def smoke_test() -> int:
    """Open the window (in a throw-away data folder, no network), check that the
    packaged resources are there, and quit: for an installed wheel or a bundle."""
    import tempfile

    from scribble_studio.ui.help_menu import examples

    app = make_app(sys.argv[:1])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as home:
        window = build_window(Path(home), {"SCRIBBLE_STUDIO_API_BASE": "http://127.0.0.1:9/v1"})

        async def check() -> list[str]:
            window.show()
            start(window)
            await asyncio.sleep(0.3)
            problems = [] if not app_icon().isNull() else ["the app icon is missing"]
            if len(examples()) < 3:
                problems.append("the example sketches are missing")
            if not window.isVisible():
                problems.append("the window did not show")
            window.close()
            await window.studio.session.shutdown()
            window.studio.runner.shutdown(wait=True)
            window.studio.session.store.close()
            return problems

        with loop:
            problems = loop.run_until_complete(check())
    print("smoke test: " + ("; ".join(problems) if problems else "ok"), flush=True)
    return 1 if problems else 0


def make_app(argv: Sequence[str]) -> QApplication:
    app = QApplication([*argv, *STYLE_ARGS])  # Qt takes the style option out of argv
    # Qt would quit (stopping the asyncio loop) the moment the window closes, while jobs
    # are still being cancelled; run_window ends the loop itself after the shutdown.
    app.setQuitOnLastWindowClosed(False)
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_ID)
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    follow_color_scheme(app)
    return app


def open_window(environ: Mapping[str, str]) -> MainWindow:
    """The window of a real start: the data folder, the log file (opened first, so a
    start that fails is logged), the system keyring (read after the window shows, on a
    daemon thread: SettingsController.load_key)."""
    home = data_dir(environ)
    logged = configure_logging(home)  # no key is known yet: nothing to redact
    window = build_window(home, environ, None, system_keyring)
    if logged is not None:
        logged.addFilter(RedactingFilter(window.studio.settings.redact))
    return window


def main(argv: Sequence[str] | None = None) -> int:
    app = make_app(argv if argv is not None else sys.argv)
    try:
        window = open_window(os.environ)
    except StudioError as exc:  # e.g. an unusable SCRIBBLE_STUDIO_API_BASE
        log.error("the start failed: %s %s", exc.message, exc.action)
        print(f"scribble-studio: {exc.message} {exc.action}", file=sys.stderr)
        return 2
    except Exception:
        log.exception("the start failed")
        raise
    # The asyncio loop is the Qt loop (qasync); this works on Python 3.11 and 3.12+.
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    window.studio.runner.serve(loop)  # asyncio.to_thread runs on the runner's workers
    with loop:
        loop.run_until_complete(run_window(window, app))
    log.info("closed cleanly")
    return 0
