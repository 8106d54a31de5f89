"""The menu bar and the tool bar, built from the actions they show.

The window owns the actions (its own commands in :class:`WindowActions`, the canvas's in
``CanvasActions``) and passes them in: nothing here knows the window. The menus are one
table (:func:`menu_table`), and the shortcuts window reads that same table, so the two
can never disagree. To add a command, add an action and put it in a list of the table."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeAlias

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QMenuBar, QToolBar, QToolButton

from scribble_studio.ui.canvas_actions import CanvasActions

Submenu: TypeAlias = "tuple[str, list[Entry]]"
# One entry of a menu: an action, a ready-made menu, a submenu built here, or (None) a
# separator.
Entry: TypeAlias = "QAction | QMenu | Submenu | None"
MenuTable: TypeAlias = dict[str, list[Entry]]  # a menu's title: its entries, in order


@dataclasses.dataclass
class WindowActions:
    """The window's own commands (the canvas's are in ``CanvasActions``)."""

    new_sketch: QAction
    drafts: QAction
    settings: QAction
    quit: QAction
    generate: QAction
    send_now: QAction
    cancel_all: QAction
    focus_prompt: QAction
    live: QAction
    keep_live: QAction
    shortcuts: QAction
    log_folder: QAction
    about: QAction
    reset_layout: QAction
    examples: list[QAction]


def command(parent: QObject, text: str, slot: Callable[[], object],
            keys: str = "") -> QAction:
    action = QAction(text, parent)
    if keys:
        action.setShortcut(QKeySequence(keys))
    action.triggered.connect(lambda _checked=False: slot())
    return action


def window_actions(parent: QObject, *, new_sketch: Callable[[], object],
                   drafts: Callable[[], object], settings: Callable[[], object],
                   quit: Callable[[], object], generate: Callable[[], object],
                   send_now: Callable[[], object], cancel_all: Callable[[], object],
                   focus_prompt: Callable[[], object], live: Callable[[], object],
                   keep_live: Callable[[], object], shortcuts: Callable[[], object],
                   log_folder: Callable[[], object], about: Callable[[], object],
                   reset_layout: Callable[[], object],
                   open_example: Callable[[Path], object],
                   examples: list[Path]) -> WindowActions:
    """The window's commands with their names and keys; the window says what each does."""
    return WindowActions(
        new_sketch=command(parent, "&New sketch", new_sketch, "Ctrl+N"),
        drafts=command(parent, "&Drafts…", drafts),
        settings=command(parent, "&Settings…", settings, "Ctrl+,"),
        quit=command(parent, "&Quit", quit, "Ctrl+Q"),
        generate=command(parent, "&Generate", generate, "Ctrl+Return"),
        send_now=command(parent, "Send waiting jobs now", send_now),
        cancel_all=command(parent, "Cancel all jobs", cancel_all),
        focus_prompt=command(parent, "Focus the prompt", focus_prompt, "Ctrl+L"),
        live=command(parent, "&Live mode", live, "Ctrl+Shift+L"),
        keep_live=command(parent, "&Keep the live image", keep_live, "Ctrl+K"),
        shortcuts=command(parent, "&Keyboard shortcuts", shortcuts, "F1"),
        # Messages that say "report it with the log file" lead here (and their banner's
        # button).
        log_folder=command(parent, "Open &log folder", log_folder),
        about=command(parent, "&About", about),
        reset_layout=command(parent, "Reset layout", reset_layout),
        examples=[command(parent, path.stem.capitalize(),
                          functools.partial(open_example, path)) for path in examples])


def build_tool_bar(window: QMainWindow, canvas: CanvasActions) -> QToolBar:
    bar = window.addToolBar("Canvas")
    bar.setObjectName("canvas-tools")
    bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    canvas.fill_tool_bar(bar)
    # The zoom buttons as icons (their tool tips name them): at 1280 px the bar then
    # holds everything up to "What the model sees", with nothing in its overflow menu.
    for action in (canvas.zoom_out, canvas.zoom_in, canvas.zoom_fit):
        button = bar.widgetForAction(action)
        if isinstance(button, QToolButton):
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    return bar


def panel_toggles(docks: list[QDockWidget], bar: QToolBar) -> list[QAction]:
    """Every panel and the tool bar can be closed: each comes back from these."""
    tools = bar.toggleViewAction()
    tools.setText("Tool bar")
    return [*(dock.toggleViewAction() for dock in docks), tools]


def menu_table(canvas: CanvasActions, window: WindowActions,
               panels: list[QAction]) -> MenuTable:
    a, w = canvas, window
    return {
        "&File": [w.new_sketch, w.drafts, None, a.open, a.save, a.import_, a.paste,
                  a.reference, a.edit_reference, a.clear_reference, None, w.settings,
                  w.quit],
        "&Edit": [a.undo, a.redo, None, a.cut, a.copy, a.paste, a.select_all, None,
                  a.clear],
        "&Canvas": [a.size_menu, *a.tool_actions.values(), a.stabilizer,
                    ("&Mirror", [a.mirror_vertical, a.mirror_horizontal])],
        "&View": [a.zoom_in, a.zoom_out, a.zoom_fit, a.zoom_actual, a.model_view, a.invert,
                  None, *panels, w.reset_layout],
        "&Generate": [w.generate, w.send_now, w.cancel_all, w.focus_prompt, None, w.live,
                      w.keep_live],
        "&Help": [w.shortcuts, ("Open &example", list(w.examples)), None, w.log_folder,
                  w.about],
    }


def _fill(menu: QMenu, entries: list[Entry]) -> None:
    for entry in entries:
        if entry is None:
            menu.addSeparator()
        elif isinstance(entry, QAction):
            menu.addAction(entry)
        elif isinstance(entry, QMenu):
            menu.addMenu(entry)
        else:
            _fill(menu.addMenu(entry[0]), entry[1])


def build_menu_bar(bar: QMenuBar, table: MenuTable) -> None:
    for title, entries in table.items():
        _fill(bar.addMenu(title), entries)


def _actions(entries: list[Entry]) -> Iterator[QAction]:
    for entry in entries:
        if isinstance(entry, QAction):
            yield entry
        elif isinstance(entry, QMenu):
            yield from (action for action in entry.actions() if not action.isSeparator())
        elif entry is not None:
            yield from _actions(entry[1])


def keys_of(action: QAction) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText)
                     for s in action.shortcuts())


def plain(text: str) -> str:
    return text.replace("&", "").rstrip("…")


Section: TypeAlias = tuple[str, list[tuple[str, str]]]  # a heading: (what, keys) rows


def shortcut_sections(table: MenuTable) -> list[Section]:
    """Each menu's actions that have keys, under the menu's name (an action shown in two
    menus is listed under the first)."""
    seen: set[int] = set()
    sections: list[Section] = []
    for title, entries in table.items():
        rows = []
        for action in _actions(entries):
            if id(action) in seen or not keys_of(action) or not plain(action.text()):
                continue
            seen.add(id(action))
            rows.append((plain(action.text()), keys_of(action)))
        if rows:
            sections.append((plain(title), rows))
    return sections
