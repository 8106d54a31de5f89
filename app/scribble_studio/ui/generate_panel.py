"""The parameter panel with the Generate button, which explains when it cannot run."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QPushButton, QVBoxLayout, QWidget

from scribble_studio.ui.param_panel import ParamPanel


class GeneratePanel(QWidget):
    generate_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.params = ParamPanel()
        self.button = QPushButton("Generate")
        self.button.setAccessibleName("Generate")
        self.button.setMinimumHeight(36)
        self.button.clicked.connect(self.generate_requested)
        layout = QVBoxLayout(self)
        layout.addWidget(self.params)
        layout.addWidget(self.button)
        layout.addStretch(1)

    def update_state(self, has_ink: bool) -> None:
        """Enable Generate only when there is something to send; say why if not."""
        problems = self.params.problems()
        reasons = []
        if "prompt" in problems:
            reasons.append("Write a prompt first.")
        if not has_ink:
            reasons.append("Draw something on the canvas first.")
        if "seed" in problems:
            reasons.append(f"The seed {problems['seed']}.")
        self.button.setEnabled(not reasons)
        self.button.setToolTip(" ".join(reasons) or "Send the sketch (Ctrl+Return)")
