"""A non-modal message strip: what happened, and one action to take."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from scribble_studio.domain.errors import StudioError


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#banner { background: #fff4d6; border: 1px solid #e0b44c; }"
                           "#banner QLabel { color: #3a2a00; }")
        self.setAccessibleName("Message")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.action_button = QPushButton(self)
        self.action_button.hide()
        close = QToolButton(self)
        close.setText("✕")
        close.setAccessibleName("Dismiss message")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(close)
        self._action: Callable[[], None] | None = None
        self.extra_buttons: list[QPushButton] = []  # add_action's, until the next message
        self.action_button.clicked.connect(self._on_action_button_clicked)
        self.hide()

    def show_error(self, error: StudioError, action_text: str = "",
                   action: Callable[[], None] | None = None) -> None:
        self.show_message(f"{error.message} {error.action}", action_text, action)

    def show_message(self, text: str, action_text: str = "",
                     action: Callable[[], None] | None = None) -> None:
        self.label.setText(text)
        for button in self.extra_buttons:
            button.deleteLater()
        self.extra_buttons.clear()
        self._action = action
        self.action_button.setVisible(action is not None)
        self.action_button.setText(action_text)
        self.show()

    def add_action(self, text: str, action: Callable[[], None]) -> None:
        """One more action beside the message's own (as "Send anyway" beside "Show
        result"); it goes with the next message."""
        button = QPushButton(text, self)

        def clicked() -> None:
            self.hide()  # first: what the action says next must stay
            action()

        button.clicked.connect(clicked)
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(layout.indexOf(self.action_button) + 1 + len(self.extra_buttons),
                            button)
        button.show()  # (a child added to a shown banner is not shown by itself)
        self.extra_buttons.append(button)

    def _on_action_button_clicked(self) -> None:
        if self._action is not None:
            self._action()
        self.hide()
