"""The queue: each job's state and elapsed time, with cancel buttons."""

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

from scribble_studio.controllers.session import Job, JobState


class JobRow(QWidget):
    cancel_requested = Signal(object)

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
        self.cancel = QPushButton("Cancel")
        self.cancel.setAccessibleName(f"Cancel job {job.id}")
        self.cancel.clicked.connect(lambda: self.cancel_requested.emit(self.job))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.title, 1)
        layout.addWidget(self.state)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel)
        self.refresh()

    def refresh(self) -> None:
        job = self.job
        self.title.setText(f"#{job.id} {job.params.prompt}")
        self.title.setToolTip(job.params.prompt)
        elapsed = f" {job.elapsed(time.monotonic()):.1f} s" if job.started is not None else ""
        text = job.state.value + elapsed
        if job.state is JobState.FAILED and job.error is not None:
            self.state.setToolTip(job.error.message)
        self.state.setText(text)
        sending = job.state is JobState.SENDING
        self.progress.setRange(0, 0 if sending else 1)  # busy while sending
        self.progress.setValue(1 if job.state is JobState.DONE else 0)
        self.progress.setVisible(job.active)
        self.cancel.setVisible(job.active)


class JobsPanel(QWidget):
    cancel_requested = Signal(object)
    cancel_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setAccessibleName("Jobs")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.cancel_all = QPushButton("Cancel all")
        self.cancel_all.clicked.connect(self.cancel_all_requested)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addWidget(self.cancel_all)
        self.rows: dict[int, JobRow] = {}
        self._ticker = QTimer(self)
        self._ticker.setInterval(200)
        self._ticker.timeout.connect(self._on_ticker_timeout)

    def add_job(self, job: Job) -> None:
        row = JobRow(job)
        row.cancel_requested.connect(self.cancel_requested)
        item = QListWidgetItem()
        item.setSizeHint(row.sizeHint())
        self.list.insertItem(0, item)
        self.list.setItemWidget(item, row)
        self.rows[job.id] = row
        self._ticker.start()

    def update_job(self, job: Job) -> None:
        row = self.rows.get(job.id)
        if row is not None:
            row.refresh()
        if not any(r.job.active for r in self.rows.values()):
            self._ticker.stop()

    def _on_ticker_timeout(self) -> None:
        for row in self.rows.values():
            if row.job.state is JobState.SENDING:
                row.refresh()
