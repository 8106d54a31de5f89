"""The queue and the outbox: each job's state and time, with what can be done about it."""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.session import Job
from scribble_studio.domain.job_state import JobState
from scribble_studio.services.backends.base import Phase

HINTS = {
    JobState.WAITING: "Waiting to be sent: it goes out by itself when the API can be reached.",
    JobState.SUBMITTED: ("Segmind has it: it is collected, even after a restart, and never "
                         "paid for twice."),
    JobState.UNKNOWN: ("It was sent without an answer, and Segmind's request history does not "
                       "know it (yet): it may have been generated and billed. Check your "
                       "balance, then send it again or discard it."),
}
LABELS = {JobState.SUBMITTING: "sending", JobState.SUBMITTED: "at Segmind",
          JobState.UNKNOWN: "outcome unknown"}
PHASES = {Phase.QUEUED: "queued at Segmind"}


def state_text(job: Job, now: float) -> str:
    """What the row says: the stored state, or what the server last said of the job."""
    if job.elsewhere:
        return "being sent by another process"
    if job.state is JobState.SUBMITTED and job.progress is not None:
        seconds = job.progress.seconds + (now - job.progress_at)
        phase = PHASES.get(job.progress.phase, job.progress.phase.value)
        return f"{phase} {seconds:.0f} s" if seconds >= 1 else phase
    label = LABELS.get(job.state, job.state.value)
    timed = job.started is not None and job.state not in (JobState.WAITING, JobState.UNKNOWN)
    return f"{label} {job.elapsed(now):.1f} s" if timed else label


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setAccessibleName(name)
    return button


# States whose job can be sent again as a new one (same scribble, same seed).
RETRIABLE = (JobState.FAILED, JobState.CANCELLED)


def reason_text(job: Job) -> str:
    """Why a job stopped (failed, cancelled, in doubt, waiting), in one line; "" if
    nothing is to be said."""
    if job.error is not None:
        return job.error.message
    entry_error = job.entry.error if job.entry is not None else None
    if job.state in (*RETRIABLE, JobState.UNKNOWN, JobState.WAITING) and entry_error:
        return entry_error
    return "Cancelled before it was sent." if job.state is JobState.CANCELLED else ""


def retry_label(cost: str) -> str:
    """"Retry ≈ $0.012": the button says what pressing it costs (the estimate's first
    words: its image count is in the tooltip)."""
    return f"Retry {cost.split(' (')[0]}" if cost else "Retry"


def retry_tip(job: Job) -> str:
    cost = f" It costs {job.retry_cost}." if job.retry_cost else ""
    return f"Send it again as a new job, with the same sketch and seed {job.params.seed}.{cost}"


