"""The main window's menus and tool bar."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QToolButton

from scribble_studio.ui.help_menu import build_help_menu

if TYPE_CHECKING:
    from scribble_studio.ui.main_window import MainWindow


def build_menus(window: MainWindow) -> QAction:
    """Fill the menu bar and tool bar; returns the Generate action."""
    a, menus, studio = window.actions_, window.menuBar(), window.studio
    file_menu = menus.addMenu("&File")
    file_menu.addAction("&New sketch", QKeySequence("Ctrl+N"), studio.drafts.new_sketch)
    file_menu.addAction("&Drafts…", window.open_drafts)
    file_menu.addSeparator()
    for action in (a.open, a.save, a.import_, a.paste, a.reference, a.edit_reference,
                   a.clear_reference):
        file_menu.addAction(action)
    file_menu.addSeparator()
    file_menu.addAction("&Settings…", QKeySequence("Ctrl+,"), window.open_settings)
    file_menu.addAction("&Quit", QKeySequence("Ctrl+Q"), window.close)
    edit = menus.addMenu("&Edit")
    for item in (a.undo, a.redo, None, a.cut, a.copy, a.paste, a.select_all, None, a.clear):
        if item is None:
            edit.addSeparator()
        else:
            edit.addAction(item)
    canvas = menus.addMenu("&Canvas")
    canvas.addMenu(a.size_menu)
    for action in (*a.tool_actions.values(), a.stabilizer):
        canvas.addAction(action)
    mirror = canvas.addMenu("&Mirror")
    mirror.addAction(a.mirror_vertical)
    mirror.addAction(a.mirror_horizontal)
    view_menu = menus.addMenu("&View")
    for action in (a.zoom_in, a.zoom_out, a.zoom_fit, a.zoom_actual, a.model_view, a.invert):
        view_menu.addAction(action)
    jobs = menus.addMenu("&Generate")
    generate = jobs.addAction("&Generate", QKeySequence("Ctrl+Return"), window.request_generate)
    jobs.addAction("Send waiting jobs now", studio.session.send_now)
    jobs.addAction("Cancel all jobs", studio.session.cancel_all)
    jobs.addAction("Focus the prompt", QKeySequence("Ctrl+L"), window.focus_prompt)
    jobs.addSeparator()
    jobs.addAction("&Live mode", QKeySequence("Ctrl+Shift+L"), window.live.toggle)
    jobs.addAction("&Keep the live image", QKeySequence("Ctrl+K"), window.live.keep)
    build_help_menu(window)
    bar = window.addToolBar("Canvas")
    bar.setObjectName("canvas-tools")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    a.fill_tool_bar(bar)
    # The zoom buttons as icons (their tool tips name them): at 1280 px the bar then
    # holds everything up to "What the model sees", with nothing in its overflow menu.
    for action in (a.zoom_out, a.zoom_in, a.zoom_fit):
        button = bar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    # Every panel and the tool bar can be closed: each comes back from here.
    view_menu.addSeparator()
    for dock in window.findChildren(QDockWidget):
        view_menu.addAction(dock.toggleViewAction())
    tools = bar.toggleViewAction()
    tools.setText("Tool bar")
    view_menu.addAction(tools)
    view_menu.addAction("Reset layout", window.reset_layout)
    return generate
