"""The first-run hint: what a new user needs to know about the API key (where to get one,
where to paste it), on a card over the canvas's corner. It is not a dialog: drawing works
around it, and jobs started meanwhile wait in the outbox. Once dismissed, or once a key is
set, it does not come back (remembered in the app's settings)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Final

from PySide6.QtCore import QEvent, QObject, QPoint, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.controllers.connection_model import ConnectionModel
from scribble_studio.domain.errors import StudioError

# Segmind's console page where a signed-in user creates and copies API keys.
API_KEYS_URL: Final = "https://cloud.segmind.com/console/api-keys"
MARGIN = 12
WIDTH = 400

STEPS = (
    "<b>Welcome to Scribble Studio.</b> Draw right away; to turn a sketch into pictures "
    "you need an API key from Segmind:"
    "<ol style='margin-left: -20px'>"
    f"<li>Sign in at Segmind and create a key on "
    f"<a href='{API_KEYS_URL}'>the API keys page</a> of its console "
    "(cloud.segmind.com).</li>"
    "<li>Open <b>File → Settings…</b> (Ctrl+,), paste the key and press "
    "<b>Test connection</b>.</li>"
    "<li>Jobs you start before that wait in the outbox and go out once the key is set."
    "</li></ol>"
)


class FirstRunHint(QFrame):
    """Shown over ``canvas`` (the canvas's viewport) while there is no key and the user has
    not dismissed it; ``open_settings`` is the window's."""

    dismissed = Signal()

    def __init__(self, settings: SettingsController, connection: ConnectionModel,
                 open_settings: Callable[[], None], canvas: QWidget) -> None:
        super().__init__(canvas)
        self.settings = settings
        self.connection = connection
        self._open_settings = open_settings
        self._above: QWidget | None = None  # the banner, when it floats there too
        self.setObjectName("first-run-hint")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setAccessibleName("Getting started")
        # The canvas's cross-hair cursor is not for the card.
        self.setCursor(Qt.CursorShape.ArrowCursor)
        self._canvas = canvas
        self.text = QLabel(STEPS)
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setOpenExternalLinks(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        close = QToolButton()
        close.setText("✕")
        close.setAccessibleName("Dismiss the getting-started hint")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)
        self.settings_button = QPushButton("Open Settings")
        self.settings_button.clicked.connect(self._on_settings_button_clicked)
        self.got_it = QPushButton("Got it")
        self.got_it.setAccessibleName("Dismiss the getting-started hint")
        self.got_it.clicked.connect(self.dismiss)
        top = QHBoxLayout()
        top.addWidget(self.text, 1)
        top.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.settings_button)
        buttons.addWidget(self.got_it)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 6, 10)
        layout.addLayout(top)
        layout.addLayout(buttons)
        canvas.installEventFilter(self)
        settings.key_changed.connect(self._on_settings_key_changed)
        connection.state_changed.connect(self._on_connection_state_changed)
        self.hide()
        self.set_shown(self.wanted())

    def wanted(self) -> bool:
        """No key (and none still being read from the keyring), and never dismissed."""
        return not self.settings.current().first_run_hint_dismissed and self.connection.no_key

    def dismiss(self) -> None:
        """Hide it for good (this data folder's settings remember it)."""
        self.hide()
        self._remember()
        self.dismissed.emit()

    def _remember(self) -> None:
        if self.settings.current().first_run_hint_dismissed:
            return
        # Settings that cannot be written: it shows again next time (the banner says why).
        with contextlib.suppress(StudioError):
            self.settings.update(first_run_hint_dismissed=True)

    def _on_settings_button_clicked(self) -> None:
        self._open_settings()

    def _on_settings_key_changed(self) -> None:
        if self.settings.api_key() is not None:
            # A key is set: the hint has done its work, and stays away from now on.
            self.hide()
            self._remember()

    def _on_connection_state_changed(self, _state: object) -> None:
        self.set_shown(self.wanted())

    def set_shown(self, visible: bool) -> None:
        """Show (over the canvas's corner) or hide it, without remembering anything."""
        self.setVisible(visible)
        if visible:
            self._place()
            self.raise_()

    def _place(self) -> None:
        canvas = self._canvas
        width = max(200, min(WIDTH, canvas.width() - 2 * MARGIN))
        self.setFixedWidth(width)
        height = self.heightForWidth(width) if self.hasHeightForWidth() \
            else self.sizeHint().height()
        self.setFixedHeight(max(height, self.minimumSizeHint().height()))
        self.move(MARGIN, self._top())

    def keep_below(self, banner: QWidget, changed: SignalInstance) -> None:
        """Sit under ``banner`` (which floats over the same canvas) while it shows, so
        neither hides the other; ``changed`` says when the banner moved or resized."""
        self._above = banner
        changed.connect(self._on_banner_changed)

    def _top(self) -> int:
        banner = self._above
        if banner is None or not banner.isVisible():
            return MARGIN
        bottom = self._canvas.mapFromGlobal(banner.mapToGlobal(QPoint(0, banner.height())))
        return max(MARGIN, bottom.y() + MARGIN)

    def _on_banner_changed(self) -> None:
        if not self.isHidden():
            self._place()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and not self.isHidden():
            self._place()
        return False
