"""The parameter panel with the Generate button, which explains when it cannot run and
says what the job will cost."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

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
        self.estimate = ""   # e.g. "≈ $0.012 (4 images)"; "" while not known
        # Live mode: sends the drawing by itself whenever it is still (Ctrl+Shift+L).
        self.live = QPushButton("Live")
        self.live.setCheckable(True)
        self.live.setMinimumHeight(36)
        self.live.setAccessibleName("Live mode")
        self.live.setToolTip("Live mode: send the drawing by itself each time you pause, "
                             "with the seed held (Ctrl+Shift+L)")
        self.new_seed = QPushButton("New seed")
        self.new_seed.setMinimumHeight(36)
        self.new_seed.setToolTip("Live mode: the same drawing with another seed")
        self.new_seed.setVisible(False)
        self.live.toggled.connect(self.new_seed.setVisible)
        generate_row = QHBoxLayout()
        generate_row.addWidget(self.button, 1)
        generate_row.addWidget(self.live)
        generate_row.addWidget(self.new_seed)
        layout = QVBoxLayout(self)
        layout.addWidget(self.params)
        layout.addLayout(generate_row)
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
        cost = f" {self.estimate}" if self.estimate else ""
        self.button.setToolTip(" ".join(reasons) or f"Send the sketch (Ctrl+Return){cost}")

    def set_estimate(self, text: str, has_ink: bool | None = None) -> None:
        """What the job as set up now would cost (from the budget service)."""
        self.estimate = text
        self.button.setText(f"Generate   {text}" if text else "Generate")
        if has_ink is not None:
            self.update_state(has_ink)
        elif self.button.isEnabled():
            self.button.setToolTip(f"Send the sketch (Ctrl+Return) {text}".rstrip())
