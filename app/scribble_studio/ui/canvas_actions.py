"""The canvas's actions: tools, width, selection, mirror, undo, zoom, size, files,
reference, preview."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Slot
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QFileDialog,
    QMenu,
    QMessageBox,
    QSlider,
    QSpinBox,
    QToolBar,
    QToolButton,
    QWidget,
)

from scribble_studio.controllers.canvas_document import CanvasDocument
from scribble_studio.controllers.canvas_tools_model import CanvasToolsModel
from scribble_studio.controllers.model_preview import ModelPreview
from scribble_studio.controllers.properties import bind
from scribble_studio.controllers.sketch_files import SketchFiles
from scribble_studio.domain.strokes import MAX_WIDTH, MIN_WIDTH, SIZE_PRESETS
from scribble_studio.ui.canvas_view import CanvasView, Tool
from scribble_studio.ui.file_dialogs import FileFolders, FileKind
from scribble_studio.ui.look import icon


def void(_result: object) -> None:
    """Drop a result an action has no use for."""


IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff);;All files (*)"


class UndoState(QObject):
    """Keeps Undo and Redo enabled when there is something to undo or redo, a selection
    being moved counting as something. A QObject owned by the Undo action, so that Qt
    disconnects it when the window goes, whatever is destroyed first."""

    def __init__(self, undo: QAction, redo: QAction, document: CanvasDocument) -> None:
        super().__init__(undo)
        self.undo, self.redo, self.selection = undo, redo, document.selection
        self.stack = document.undo_stack
        self.can_undo = document.undo_stack.canUndo()
        document.undo_stack.canUndoChanged.connect(self.on_can_undo_changed)
        document.undo_stack.canRedoChanged.connect(self.redo.setEnabled)
        document.undo_stack.indexChanged.connect(self.on_index_changed)
        document.selection.changed.connect(self.on_selection_changed)
        redo.setEnabled(document.undo_stack.canRedo())
        self.on_index_changed(self.stack.index())  # the tool tips, with their keys
        self._sync()

    @Slot(int)
    def on_index_changed(self, _index: int) -> None:
        # What would be undone is said in the tooltip; the label stays "Undo", so the
        # tool bar does not shift with every stroke.
        for action, word, what in ((self.undo, "Undo", self.stack.undoText()),
                                   (self.redo, "Redo", self.stack.redoText())):
            key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{word} {what.lower()}".rstrip() + (f" ({key})" if key else ""))

    @Slot(bool)
    def on_can_undo_changed(self, can: bool) -> None:
        self.can_undo = can
        self._sync()

    @Slot()
    def on_selection_changed(self) -> None:
        self._sync()

    def _sync(self) -> None:
        self.undo.setEnabled(self.can_undo or self.selection.is_floating)


class CanvasActions:
    """Builds and wires the actions; the window places them in menus and a tool bar."""

    def __init__(self, window: QWidget, view: CanvasView, files: SketchFiles,
                 preview: ModelPreview, folders: FileFolders | None = None) -> None:
        self.window, self.view, self.files, self.preview = window, view, files, preview
        self.folders = folders
        self.file_dialog: QFileDialog | None = None  # the one open (kept for tests)
        doc = view.document
        # Not QUndoStack's own actions: undo while a selection is being moved cancels the
        # move, which the stack does not know about.
        self.undo = self._action("Undo", QKeySequence.StandardKey.Undo, doc.undo,
                                 icon_name="edit-undo")
        self.redo = self._action("Redo", "", doc.redo, icon_name="edit-redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.undo_state = UndoState(self.undo, self.redo, doc)
        self.pen = self._action("Pen", "B", checkable=True, icon_name="draw-freehand")
        self.eraser = self._action("Eraser", "E", checkable=True, icon_name="draw-eraser")
        self.select = self._action("Select", "M", checkable=True, icon_name="edit-select",
                                   tip="Select: drag a rectangle, Alt-drag a lasso")
        self.lasso = self._action("Lasso select", "L", checkable=True,
                                  icon_name="edit-select-lasso")
        self.rectangle = self._action("Rectangle", "R", checkable=True,
                                      icon_name="draw-rectangle",
                                      tip="Rectangle (Shift: square, Alt: from the centre)")
        self.ellipse = self._action("Ellipse", "O", checkable=True, icon_name="draw-ellipse",
                                    tip="Ellipse (Shift: circle, Alt: from the centre)")
        self.line = self._action("Line", "U", checkable=True, icon_name="draw-line",
                                 tip="Line (Shift: 15° steps, Alt: from the centre)")
        self.tool_actions = {Tool.PEN: self.pen, Tool.ERASER: self.eraser,
                             Tool.SELECT: self.select, Tool.LASSO: self.lasso,
                             Tool.RECTANGLE: self.rectangle, Tool.ELLIPSE: self.ellipse,
                             Tool.LINE: self.line}
        # The tools model (the canvas's) holds the tool, the widths and the stabilizer;
        # the actions, the width box and the canvas follow it.
        self.tools: CanvasToolsModel = view.tools
        tools = QActionGroup(window)
        for tool, action in self.tool_actions.items():
            tools.addAction(action)
            action.triggered.connect(lambda _=False, t=tool: setattr(self.tools, "tool", t))
        self.tools.tool_changed.connect(lambda t: self.tool_actions[t].setChecked(True))
        self.tool_actions[self.tools.tool].setChecked(True)
        self.select_all = self._action("Select all", QKeySequence.StandardKey.SelectAll,
                                       view.select_all)
        self.copy = self._action("Copy", QKeySequence.StandardKey.Copy,
                                 lambda: void(view.copy_selection()))
        self.cut = self._action("Cut", QKeySequence.StandardKey.Cut,
                                lambda: void(view.cut_selection()))
        self.mirror_vertical = self._action("Mirror left ↔ right", "", checkable=True,
                                            tip="Repeat every stroke mirrored across the "
                                                "vertical centre line")
        self.mirror_horizontal = self._action("Mirror top ↕ bottom", "", checkable=True,
                                              tip="Repeat every stroke mirrored across the "
                                                  "horizontal centre line")
        for action in (self.mirror_vertical, self.mirror_horizontal):
            action.toggled.connect(self._on_mirror_toggled)
        self.stabilizer = self._action("Stabilizer", "", checkable=True,
                                       tip="Smooth shaky lines (the line trails the pen)")
        bind(self.tools, "stabilizer", self.stabilizer)
        self.clear = self._action("Clear canvas", "Ctrl+Shift+Backspace", doc.clear)
        self.zoom_in = self._action("Zoom in", QKeySequence.StandardKey.ZoomIn, view.zoom_in,
                                    icon_name="zoom-in")
        self.zoom_in.setShortcuts([QKeySequence("Ctrl+="), QKeySequence("Ctrl++")])
        self.zoom_out = self._action("Zoom out", "Ctrl+-", view.zoom_out, icon_name="zoom-out")
        self.zoom_fit = self._action("Fit to window", "Ctrl+0", view.zoom_fit,
                                     icon_name="zoom-fit-best")
        self.zoom_actual = self._action("Actual size (100%)", "Ctrl+1", view.zoom_actual)
        self.model_view = self._action("What the model sees", "Ctrl+M", checkable=True,
                                       tip="Show the black-and-white map that will be sent",
                                       icon_name="view-preview")
        self.model_view.toggled.connect(self._on_model_view_toggled)
        self.invert = self._action("Send inverted (white on black)", "", checkable=True)
        self.invert.toggled.connect(self._on_invert_toggled)
        self.open = self._action("Open sketch…", QKeySequence.StandardKey.Open,
                                 lambda: self._choose(lambda p: files.open_path(p)))
        self.save = self._action("Save sketch as…", QKeySequence.StandardKey.SaveAs,
                                 self._save_as)
        self.import_ = self._action("Import as scribble…", "Ctrl+I",
                                    lambda: self._choose(lambda p: files.open_path(p, True)),
                                    icon_name="document-import")
        self.paste = self._action("Paste as scribble", QKeySequence.StandardKey.Paste,
                                  self._paste)
        self.reference = self._action("Reference image…", "Ctrl+R",
                                      lambda: self._choose(files.load_reference),
                                      icon_name="insert-image")
        self.clear_reference = self._action("Remove reference image", "",
                                            lambda: doc.set_reference(None))
        self.edit_reference = self._action(
            "Move and scale the reference image", "", checkable=True,
            tip="With the select tool, drag the reference picture or its corners; "
                "the drawing stays put")
        self.edit_reference.toggled.connect(view.set_edit_reference)
        doc.reference_changed.connect(
            lambda: self.edit_reference.setEnabled(doc.reference is not None))
        self.edit_reference.setEnabled(False)
        self.custom_size = self._action("Custom size…", "", self._custom_size)
        self.size_menu = QMenu("Canvas size", window)
        # The current size is marked (a custom one on "Custom size…").
        self.size_group = QActionGroup(self.size_menu)
        self.size_actions: dict[tuple[int, int], QAction] = {}
        for width, height in SIZE_PRESETS:
            preset = self.size_menu.addAction(
                f"{width} × {height}", functools.partial(self.ask_resize, QSize(width, height)))
            preset.setCheckable(True)
            self.size_group.addAction(preset)
            self.size_actions[(width, height)] = preset
        self.size_menu.addSeparator()
        self.custom_size.setCheckable(True)
        self.size_group.addAction(self.custom_size)
        self.size_menu.addAction(self.custom_size)
        self.size_menu.aboutToShow.connect(self._mark_size)
        doc.size_changed.connect(lambda _size: self._mark_size())
        self._mark_size()
        self.width_box = QSpinBox()
        self.width_box.setRange(int(MIN_WIDTH), int(MAX_WIDTH))
        self.width_box.setSuffix(" px")
        self.width_box.setToolTip("Width of the pen or the eraser, each its own ([ and ])")
        self.width_box.setAccessibleName("Tool width")
        # Shows the width rounded to whole pixels and never writes that rounding back.
        self.width_binding = bind(self.tools, "width", self.width_box)
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(round(doc.reference_opacity * 100))
        self.opacity.setMaximumWidth(120)
        self.opacity.setToolTip("Reference image opacity")
        self.opacity.setAccessibleName("Reference image opacity")
        self.opacity.valueChanged.connect(lambda v: doc.set_reference_opacity(v / 100))
        # Nothing to fade without a reference image.
        self.opacity.setEnabled(doc.reference is not None)
        doc.reference_changed.connect(lambda: self.opacity.setEnabled(doc.reference is not None))

    def _action(self, text: str, shortcut: str | QKeySequence.StandardKey,
                slot: Callable[[], None] | None = None, checkable: bool = False,
                tip: str = "", icon_name: str = "") -> QAction:
        action = QAction(text, self.window)
        if icon_name:
            action.setIcon(icon(icon_name))
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setCheckable(checkable)
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        action.setToolTip((tip or text) + (f" ({keys})" if keys else ""))
        if slot is not None:
            action.triggered.connect(lambda _=False: slot())
        return action

    def fill_tool_bar(self, bar: QToolBar) -> None:
        compact = (self.select, self.lasso, self.rectangle, self.ellipse, self.line)
        for item in (self.pen, self.eraser, *compact, self.width_box, None,
                     self.undo, self.redo, None,
                     self.zoom_out, self.zoom_in, self.zoom_fit, None, self.reference,
                     self.opacity, self.import_, self.model_view):
            if item is None:
                bar.addSeparator()
            elif isinstance(item, QAction):
                bar.addAction(item)
            else:
                bar.addWidget(item)
        # The selection and shape tools as icons only (their tool tips name them), so the
        # bar still has room for the reference and import actions.
        for action in compact:
            button = bar.widgetForAction(action)
            if isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)

    # -- handlers -------------------------------------------------------------------------

    def _on_mirror_toggled(self, _on: bool) -> None:
        self.view.set_mirror(self.mirror_vertical.isChecked(),
                             self.mirror_horizontal.isChecked())

    def _on_model_view_toggled(self, on: bool) -> None:
        self.preview.set_active(on)
        self.view.set_overlay(self.preview.image if on else None, self.preview.invert)

    def _on_invert_toggled(self, on: bool) -> None:
        self.preview.set_invert(on)
        if self.preview.active:
            self.view.set_overlay(self.preview.image, on)

    def _choose(self, use: Callable[[Path], None]) -> None:
        dialog = QFileDialog(self.window, "Choose a picture", self._start("open"), IMAGE_FILTER)
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda name: self._chosen("open", Path(name), use))
        self._open_dialog(dialog)

    def _save_as(self) -> None:
        dialog = QFileDialog(self.window, "Save sketch",
                             str(Path(self._start("save")) / "sketch.png"),
                             "PNG images (*.png)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("png")
        dialog.fileSelected.connect(lambda name: self._chosen("save", Path(name),
                                                              self.files.save))
        self._open_dialog(dialog)

    def _start(self, kind: FileKind) -> str:
        return str(self.folders.start(kind)) if self.folders is not None else ""

    def _chosen(self, kind: FileKind, path: Path, use: Callable[[Path], None]) -> None:
        if self.folders is not None:
            self.folders.remember(kind, path)
        use(path)

    def _open_dialog(self, dialog: QFileDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._forget_dialog(dialog))
        self.file_dialog = dialog
        dialog.open()

    def _forget_dialog(self, dialog: QFileDialog) -> None:
        if self.file_dialog is dialog:
            self.file_dialog = None

    def _paste(self) -> None:
        if self.view.paste_ink():  # ink copied on this canvas pastes as ink, movable
            return
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasUrls() and mime.urls()[0].isLocalFile():
            self.files.open_path(Path(mime.urls()[0].toLocalFile()), as_import=True)
        else:
            self.files.import_qimage(QGuiApplication.clipboard().image())

    def _mark_size(self) -> None:
        size = self.view.document.size()
        preset = self.size_actions.get((size.width(), size.height()))
        (preset or self.custom_size).setChecked(True)
        self.custom_size.setText("Custom size…" if preset is not None
                                 else f"Custom size ({size.width()} × {size.height()})…")

    def _custom_size(self) -> None:
        from scribble_studio.ui.size_dialog import SizeDialog

        self._mark_size()  # a cancelled dialog leaves the mark where it was
        dialog = SizeDialog(self.view.document.size(), self.window)
        dialog.accepted.connect(lambda: self.ask_resize(dialog.chosen()))
        dialog.open()

    def ask_resize(self, size: QSize) -> None:
        """Resize at once on a blank canvas; ask first when there is a drawing."""
        doc = self.view.document
        if size == doc.size():
            return
        if not doc.has_ink(any_alpha=True):
            doc.resize_canvas(size)
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Change the canvas size?",
                          f"Change the canvas to {size.width()} × {size.height()}? The drawing "
                          "stays centred and may be cropped; Undo brings it back.",
                          QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
                          self.window)

        def on_button_clicked(button: QAbstractButton) -> None:
            # A QMessageBox finishes with the button's value, not QDialog.Accepted.
            if box.buttonRole(button) == QMessageBox.ButtonRole.AcceptRole:
                doc.resize_canvas(size)

        box.buttonClicked.connect(on_button_clicked)
        box.open()
        self.confirm_box = box  # kept for tests and so it is not collected while open
