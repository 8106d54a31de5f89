"""The main window: a shell that places the canvas, the docks, the actions and the
status bar, and forwards user intents to the controllers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QVBoxLayout, QWidget

from scribble_studio import APP_NAME
from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.gallery import GalleryActions
from scribble_studio.controllers.model_preview import ModelPreview
from scribble_studio.controllers.scribble_importer import ScribbleImporter
from scribble_studio.controllers.session import GenerationSession, Job, JobState
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.domain.errors import AuthenticationFailed
from scribble_studio.domain.params import GenerationParams
from scribble_studio.ui.banner import Banner
from scribble_studio.ui.canvas_actions import CanvasActions
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.error_presenter import ErrorPresenter
from scribble_studio.ui.gallery_view import GalleryView
from scribble_studio.ui.generate_panel import GeneratePanel
from scribble_studio.ui.import_dialog import ImportDialog
from scribble_studio.ui.jobs_panel import JobsPanel
from scribble_studio.ui.settings_dialog import SettingsDialog
from scribble_studio.ui.status_bar import StudioStatusBar


@dataclasses.dataclass
class Studio:
    """The controllers the window shows; built once in ``main.py`` (or a test)."""

    view: CanvasView
    files: SketchFiles
    runner: BackgroundRunner
    session: GenerationSession
    settings: SettingsController
    gallery: GalleryActions
    layout: QSettings


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
        self._dock("Parameters", self.generate, Qt.DockWidgetArea.RightDockWidgetArea)
        self._dock("Jobs", self.jobs, Qt.DockWidgetArea.RightDockWidgetArea)
        self.gallery_dock = self._dock("Gallery", self.gallery,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        self.errors = ErrorPresenter(self.banner, self.session, self.open_settings)
        self.settings_dialog: SettingsDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self._build_menus()
        self._connect()
        self.generate.params.set_params(studio.settings.current().params())
        self._update_generate()
        self._on_document_size_changed(self.view.document.size())
        self._restore_layout()

    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower())
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        a, menus = self.actions_, self.menuBar()
        file_menu = menus.addMenu("&File")
        for action in (a.open, a.save, a.import_, a.paste, a.reference, a.clear_reference):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction("&Settings…", QKeySequence("Ctrl+,"), self.open_settings)
        file_menu.addAction("&Quit", QKeySequence("Ctrl+Q"), self.close)
        edit = menus.addMenu("&Edit")
        for action in (a.undo, a.redo, a.clear):
            edit.addAction(action)
        canvas = menus.addMenu("&Canvas")
        canvas.addMenu(a.size_menu)
        for action in (a.pen, a.eraser, a.stabilizer):
            canvas.addAction(action)
        view_menu = menus.addMenu("&View")
        for action in (a.zoom_in, a.zoom_out, a.zoom_fit, a.zoom_actual, a.model_view,
                       a.invert):
            view_menu.addAction(action)
        jobs = menus.addMenu("&Generate")
        self.generate_action = jobs.addAction("&Generate", QKeySequence("Ctrl+Return"),
                                              self.request_generate)
        jobs.addAction("Cancel all jobs", self.session.cancel_all)
        jobs.addAction("Focus the prompt", QKeySequence("Ctrl+L"), self._focus_prompt)
        bar = self.addToolBar("Canvas")
        bar.setObjectName("canvas-tools")
        a.fill_tool_bar(bar)

    def _connect(self) -> None:
        doc, session, settings = self.view.document, self.session, self.studio.settings
        doc.content_changed.connect(self._update_generate)
        doc.size_changed.connect(self._on_document_size_changed)
        self.view.zoom_changed.connect(lambda _zoom: self._on_document_size_changed(doc.size()))
        self.generate.params.changed.connect(self._on_params_changed)
        self.generate.generate_requested.connect(self.request_generate)
        self.jobs.cancel_requested.connect(session.cancel)
        self.jobs.cancel_all_requested.connect(session.cancel_all)
        session.job_added.connect(self.jobs.add_job)
        session.job_changed.connect(self._on_session_job_changed)
        session.queue_changed.connect(self.status.set_queue)
        session.credits_changed.connect(self.status.set_credits)
        session.connection_changed.connect(self.status.set_connection)
        session.error.connect(self.errors.present)
        self.gallery.reuse_requested.connect(self._on_gallery_reuse_requested)
        self.studio.gallery.failed.connect(self.errors.present)
        self.studio.gallery.saved.connect(
            lambda p: self.status.showMessage(f"Saved {p.name}", 4000))
        self.files.failed.connect(self.errors.present)
        self.files.import_ready.connect(self._on_files_import_ready)
        self.files.saved.connect(lambda p: self.status.showMessage(f"Saved {p.name}", 4000))
        settings.key_changed.connect(self._on_settings_key_changed)
        settings.changed.connect(self._on_settings_changed)
        settings.failed.connect(self.errors.present)
        self.actions_.invert.setChecked(settings.current().invert)
        self.actions_.invert.toggled.connect(lambda on: settings.update(invert=on))
        if settings.api_key() is None:
            self.status.set_connection("no key")

    # -- generating ---------------------------------------------------------------------

    def request_generate(self) -> None:
        if not self.generate.button.isEnabled():
            self.banner.show_message(self.generate.button.toolTip())
            return
        if self.studio.settings.api_key() is None:
            error = AuthenticationFailed(
                "No API key is set.", "Add your Segmind API key in Settings to generate.")
            self.errors.present(error)
            return
        job = self.session.generate(self.view.document.darkness_image(),
                                    self.generate.params.params())
        self.generate.params.note_last_seed(job.params.seed or 0)

    def _on_session_job_changed(self, job: Job) -> None:
        self.jobs.update_job(job)
        if job.state is JobState.DONE:
            self.gallery.add_job(job)

    def _update_generate(self) -> None:
        self.generate.update_state(self.view.document.has_ink())
        self.generate_action.setEnabled(True)  # explains itself in the banner when blocked

    def _on_params_changed(self) -> None:
        self._update_generate()
        self.studio.settings.remember_params(self.generate.params.params())

    def _on_gallery_reuse_requested(self, params: GenerationParams) -> None:
        self.generate.params.set_params(params)

    def _focus_prompt(self) -> None:
        self.generate.params.prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- settings -----------------------------------------------------------------------

    def open_settings(self) -> None:
        self.settings_dialog = SettingsDialog(self.studio.settings, self)
        self.settings_dialog.open()

    def _on_settings_key_changed(self) -> None:
        self.status.set_connection("unknown" if self.studio.settings.api_key() else "no key")
        self.session.refresh_credits()

    def _on_settings_changed(self) -> None:
        self.actions_.invert.setChecked(self.studio.settings.current().invert)

    # -- canvas files --------------------------------------------------------------------

    def _on_files_import_ready(self, importer: ScribbleImporter) -> None:
        self.import_dialog = ImportDialog(importer, self)
        self.import_dialog.open()

    def _on_document_size_changed(self, size: QSize) -> None:
        self.status.canvas.setText(
            f"{size.width()} × {size.height()} · {self.view.zoom * 100:.0f}%")

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

    def _restore_layout(self) -> None:
        geometry = self.studio.layout.value("window/geometry")
        state = self.studio.layout.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1280, 900)
            # First start: room for a row of thumbnails under their header.
            self.resizeDocks([self.gallery_dock], [230], Qt.Orientation.Vertical)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.studio.layout.setValue("window/geometry", self.saveGeometry())
        self.studio.layout.setValue("window/state", self.saveState())
        self.studio.settings.flush()
        self.session.cancel_all()
        super().closeEvent(event)
