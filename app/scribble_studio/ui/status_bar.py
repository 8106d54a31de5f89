"""The status bar: credits, connection, queued jobs, canvas size and zoom."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

LOW_CREDITS = 1.0


class StudioStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.credits = QLabel()
        self.credits.setAccessibleName("Remaining credits")
        self.connection = QLabel()
        self.queue = QLabel()
        self.canvas = QLabel()
        for label in (self.credits, self.connection, self.queue, self.canvas):
            self.addPermanentWidget(label)
        self.set_credits(None)
        self.set_connection("unknown")
        self.set_queue(0)

    def set_credits(self, credits: float | None) -> None:
        if credits is None:
            self.credits.setText("Credits: —")
            self.credits.setStyleSheet("")
            return
        self.credits.setText(f"Credits: {credits:g}")
        low = credits < LOW_CREDITS
        self.credits.setStyleSheet("color: #b3261e; font-weight: bold;" if low else "")
        self.credits.setToolTip("Few credits left" if low else "")

    def set_connection(self, state: str) -> None:
        texts = {"online": "● Online", "offline": "○ Offline", "key rejected": "✘ Key rejected",
                 "unknown": "○ Not connected yet", "no key": "○ No API key"}
        self.connection.setText(texts.get(state, state))

    def set_queue(self, count: int) -> None:
        self.queue.setText(f"Jobs: {count}" if count else "No jobs running")
