"""Settings: API key, base URL, which of Segmind's APIs, timeouts, concurrency, invert,
upload encoding, and the budget."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from scribble_studio.controllers.app_settings import SettingsController
from scribble_studio.domain.errors import StudioError
from scribble_studio.domain.scribble_spec import UploadEncoding
from scribble_studio.services.settings_store import AppSettings


def here_in_settings(message: str) -> str:
    """A message's advice as read inside Settings: "Check the API key in Settings (or
    SEGMIND_API_KEY)." becomes "Check the API key above." """
    return re.sub(r" in Settings(?: \(or [A-Z_]+\))?", " above", message)


class SettingsDialog(QDialog):
    """Opened with ``open()``; OK applies what validates and says what does not."""

    def __init__(self, controller: SettingsController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # freed when closed
        self.controller = controller
        self.setWindowTitle("Settings")
        s = controller.current()
        key = controller.api_key()
        self.key = QLineEdit(key.reveal() if key is not None else "")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setAccessibleName("API key")
        self.key.setPlaceholderText("Your Segmind API key")
        self.key_note = QLabel(controller.secrets.describe())
        self.key_note.setWordWrap(True)
        self.base = QLineEdit(s.api_base)
        self.base.setAccessibleName("API base URL")
        self.api = QComboBox()
        self.api.setAccessibleName("Segmind API")
        for text, value in (("Job API (v2), v1 where a model is not on v2", "auto"),
                            ("Job API (v2) only", "v2"), ("One blocking call (v1) only", "v1")):
            self.api.addItem(text, value)
        self.api.setCurrentIndex(max(self.api.findData(s.api), 0))
        self.api.setToolTip("With the job API a job that was paid for is collected even "
                            "after a crash or a lost connection.")
        self.connect_timeout = self._seconds(s.connect_timeout, 1, 120, "Connect timeout")
        self.read_timeout = self._seconds(s.read_timeout, 5, 3600, "Read timeout")
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, 8)
        self.concurrency.setValue(s.concurrency)
        self.concurrency.setAccessibleName("Jobs at once")
        self.invert = QCheckBox("Send white strokes on black")
        self.invert.setChecked(s.invert)
        self.encoding = QComboBox()
        self.encoding.addItem("8-bit grayscale PNG (smallest)", UploadEncoding.GRAY.value)
        self.encoding.addItem("RGB PNG (compatibility)", UploadEncoding.RGB.value)
        self.encoding.setCurrentIndex(0 if s.encoding() is UploadEncoding.GRAY else 1)
        self.budget_day = self._dollars(s.budget_day, "Budget per day")
        self.budget_month = self._dollars(s.budget_month, "Budget per month")
        self.budget_ask = self._dollars(s.budget_ask_above, "Ask before a job above")
        self.test = QPushButton("Test connection")
        self.test_result = QLabel()
        self.test_result.setWordWrap(True)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #b3261e;")
        self.problem.setWordWrap(True)
        self.test_result.setAccessibleName("Connection test result")
        # Under the button, the dialog's whole width: a long answer wraps, never clips.
        self.test_result.setSizePolicy(QSizePolicy.Policy.Preferred,
                                       QSizePolicy.Policy.MinimumExpanding)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test)
        test_row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("API key", self.key)
        form.addRow("", self.key_note)
        form.addRow("API base URL", self.base)
        form.addRow("Segmind API", self.api)
        form.addRow("Connect timeout", self.connect_timeout)
        form.addRow("Read timeout", self.read_timeout)
        form.addRow("Jobs at once", self.concurrency)
        form.addRow("", self.invert)
        form.addRow("Upload as", self.encoding)
        budget = QGroupBox("Budget")
        budget.setAccessibleName("Budget")
        budget_form = QFormLayout(budget)
        budget_form.addRow("Per day", self.budget_day)
        budget_form.addRow("Per month", self.budget_month)
        budget_form.addRow("Ask above (a job)", self.budget_ask)
        note = QLabel("A job whose estimate would pass a limit is not sent; you can send "
                      "it anyway, once. 0 means no limit.")
        note.setWordWrap(True)
        note.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding)
        budget_form.addRow(note)
        form.addRow(budget)
        form.addRow(self._live_group(s))
        form.addRow(test_row)
        form.addRow(self.test_result)
        form.addRow(self.problem)
        form.addRow(buttons)
        self.test.clicked.connect(self._on_test_clicked)
        controller.tested.connect(self._on_controller_tested)
        controller.key_changed.connect(self._on_controller_key_changed)

    def _live_group(self, s: AppSettings) -> QGroupBox:
        self.live_jobs = QSpinBox()
        self.live_jobs.setRange(1, 10_000)
        self.live_jobs.setValue(s.live_cap_jobs)
        self.live_jobs.setSuffix(" jobs")
        self.live_jobs.setAccessibleName("Live mode: jobs per live session")
        self.live_dollars = self._dollars(s.live_cap_dollars, "Live mode: dollars per live "
                                          "session")
        group = QGroupBox("Live mode")
        group.setAccessibleName("Live mode")
        rows = QFormLayout(group)
        rows.addRow("At most", self.live_jobs)
        rows.addRow("Or at most", self.live_dollars)
        note = QLabel("Each time live mode is turned on it may spend up to this; then it "
                      "pauses until you turn it on again.")
        note.setWordWrap(True)
        rows.addRow(note)
        return group

    @staticmethod
    def _seconds(value: float, low: float, high: float, name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        box.setSuffix(" s")
        box.setAccessibleName(name)
        return box

    @staticmethod
    def _dollars(value: float | None, name: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(0, 100_000)
        box.setDecimals(3)
        box.setPrefix("$")
        box.setSpecialValueText("No limit")
        box.setValue(value or 0.0)
        box.setAccessibleName(name)
        return box

    def _on_test_clicked(self) -> None:
        self.test_result.setText("Testing…")
        self.controller.test_connection(self.base.text().strip(), self.key.text(),
                                        self.connect_timeout.value())

    def _on_controller_tested(self, ok: bool, message: str) -> None:
        self.test_result.setText(("✔ " if ok else "✘ ") + here_in_settings(message))

    def _on_controller_key_changed(self) -> None:
        """The key read from the keyring after the dialog opened: shown, unless the user
        has typed one."""
        self.key_note.setText(self.controller.secrets.describe())
        if not self.key.isModified():
            key = self.controller.api_key()
            self.key.setText(key.reveal() if key is not None else "")

    def accept(self) -> None:
        try:
            self.controller.update(
                api_base=self.base.text().strip(), connect_timeout=self.connect_timeout.value(),
                read_timeout=self.read_timeout.value(), concurrency=self.concurrency.value(),
                invert=self.invert.isChecked(), upload_encoding=self.encoding.currentData(),
                api=self.api.currentData(), budget_day=self.budget_day.value() or None,
                budget_month=self.budget_month.value() or None,
                budget_ask_above=self.budget_ask.value() or None,
                live_cap_jobs=self.live_jobs.value(),
                live_cap_dollars=round(self.live_dollars.value(), 4))
        except StudioError as exc:
            self.problem.setText(f"{exc.message} {exc.action}")
            return
        current = self.controller.api_key()
        # Only a key the user typed is saved: an untouched field never replaces (or, while
        # the keyring is still being read, deletes) the stored one.
        if self.key.isModified() and \
                self.key.text().strip() != (current.reveal() if current else ""):
            self.controller.set_key(self.key.text())
        super().accept()
