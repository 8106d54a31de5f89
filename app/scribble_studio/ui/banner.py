"""The message strip: what went wrong, and the action that fixes it.

Each message belongs to a cause (a condition such as "no key" or "offline", or one
job), named by a key: showing a message for a key replaces that key's message, and
:meth:`Banner.resolve` takes it away when its cause is gone. Several causes stack in one
line with a count ("3 problems: … ▾") that opens the whole list.

The strip floats over the top of its host (the canvas's area) instead of taking a place
in a layout: showing, growing or hiding it never changes the window's size and never
moves the canvas."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Hashable

from PySide6.QtCore import QEvent, QObject, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.domain.errors import StudioError

NOTICE = "notice"  # the key of a plain message: the next one replaces it


@dataclasses.dataclass(frozen=True)
class BannerAction:
    text: str
    run: Callable[[], None]
    # The message stays after the click (its result shows in it, e.g. a balance).
    keep: bool = False


@dataclasses.dataclass
class Problem:
    key: Hashable
    text: str
    actions: tuple[BannerAction, ...] = ()


def headline(text: str, limit: int = 90) -> str:
    """The first sentence of ``text``, cut at ``limit`` characters."""
    first = text.split(". ", 1)[0].rstrip(".")
    return first if len(first) <= limit else first[:limit - 1].rstrip() + "…"


class _Row(QWidget):
    """One message in the opened list, with its own buttons and dismiss."""

    def __init__(self, banner: Banner, problem: Problem) -> None:
        super().__init__()
        self.problem = problem
        self.label = QLabel(problem.text)
        self.label.setWordWrap(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.label, 1)
        self.buttons: list[QPushButton] = []
        for action in problem.actions:
            button = QPushButton(action.text)
            button.clicked.connect(lambda _=False, a=action: banner.trigger(problem.key, a))
            layout.addWidget(button)
            self.buttons.append(button)
        close = QToolButton()
        close.setText("✕")
        close.setAccessibleName("Dismiss this message")
        close.clicked.connect(lambda: banner.resolve(problem.key))
        layout.addWidget(close)


class Banner(QFrame):
    changed = Signal()  # the messages shown changed

    def __init__(self, host: QWidget | None = None) -> None:
        super().__init__(host)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setStyleSheet("#banner { background: #fff4d6; border: 1px solid #e0b44c; }"
                           "#banner QLabel { color: #3a2a00; }")
        self.setAccessibleName("Message")
        self.problems: list[Problem] = []  # oldest first
        self.expanded = False
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.action_button = QPushButton(self)   # the newest message's first action
        self.second_button = QPushButton(self)   # and its second, when it has one
        self.toggle = QToolButton(self)
        self.toggle.setAccessibleName("Show all messages")
        self.toggle.clicked.connect(self._on_toggle_clicked)
        self.close_button = QToolButton(self)
        self.close_button.setText("✕")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.clicked.connect(self._on_close_clicked)
        header = QHBoxLayout()
        header.addWidget(self.label, 1)
        header.addWidget(self.action_button)
        header.addWidget(self.second_button)
        header.addWidget(self.toggle)
        header.addWidget(self.close_button)
        self.list = QWidget(self)
        self.list.setAccessibleName("All messages")
        self._list_layout = QVBoxLayout(self.list)
        self._list_layout.setContentsMargins(0, 0, 0, 0)
        column = QVBoxLayout(self)
        column.setContentsMargins(8, 4, 4, 4)
        column.setSpacing(2)
        column.addLayout(header)
        column.addWidget(self.list)
        self.rows: list[_Row] = []
        self._header_actions: list[BannerAction] = []
        self.action_button.clicked.connect(lambda: self._on_header_button_clicked(0))
        self.second_button.clicked.connect(lambda: self._on_header_button_clicked(1))
        if host is not None:
            host.installEventFilter(self)
        self._refresh()

    # -- what callers use ----------------------------------------------------------------

    def put(self, key: Hashable, text: str, *actions: BannerAction) -> None:
        """Show ``text`` for ``key`` (in place of that key's earlier message, if any)."""
        self.problems = [p for p in self.problems if p.key != key]
        self.problems.append(Problem(key, text, actions))
        self._refresh()

    def resolve(self, key: Hashable) -> None:
        """The cause of ``key``'s message is gone: so is the message."""
        if self.has(key):
            self.problems = [p for p in self.problems if p.key != key]
            self._refresh()

    def resolve_where(self, gone: Callable[[Hashable], bool]) -> None:
        if any(gone(p.key) for p in self.problems):
            self.problems = [p for p in self.problems if not gone(p.key)]
            self._refresh()

    def amend(self, key: Hashable, text: str) -> None:
        """New words for ``key``'s message (an answer to its action), in its place."""
        for problem in self.problems:
            if problem.key == key:
                problem.text = text
                self._refresh()

    def has(self, key: Hashable) -> bool:
        return any(p.key == key for p in self.problems)

    def text_of(self, key: Hashable) -> str:
        return next((p.text for p in self.problems if p.key == key), "")

    def clear(self) -> None:
        self.problems = []
        self._refresh()

    def show_message(self, text: str, action_text: str = "",
                     action: Callable[[], None] | None = None,
                     key: Hashable = NOTICE) -> None:
        actions = (BannerAction(action_text, action),) if action is not None else ()
        self.put(key, text, *actions)

    def show_error(self, error: StudioError, action_text: str = "",
                   action: Callable[[], None] | None = None,
                   key: Hashable | None = None) -> None:
        self.show_message(f"{error.message} {error.action}", action_text, action,
                          error.kind if key is None else key)

    def trigger(self, key: Hashable, action: BannerAction) -> None:
        """Run ``action`` of ``key``'s message; the message goes unless it is to stay."""
        if not action.keep:
            self.resolve(key)
        action.run()

    # -- showing ---------------------------------------------------------------------------

    def _refresh(self) -> None:
        count = len(self.problems)
        if count == 0:
            self.expanded = False
            self.hide()
            self.changed.emit()
            return
        newest = self.problems[-1]
        self.expanded = self.expanded and count > 1
        if count == 1:
            self.label.setText(newest.text)
        elif self.expanded:
            self.label.setText(f"{count} problems:")
        else:
            self.label.setText(f"{count} problems: {headline(newest.text)}")
        self.label.setToolTip(newest.text if count > 1 else "")
        self.expanded = self.expanded and count > 1
        self._header_actions = list(newest.actions[:2]) if not self.expanded else []
        for button, n in ((self.action_button, 0), (self.second_button, 1)):
            button.setVisible(n < len(self._header_actions))
            button.setText(self._header_actions[n].text if n < len(self._header_actions)
                           else "")
        self.toggle.setVisible(count > 1)
        self.toggle.setText("▴" if self.expanded else "▾")
        self.toggle.setToolTip("Hide the list" if self.expanded else "Show every message")
        self.close_button.setAccessibleName("Dismiss all messages" if count > 1
                                            else "Dismiss message")
        self._fill_list()
        self.show()
        self.raise_()
        self._place()
        self.changed.emit()

    def _fill_list(self) -> None:
        for row in self.rows:
            row.deleteLater()
        self.rows = []
        if self.expanded:
            for problem in reversed(self.problems):  # newest first, as in the header
                row = _Row(self, problem)
                self._list_layout.addWidget(row)
                self.rows.append(row)
        self.list.setVisible(self.expanded)

    def _place(self) -> None:
        host = self.parentWidget()
        if host is None:
            return
        width = host.width()
        layout = self.layout()
        assert layout is not None
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()
        # (a long list on a small window is cut at the canvas's bottom, never past it)
        self.setGeometry(0, 0, width, min(height, max(host.height(), 1)))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parentWidget() and event.type() == QEvent.Type.Resize:
            self._place()
        return False

    # -- handlers ----------------------------------------------------------------------------

    def _on_header_button_clicked(self, n: int) -> None:
        if n < len(self._header_actions) and self.problems:
            self.trigger(self.problems[-1].key, self._header_actions[n])

    def _on_toggle_clicked(self) -> None:
        self.expanded = not self.expanded
        self._refresh()

    def _on_close_clicked(self) -> None:
        self.clear()
