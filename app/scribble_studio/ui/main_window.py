"""The main window: a shell that places the canvas, its actions and the status bar."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, QSize
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from scribble_studio import APP_NAME
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.model_preview import ModelPreview
from scribble_studio.controllers.scribble_importer import ScribbleImporter
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.domain.errors import StudioError
from scribble_studio.ui.banner import Banner
from scribble_studio.ui.canvas_actions import CanvasActions
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.import_dialog import ImportDialog


class MainWindow(QMainWindow):
    def __init__(self, view: CanvasView, files: SketchFiles, runner: BackgroundRunner,
                 settings: QSettings) -> None:
        super().__init__()
        self.view, self.files, self.runner, self.settings = view, files, runner, settings
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.banner = Banner()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.banner)
        layout.addWidget(view, 1)
        self.setCentralWidget(central)
        self.preview = ModelPreview(view.document, self)
        self.actions_ = CanvasActions(self, view, files, self.preview)
        self._build_menus()
        self.size_label = QLabel()
        self.zoom_label = QLabel()
        self.statusBar().addPermanentWidget(self.size_label)
        self.statusBar().addPermanentWidget(self.zoom_label)
        view.zoom_changed.connect(self._on_view_zoom_changed)
        view.document.size_changed.connect(self._on_document_size_changed)
        files.failed.connect(self.show_error)
        files.import_ready.connect(self._on_files_import_ready)
        files.saved.connect(lambda p: self.statusBar().showMessage(f"Saved {p.name}", 4000))
        self._on_view_zoom_changed(view.zoom)
        self._on_document_size_changed(view.document.size())
        self.import_dialog: ImportDialog | None = None
        self._restore_layout()

    def _build_menus(self) -> None:
        a = self.actions_
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        for action in (a.open, a.save, a.import_, a.paste, a.reference, a.clear_reference):
            file_menu.addAction(action)
        file_menu.addSeparator()
        file_menu.addAction("&Quit", "Ctrl+Q", self.close)
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
        bar = self.addToolBar("Canvas")
        bar.setObjectName("canvas-tools")
        a.fill_tool_bar(bar)

    def show_error(self, error: StudioError) -> None:
        self.banner.show_error(error)

    def _on_files_import_ready(self, importer: ScribbleImporter) -> None:
        self.import_dialog = ImportDialog(importer, self)
        self.import_dialog.open()

    def _on_view_zoom_changed(self, zoom: float) -> None:
        self.zoom_label.setText(f"{zoom * 100:.0f}%")

    def _on_document_size_changed(self, size: QSize) -> None:
        self.size_label.setText(f"{size.width()} × {size.height()}")

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

    # -- layout persistence ---------------------------------------------------------------

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1100, 800)
        if state is not None:
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.runner.shutdown()
        super().closeEvent(event)
