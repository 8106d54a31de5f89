"""The status bar: credits and today's spend, connection, queued jobs, canvas size and
zoom. The balance turns to a warning colour when it would not cover the next job."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar, QWidget

from scribble_studio.controllers.connection_model import ConnectionModel

WARNING_STYLE = "color: #b3261e; font-weight: bold;"


class StudioStatusBar(QStatusBar):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.credits = QLabel()
        self.credits.setAccessibleName("Remaining credits")
        self.spend = QLabel()
        self.spend.setAccessibleName("Spent today")
        self._balance: float | None = None
        self._next: float | None = None
        self._next_text = ""
        self.connection = QLabel()
        self.queue = QLabel()
        self.canvas = QLabel()
        self.live = QLabel()
        self.live.setAccessibleName("Live mode")
        self.live.setVisible(False)
        for label in (self.live, self.credits, self.spend, self.connection, self.queue,
                      self.canvas):
            self.addPermanentWidget(label)
        self.set_credits(None)
        self.set_connection("unknown")
        self.set_queue(0)

    def set_credits(self, credits: float | None) -> None:
        self._balance = credits
        self.credits.setText("Credits: —" if credits is None else f"Credits: {credits:g}")
        self._mark()

    def set_spend(self, today: float, left: float | None, next_cost: float | None,
                  next_text: str = "") -> None:
        """Today's spend (and what the budget leaves), and the next job's estimate."""
        self._next = next_cost
        text = f"Today: ${today:.2f}" if today >= 0.01 or today == 0 else f"Today: ${today:.4f}"
        if left is not None:
            text += f" (${max(left, 0.0):.2f} left)"
        self.spend.setText(text)
        self._next_text = next_text
        self._mark()

    def _mark(self) -> None:
        """The warning colour when the balance would not cover the next job's estimate."""
        short = self._balance is not None and self._next is not None \
            and self._balance < self._next
        self.credits.setStyleSheet(WARNING_STYLE if short else "")
        self.credits.setToolTip(
            f"Not enough for the next job ({self._next_text})" if short else "")

    def set_connection(self, state: str) -> None:
        texts = {"online": "● Online", "offline": "○ Offline", "key rejected": "✘ Key rejected",
                 "unknown": "○ Not connected yet", "no key": "○ No API key"}
        self.connection.setText(texts.get(state, state))

    def follow_connection(self, connection: ConnectionModel) -> None:
        """Show the connection model's state from now on ("No API key" among them)."""
        connection.state_changed.connect(lambda state: self.set_connection(state.value))
        self.set_connection(connection.state.value)

    def set_live(self, state: str, jobs: int, cost: float) -> None:
        """Live mode ("on", "paused", "off") and what this live session has cost."""
        self.live.setVisible(state != "off")
        spent = f"{jobs} job{'s' if jobs != 1 else ''}, ${cost:.3f}".replace(".000", ".00")
        self.live.setText(f"● Live · {spent}" if state == "on" else f"○ Live paused · {spent}")
        self.live.setStyleSheet("color: #1a7f37; font-weight: bold;" if state == "on" else "")

    def set_queue(self, count: int) -> None:
        self.queue.setText(f"Jobs: {count}" if count else "No jobs running")
