"""The main window: a shell that places the canvas, the docks, the actions and the
status bar, and forwards user intents to the controllers."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QSettings, QSize, Qt
from PySide6.QtGui import QCloseEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QDockWidget, QMainWindow, QVBoxLayout, QWidget

from scribble_studio import APP_NAME
from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.background import BackgroundRunner
from scribble_studio.controllers.connection_model import ConnectionModel
from scribble_studio.controllers.draft_keeper import DraftKeeper
from scribble_studio.controllers.gallery import GalleryItem, GalleryModel
from scribble_studio.controllers.live_mode import LiveMode
from scribble_studio.controllers.model_preview import ModelPreview
from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.controllers.send_checks import CheckedJob, SendChecks
from scribble_studio.controllers.session import GenerationSession
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.history import Entry
from scribble_studio.ui.banner import Banner, BannerAction
from scribble_studio.ui.canvas_actions import CanvasActions
from scribble_studio.ui.canvas_view import CanvasView
from scribble_studio.ui.dock_layout import DockLayout
from scribble_studio.ui.error_presenter import ErrorPresenter
from scribble_studio.ui.file_dialogs import FileFolders
from scribble_studio.ui.gallery_view import GalleryView
from scribble_studio.ui.generate_panel import GeneratePanel
from scribble_studio.ui.help_menu import examples
from scribble_studio.ui.jobs_panel import JobsPanel
from scribble_studio.ui.live_preview import LivePreview
from scribble_studio.ui.menus import (
    MenuTable,
    build_menu_bar,
    build_tool_bar,
    menu_table,
    panel_toggles,
    window_actions,
)
from scribble_studio.ui.sketch_drops import SketchDrops
from scribble_studio.ui.status_bar import StudioStatusBar

if TYPE_CHECKING:  # loaded when first opened, not at start
    from PIL import Image

    from scribble_studio.controllers.scribble_importer import ScribbleImporter
    from scribble_studio.ui.drafts_dialog import DraftsDialog
    from scribble_studio.ui.first_run_hint import FirstRunHint
    from scribble_studio.ui.import_dialog import ImportDialog
    from scribble_studio.ui.settings_dialog import SettingsDialog
    from scribble_studio.ui.shortcuts_dialog import ShortcutsDialog


DialogT = TypeVar("DialogT", bound=QDialog)
CHECKS = "checks"  # the banner key of a pre-send check's problem

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
    params: ParametersModel  # what Generate, live mode, the drafts and reuse share
    # Set-up that can wait until the window has painted (main.start runs it first).
    after_first_frame: list[Callable[[], object]] = dataclasses.field(default_factory=list)


class MainWindow(QMainWindow):
    def __init__(self, studio: Studio) -> None:
        super().__init__()
        self.studio = studio
        self.view, self.files, self.session = studio.view, studio.files, studio.session
        self.params = studio.params
        self.setWindowTitle(APP_NAME)
        self.drops = SketchDrops(self, self.files)  # a dropped picture: imported
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.view, 1)
        self.setCentralWidget(central)
        self.banner = Banner(central)  # floats over the canvas: never moves or resizes it
        self.preview = ModelPreview(self.view.document, self)
        self.checks = SendChecks(self.session.store, studio.runner, studio.settings.current,
                                 self)
        self.actions_ = CanvasActions(self, self.view, self.files, self.preview,
                                      FileFolders(studio.settings))
        self.generate = GeneratePanel(self.params)
        self.jobs = JobsPanel()
        self.gallery = GalleryView(studio.gallery)
        self.gallery.folders = self.actions_.folders
        self.live = LiveMode(self.session, self.view.document, self.params.params,
                             studio.settings.current, self, checks=self.checks.line)
        # The right column runs the window's full height (the gallery sits under the
        # canvas only), so a short laptop screen still has room for the parameters.
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.params_dock = self._dock("Parameters", self.generate,
                                      Qt.DockWidgetArea.RightDockWidgetArea)
        self.jobs_dock = self._dock("Jobs", self.jobs, Qt.DockWidgetArea.RightDockWidgetArea)
        # Beside the canvas (left of the parameters), shown when live mode is turned on.
        self.live_dock = self._dock("Live", LivePreview(self.live),
                                    Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.params_dock, self.live_dock, Qt.Orientation.Horizontal)
        self.splitDockWidget(self.live_dock, self.params_dock, Qt.Orientation.Horizontal)
        self.live_dock.hide()
        self.gallery_dock = self._dock("Gallery", self.gallery,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.status = StudioStatusBar()
        self.setStatusBar(self.status)
        # "No key" is a state of the connection: the status bar and the hint read it here.
        self.connection = ConnectionModel(studio.settings, self.session, self)
        self.status.follow_connection(self.connection)
        self.errors = ErrorPresenter(self.banner, self.session, self.open_settings,
                                     studio.settings, self.open_log_folder)
        self.first_run_hint: FirstRunHint | None = None
        studio.after_first_frame.append(self._add_first_run_hint)
        self.settings_dialog: SettingsDialog | None = None
        self.import_dialog: ImportDialog | None = None
        self.drafts_dialog: DraftsDialog | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self._told_about_jobs_at_server = False
        self.menu_table = self._build_menus()
        self.generate_action = self.commands.generate
        self._connect()
        self._update_generate()
        self._on_document_size_changed(self.view.document.size())
        self.dock_layout = DockLayout(self, self.params_dock, self.jobs_dock,
                                      self.gallery_dock, self.status, studio.layout)
        self.dock_layout.restore()

    def _build_menus(self) -> MenuTable:
        from scribble_studio.ui.help_menu import show_about

        studio = self.studio
        self.commands = window_actions(
            self, new_sketch=studio.drafts.new_sketch, drafts=self.open_drafts,
            settings=self.open_settings, quit=self.close, generate=self.request_generate,
            send_now=studio.session.send_now, cancel_all=studio.session.cancel_all,
            focus_prompt=self.focus_prompt, live=self.live.toggle, keep_live=self.live.keep,
            shortcuts=self.show_shortcuts,
            log_folder=self.open_log_folder, about=lambda: show_about(self),
            reset_layout=self.reset_layout, open_example=self.files.open_path,
            examples=examples())
        bar = build_tool_bar(self, self.actions_)
        docks = [self.params_dock, self.jobs_dock, self.live_dock, self.gallery_dock]
        table = menu_table(self.actions_, self.commands, panel_toggles(docks, bar))
        build_menu_bar(self.menuBar(), table)
        return table

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
        self.params.changed.connect(self._update_generate)
        self.generate.generate_requested.connect(self.request_generate)
        for signal, slot in ((self.jobs.cancel_requested, session.cancel),
                             (self.jobs.resend_requested, session.resend),
                             (self.jobs.discard_requested, session.discard),
                             (self.jobs.retry_requested, session.retry_job),
                             (self.jobs.cancel_all_requested, session.cancel_all),
                             (self.jobs.send_now_requested, session.send_now),
                             (session.job_added, self.jobs.add_job),
                             (session.job_changed, self.jobs.update_job),
                             (session.job_removed, self.jobs.remove_job),
                             (session.queue_changed, self.status.set_queue),
                             (session.queue_changed, self._on_session_queue_changed),
                             (session.credits_changed, self.status.set_credits),
                             (session.notice, self.banner.show_message),
                             (self.gallery.reuse_requested, self.params.set_params),
                             (self.files.import_ready, self._on_files_import_ready),
                             (self.files.params_found, self._on_files_params_found),
                             (settings.key_changed, self._on_settings_key_changed),
                             (settings.changed, self._on_settings_changed)):
            signal.connect(slot)
        self.studio.gallery.sketch_restored.connect(lambda item: self.status.showMessage(
            f"Sketch of generation {item.entry.id} restored (Ctrl+Z undoes it)", 6000))
        self.studio.gallery.variations_queued.connect(lambda item, jobs: self.status.showMessage(
            f"{len(jobs)} more like generation {item.entry.id} queued", 6000))
        for saved in (self.studio.gallery.saved, self.files.saved):
            saved.connect(lambda p: self.status.showMessage(f"Saved {p.name}", 4000))
        self.actions_.invert.setChecked(settings.current().invert)
        self.actions_.invert.toggled.connect(lambda on: settings.update(invert=on))
        self._connect_live()

    # -- generating ---------------------------------------------------------------------

    def request_generate(self) -> None:
        if not self.generate.button.isEnabled():
            self.banner.show_message(self.generate.button.toolTip(), key="generate")
            return
        # Checked before it is paid for; the snapshot checked is the one sent. The
        # sketch's own checks take milliseconds; the history is read on a worker, and only
        # for a fixed seed (a random one never repeats a result).
        sketch, params = self.view.document.darkness_image(), self.params.params()
        checked = self.checks.check(sketch, params)
        if checked.ok and self.checks.may_repeat(params):
            self.checks.check_async(sketch, params, self._on_checks_done)
        else:
            self._on_checks_done(checked)

    def _on_checks_done(self, checked: CheckedJob) -> None:
        if checked.ok:
            self.banner.resolve(CHECKS)  # an earlier try's problem: this one is fine
            self._send(checked.sketch, checked.params)
            return
        actions = [BannerAction("Send anyway",
                                lambda: self._send(checked.sketch, checked.params))]
        same = checked.same_as
        if same is not None:
            actions.insert(0, BannerAction("Show result", lambda: self.show_result(same),
                                           keep=True))
        self.banner.put(CHECKS, checked.message, *actions)

    def show_result(self, entry: Entry) -> None:
        """Open a result of the history, and scroll the gallery to it if it is there."""
        gallery = self.studio.gallery
        item = next((i for i in gallery.items if i.entry.id == entry.id), None)
        self.gallery_dock.show()
        self.gallery.scroll_to(entry.id)
        gallery.load_full(item or GalleryItem(entry), 0)

    def _send(self, sketch: Image.Image, params: GenerationParams) -> None:
        job = self.session.generate(sketch, params)
        self.params.last_seed = job.params.seed or 0
        if self.studio.settings.api_key() is None and not self.studio.settings.key_pending:
            self.errors.no_key()

    def _update_generate(self) -> None:
        self.generate.update_state(self.view.document.has_ink())
        if self.generate.button.isEnabled():  # what stopped Generate is fixed
            self.banner.resolve("generate")

    def _on_files_params_found(self, params: GenerationParams) -> None:
        self.banner.show_message("This picture carries the parameters it was made with.",
                                 "Restore parameters", lambda: self.params.set_params(params))

    def focus_prompt(self) -> None:
        self.generate.params.prompt.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # -- live mode ----------------------------------------------------------------------

    def _connect_live(self) -> None:
        live, settings = self.live, self.studio.settings
        self.generate.live.toggled.connect(live.set_on)
        self.generate.new_seed.clicked.connect(live.new_seed)
        self.params.changed.connect(live.schedule)
        live.state_changed.connect(self._on_live_state_changed)
        # "Use last" then gives the live seed, for a Generate of the same picture.
        live.result_ready.connect(lambda r: setattr(self.params, "last_seed", r.params.seed))
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

        self.settings_dialog = self._opened("settings_dialog",
                                            SettingsDialog(self.studio.settings, self))

    def show_shortcuts(self) -> None:
        from scribble_studio.ui.shortcuts_dialog import ShortcutsDialog, all_sections

        self.shortcuts_dialog = self._opened(
            "shortcuts_dialog", ShortcutsDialog(all_sections(self.menu_table), self))

    def open_drafts(self) -> None:
        from scribble_studio.ui.drafts_dialog import DraftsDialog

        self.drafts_dialog = self._opened("drafts_dialog",
                                          DraftsDialog(self.studio.drafts, self))

    def _opened(self, name: str, dialog: DialogT) -> DialogT:
        """Open a dialog (each frees itself when closed) and forget it once it is gone."""
        dialog.destroyed.connect(functools.partial(self._on_dialog_destroyed, name, dialog))
        dialog.open()
        return dialog

    def _on_dialog_destroyed(self, name: str, dialog: QDialog) -> None:
        if getattr(self, name, None) is dialog:  # not a newer one opened since
            setattr(self, name, None)

    def _add_first_run_hint(self) -> None:
        """The getting-started card, built once the window has painted (its rich text
        is slow to lay out) and only where it may still show: never dismissed, no key yet (or
        one still being read from the keyring)."""
        settings = self.studio.settings
        if settings.current().first_run_hint_dismissed or settings.api_key() is not None:
            return
        from scribble_studio.ui.first_run_hint import FirstRunHint

        self.first_run_hint = FirstRunHint(settings, self.connection, self.open_settings,
                                           self.view.viewport())
        self.first_run_hint.keep_below(self.banner, self.banner.changed)

    def open_log_folder(self) -> None:
        from scribble_studio.ui.help_menu import log_folder, open_log_folder

        open_log_folder(log_folder(self.studio.settings.store.path), self.status)

    def _on_settings_key_changed(self) -> None:
        self.session.refresh_credits()
        self.session.wake_outbox()

    def _on_settings_changed(self) -> None:
        self.actions_.invert.setChecked(self.studio.settings.current().invert)

    def _on_files_import_ready(self, importer: ScribbleImporter) -> None:
        from scribble_studio.ui.import_dialog import ImportDialog

        self.import_dialog = self._opened("import_dialog", ImportDialog(importer, self))

    def _on_document_size_changed(self, size: QSize) -> None:
        self.status.canvas.setText(
            f"{size.width()} × {size.height()} · {self.view.zoom * 100:.0f}%")

    # -- layout and closing -----------------------------------------------------------------

    def reset_layout(self) -> None:
        self.dock_layout.reset()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.dock_layout.favour_parameters()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # Sized before it showed (a first start, a restored geometry): the docks have
        # their heights only now.
        self.dock_layout.favour_parameters()

    def _on_session_queue_changed(self, _count: int) -> None:
        if self._told_about_jobs_at_server and not self.session.at_server:
            # Nothing is at Segmind any more: the warning about quitting has no cause.
            self._told_about_jobs_at_server = False
            self.banner.resolve("quit")

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
                "Quit now", self._quit_now, key="quit")
            event.ignore()
            return
        self.dock_layout.save()
        self.studio.drafts.save_now(wait=True)
        self.session.cancel_all()
        super().closeEvent(event)
