"""The main window: a shell that places the canvas, the docks, the actions and the
status bar, and forwards user intents to the controllers."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QVBoxLayout, QWidget

from scribble_studio import APP_NAME
from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.draft_keeper import DraftKeeper
from scribble_studio.controllers.gallery import GalleryModel
from scribble_studio.controllers.live_mode import LiveMode
from scribble_studio.controllers.model_preview import ModelPreview
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.banner import Banner
from scribble_studio.ui.canvas_actions import CanvasActions
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.error_presenter import ErrorPresenter
from scribble_studio.ui.gallery_view import GalleryView
from scribble_studio.ui.generate_panel import GeneratePanel
from scribble_studio.ui.jobs_panel import JobsPanel
from scribble_studio.ui.live_preview import LivePreview
from scribble_studio.ui.status_bar import StudioStatusBar
from scribble_studio.ui.window_menus import build_menus

if TYPE_CHECKING:  # loaded when first opened, not at start
    from scribble_studio.controllers.scribble_importer import ScribbleImporter
    from scribble_studio.ui.drafts_dialog import DraftsDialog
    from scribble_studio.ui.import_dialog import ImportDialog
    from scribble_studio.ui.settings_dialog import SettingsDialog


@dataclasses.dataclass
class Studio:
    """The controllers the window shows; built once in ``main.py`` (or a test)."""

    view: CanvasView
    files: SketchFiles
    runner: BackgroundRunner
    session: GenerationSession
    settings: SettingsController
    gallery: GalleryModel
    drafts: DraftKeeper
    layout: QSettings
    # Set-up that can wait until the window has painted (main.start runs it first).
    after_first_frame: list[Callable[[], object]] = dataclasses.field(default_factory=list)


class MainWindow(QMainWindow):
    def __init__(self, studio: Studio) -> None:
        super().__init__()
        self.studio = studio
        self.view, self.files, self.session = studio.view, studio.files, studio.session
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.banner = Banner()
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(self.view, 1)
        self.setCentralWidget(central)
        self.preview = ModelPreview(self.view.document, self)
        self.actions_ = CanvasActions(self, self.view, self.files, self.preview)
        self.generate = GeneratePanel()
        self.jobs = JobsPanel()
        self.gallery = GalleryView(studio.gallery)
        self.live = LiveMode(self.session, self.view.document, self.generate.params.params,
                             studio.settings.current, self)
        parameters = self._dock("Parameters", self.generate,
                                Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Jobs", self.jobs, Qt.DockWidgetArea.RightDockWidgetArea)
        # Beside the canvas (left of the parameters), shown when live mode is turned on.
        self.live_dock = self._dock("Live", LivePreview(self.live),
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(parameters, self.live_dock, Qt.Orientation.Horizontal)
        self.splitDockWidget(self.live_dock, parameters, Qt.Orientation.Horizontal)
        self.live_dock.hide()
        self.gallery_dock = self._dock("Gallery", self.gallery,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        self.errors = ErrorPresenter(self.banner, self.session, self.open_settings)
        self.settings_dialog: SettingsDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.drafts_dialog: DraftsDialog | None = None
        self._told_about_jobs_at_server = False
        self.generate_action = build_menus(self)
        self._connect()
        self._update_generate()
        self._on_document_size_changed(self.view.document.size())
        self._default_layout = self.saveState()
        self._restore_layout()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        doc, session, settings = self.view.document, self.session, self.studio.settings
        doc.content_changed.connect(self._update_generate)
        doc.size_changed.connect(self._on_document_size_changed)
        self.view.zoom_changed.connect(lambda _zoom: self._on_document_size_changed(doc.size()))
        self.generate.params.changed.connect(self._on_params_changed)
        self.generate.generate_requested.connect(self.request_generate)
        for signal, slot in ((self.jobs.cancel_requested, session.cancel),
                             (self.jobs.resend_requested, session.resend),
                             (self.jobs.discard_requested, session.discard),
                             (self.jobs.cancel_all_requested, session.cancel_all),
                             (self.jobs.send_now_requested, session.send_now),
                             (session.job_added, self.jobs.add_job),
                             (session.job_changed, self.jobs.update_job),
                             (session.job_removed, self.jobs.remove_job),
                             (session.queue_changed, self.status.set_queue),
                             (session.queue_changed, self._on_session_queue_changed),
                             (session.credits_changed, self.status.set_credits),
                             (session.connection_changed, self.status.set_connection),
                             (session.error, self.errors.present),
                             (session.notice, self.banner.show_message),
                             (self.gallery.reuse_requested, self._set_params),
                             (self.studio.gallery.failed, self.errors.present),
                             (self.files.failed, self.errors.present),
                             (self.files.import_ready, self._on_files_import_ready),
                             (self.files.params_found, self._on_files_params_found),
                             (self.studio.drafts.restored, self._on_drafts_restored),
                             (self.studio.drafts.failed, self.errors.present),
                             (settings.key_changed, self._on_settings_key_changed),
                             (settings.changed, self._on_settings_changed),
                             (settings.failed, self.errors.present)):
            signal.connect(slot)
        for saved in (self.studio.gallery.saved, self.files.saved):
            saved.connect(lambda p: self.status.showMessage(f"Saved {p.name}", 4000))
        self.actions_.invert.setChecked(settings.current().invert)
        self.actions_.invert.toggled.connect(lambda on: settings.update(invert=on))
        self._connect_live()
        if settings.api_key() is None and not settings.key_pending:
            self.status.set_connection("no key")

    # -- generating ---------------------------------------------------------------------

    def request_generate(self) -> None:
        if not self.generate.button.isEnabled():
            self.banner.show_message(self.generate.button.toolTip())
            return
        job = self.session.generate(self.view.document.darkness_image(),
                                    self.generate.params.params())
        self.generate.params.note_last_seed(job.params.seed or 0)
        if self.studio.settings.api_key() is None and not self.studio.settings.key_pending:
            self.banner.show_message(
                "No API key is set: the job waits in the outbox and is sent once you add "
                "your Segmind key in Settings.", "Open Settings", self.open_settings)

    def _update_generate(self) -> None:
        self.generate.update_state(self.view.document.has_ink())

    def _on_params_changed(self) -> None:
        self._update_generate()
        self.studio.drafts.schedule()  # the parameters are kept with the draft

    def _set_params(self, params: GenerationParams) -> None:
        self.generate.params.set_params(params)

    def _on_drafts_restored(self, params: dict[str, Any]) -> None:
        if params:
            self._set_params(GenerationParams.from_dict({"prompt": "", **params}))

    def _on_files_params_found(self, params: GenerationParams) -> None:
        self.banner.show_message("This picture carries the parameters it was made with.",
                                 "Restore parameters", lambda: self._set_params(params))

    def focus_prompt(self) -> None:
        self.generate.params.prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- live mode ----------------------------------------------------------------------

    def _connect_live(self) -> None:
        live, settings = self.live, self.studio.settings
        self.generate.live.toggled.connect(live.set_on)
        self.generate.new_seed.clicked.connect(live.new_seed)
        self.generate.params.changed.connect(live.schedule)
        live.state_changed.connect(self._on_live_state_changed)
        live.kept.connect(lambda entry: self.studio.gallery.add_kept(entry, []))
        # "Use last" then gives the live seed, for a Generate of the same picture.
        live.result_ready.connect(lambda r: self.generate.params.note_last_seed(r.params.seed))
        settings.key_changed.connect(lambda: live.key_changed(
            settings.api_key() is not None or settings.key_pending))

    def _on_live_state_changed(self) -> None:
        live = self.live
        self.generate.live.blockSignals(True)  # (it follows a pause, or Ctrl+Shift+L)
        self.generate.live.setChecked(live.on)
        self.generate.live.blockSignals(False)
        self.generate.new_seed.setVisible(live.on)
        self.status.set_live(live.state.value, live.jobs, live.cost)
        if live.on and not self.live_dock.isVisible():
            self.live_dock.show()

    # -- dialogs ------------------------------------------------------------------------

    def open_settings(self) -> None:
        from scribble_studio.ui.settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(self.studio.settings, self)
        self.settings_dialog.open()

    def show_shortcuts(self) -> None:
        from scribble_studio.ui.shortcuts_dialog import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self)
        self.shortcuts_dialog.open()

    def open_drafts(self) -> None:
        from scribble_studio.ui.drafts_dialog import DraftsDialog

        self.drafts_dialog = DraftsDialog(self.studio.drafts, self)
        self.drafts_dialog.open()

    def _on_settings_key_changed(self) -> None:
        self.status.set_connection("unknown" if self.studio.settings.api_key() else "no key")
        self.session.refresh_credits()
        self.session.wake_outbox()

    def _on_settings_changed(self) -> None:
        self.actions_.invert.setChecked(self.studio.settings.current().invert)

    def _on_files_import_ready(self, importer: ScribbleImporter) -> None:
        from scribble_studio.ui.import_dialog import ImportDialog

        self.import_dialog = ImportDialog(importer, self)
        self.import_dialog.open()

    def _on_document_size_changed(self, size: QSize) -> None:
        self.status.canvas.setText(
            f"{size.width()} × {size.height()} · {self.view.zoom * 100:.0f}%")

    # -- drag and drop: a dropped picture is imported as scribble ------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if mime.hasImage() or (mime.hasUrls() and mime.urls()[0].isLocalFile()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        if mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.files.open_path(Path(mime.urls()[0].toLocalFile()), as_import=True)
        elif mime.hasImage():
            self.files.import_qimage(QImage(mime.imageData()))
        event.acceptProposedAction()

    # -- layout and closing -----------------------------------------------------------------

    def reset_layout(self) -> None:
        """Every panel and the tool bar back where a first start puts them."""
        self.restoreState(self._default_layout)
        for dock in self.findChildren(QDockWidget):
            dock.setFloating(False)
            dock.show()
        for bar in self.findChildren(QToolBar):
            bar.show()
        self.resizeDocks([self.gallery_dock], [250], Qt.Orientation.Vertical)

    def _restore_layout(self) -> None:
        geometry = self.studio.layout.value("window/geometry")
        state = self.studio.layout.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 900)
            # First start: room for a row of thumbnails under their header.
            self.resizeDocks([self.gallery_dock], [250], Qt.Orientation.Vertical)
        if state is not None:
            self.restoreState(state)

    def _on_session_queue_changed(self, _count: int) -> None:
        if self._told_about_jobs_at_server and not self.session.at_server:
            # Nothing is at Segmind any more: the warning about quitting has no cause.
            self._told_about_jobs_at_server = False
            if self.banner.label.text().endswith("Close again to quit."):
                self.banner.hide()

    def _quit_now(self) -> None:
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        at_server = len(self.session.at_server)
        if at_server and not self._told_about_jobs_at_server:
            # The server keeps working on them (and bills them): say what becomes of them,
            # without a modal question; closing again quits.
            self._told_about_jobs_at_server = True
            jobs = "1 job is" if at_server == 1 else f"{at_server} jobs are"
            self.banner.show_message(
                f"{jobs} still at Segmind. If you quit now they are collected the next time "
                "Scribble Studio starts, and nothing is paid twice. Close again to quit.",
                "Quit now", self._quit_now)
            event.ignore()
            return
        self.studio.layout.setValue("window/geometry", self.saveGeometry())
        self.studio.layout.setValue("window/state", self.saveState())
        self.studio.drafts.save_now(wait=True)
        self.session.cancel_all()
        super().closeEvent(event)