class JobRow(QWidget):
    cancel_requested = Signal(object)
    resend_requested = Signal(object)
    discard_requested = Signal(object)
    retry_requested = Signal(object)

    def __init__(self, job: Job) -> None:
        super().__init__()
        self.job = job
        self.title = QLabel()
        # The title gives way (it is elided) so state and buttons always fit the dock.
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.title.setMinimumWidth(40)
        self.state = QLabel()
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(80)
        self.progress.setTextVisible(False)
        self.cancel = _button("Cancel", f"Cancel job {job.id}")
        self.resend = _button("Send again", f"Send job {job.id} again")
        self.discard = _button("Discard", f"Discard job {job.id}")
        self.retry = _button("Retry", f"Retry job {job.id}")
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.job))
        self.resend.clicked.connect(lambda: self.resend_requested.emit(self.job))
        self.discard.clicked.connect(lambda: self.discard_requested.emit(self.job))
        self.retry.clicked.connect(lambda: self.retry_requested.emit(self.job))
        # The reason a job stopped, on a line of its own under the title (elided by the
        # dock's width; whole in the tooltip).
        self.reason = QLabel()
        self.reason.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.reason.setAccessibleName(f"Why job {job.id} stopped")
        self.reason.setStyleSheet("color: palette(placeholder-text);")
        top = QHBoxLayout()
        for widget in (self.title, self.state, self.progress, self.cancel, self.retry,
                       self.resend, self.discard):
            top.addWidget(widget, 1 if widget is self.title else 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(0)
        layout.addLayout(top)
        layout.addWidget(self.reason)
        self.refresh()

    def refresh(self) -> None:
        job = self.job
        self.title.setText(f"{job.number} {job.params.prompt}")
        for button, words in ((self.cancel, "Cancel job {}"), (self.retry, "Retry job {}"),
                              (self.resend, "Send job {} again"),
                              (self.discard, "Discard job {}")):
            button.setAccessibleName(words.format(job.number))
        self.reason.setAccessibleName(f"Why job {job.number} stopped")
        self.title.setToolTip(job.params.prompt)
        self.state.setText(state_text(job, time.monotonic()))
        hint = HINTS.get(job.state, "")
        reason = reason_text(job)
        action = job.error.action if job.error is not None else ""
        tip = " ".join(filter(None, (reason, action, hint)))
        self.state.setToolTip(tip)
        shown = bool(reason) and not job.active
        self.reason.setVisible(shown)
        if shown:
            self.reason.setText(reason)
            self.reason.setToolTip(tip)
        self.retry.setVisible(job.state in RETRIABLE and not job.elsewhere)
        self.retry.setText(retry_label(job.retry_cost))
        self.retry.setToolTip(retry_tip(job))
        self.progress.setRange(0, 0 if job.active and job.state is not JobState.QUEUED else 1)
        self.progress.setVisible(job.active)
        self.cancel.setVisible(job.active)
        self.cancel.setToolTip("Segmind keeps working on it and bills it; the images are kept"
                               if job.at_server else "")
        self.resend.setVisible(job.state is JobState.UNKNOWN and not job.elsewhere)
        self.discard.setVisible(job.state in (JobState.WAITING, JobState.UNKNOWN, *RETRIABLE)
                                and not job.elsewhere)


class JobsPanel(QWidget):
    cancel_requested = Signal(object)
    resend_requested = Signal(object)
    discard_requested = Signal(object)
    retry_requested = Signal(object)
    cancel_all_requested = Signal()
    send_now_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Jobs")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.send_now = QPushButton("Send now")
        self.send_now.setToolTip("Send the waiting jobs without waiting for the next try")
        self.send_now.clicked.connect(self.send_now_requested)
        self.cancel_all = QPushButton("Cancel all")
        self.cancel_all.clicked.connect(self.cancel_all_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.send_now)
        buttons.addWidget(self.cancel_all)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.rows: dict[int, JobRow] = {}
        self.items: dict[int, QListWidgetItem] = {}
        self._ticker = QTimer(self)
        self._ticker.setInterval(200)
        self._ticker.timeout.connect(self._on_ticker_timeout)
        self._sync_buttons()

    def add_job(self, job: Job) -> None:
        row = JobRow(job)
        row.cancel_requested.connect(self.cancel_requested)
        row.resend_requested.connect(self.resend_requested)
        row.discard_requested.connect(self.discard_requested)
        row.retry_requested.connect(self.retry_requested)
        item = QListWidgetItem()
        item.setSizeHint(row.sizeHint())
        self.list.insertItem(0, item)
        self.list.setItemWidget(item, row)
        self.rows[job.id], self.items[job.id] = row, item
        self._sync_buttons()

    def update_job(self, job: Job) -> None:
        row = self.rows.get(job.id)
        if row is not None:
            row.refresh()
            self.items[job.id].setSizeHint(row.sizeHint())  # a reason line comes or goes
        self._sync_buttons()

    def remove_job(self, job: Job) -> None:
        item = self.items.pop(job.id, None)
        self.rows.pop(job.id, None)
        if item is not None:
            self.list.takeItem(self.list.row(item))
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        # The clock ticks while a row shows a running time; it stops with the last one,
        # also when that row is removed (a job hidden while Segmind has it, say).
        running = any(r.job.active for r in self.rows.values())
        if not running:
            self._ticker.stop()
        elif not self._ticker.isActive():
            self._ticker.start()
        jobs = [row.job for row in self.rows.values()]
        self.send_now.setEnabled(any(j.state is JobState.WAITING for j in jobs))
        self.cancel_all.setEnabled(any(j.active for j in jobs))

    def _on_ticker_timeout(self) -> None:
        for row in self.rows.values():
            if row.job.active:
                row.refresh()
