"""The parameter panel with the Generate button, which explains when it cannot run and
says what the job will cost. The parameters scroll when the dock is short (a 1366×768
laptop, a window of 1024×640); Generate stays below them, outside the scroll, always in
view."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.ui.param_panel import ParamPanel


class FormScroll(QScrollArea):
    """A scroll area that asks for its whole form (Qt caps a scroll area's size hint at
    24 lines), so in a tall dock nothing scrolls."""

    def sizeHint(self) -> QSize:
        inner = self.widget()
        if inner is None:
            return super().sizeHint()
        hint = inner.sizeHint()
        return QSize(hint.width() + self.verticalScrollBar().sizeHint().width(),
                     hint.height() + 2 * self.frameWidth())


class GeneratePanel(QWidget):
    generate_requested = Signal()

    def __init__(self, parameters: ParametersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parameters = parameters  # what Generate sends: the model, not the widgets
        self.params = ParamPanel(parameters)
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
        self.scroll_area = FormScroll()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setAccessibleName("Parameters")
        # The form at the top of the scroll, its rows at their natural spacing.
        inner = QWidget()
        column = QVBoxLayout(inner)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.params)
        column.addStretch(1)
        self.scroll_area.setWidget(inner)
        # Only the height scrolls: the dock is never narrower than the form.
        self.scroll_area.setMinimumWidth(self.params.minimumSizeHint().width()
                                    + self.scroll_area.verticalScrollBar().sizeHint().width())
        # Generate's row: a plain row others may add to (a Live-mode toggle, say).
        self.button_row = QHBoxLayout()
        self.button_row.setContentsMargins(8, 4, 8, 8)
        self.button_row.addWidget(self.button, 1)
        self.button_row.addWidget(self.live)
        self.button_row.addWidget(self.new_seed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        # In a tall dock Generate sits right under the form (the room left is below it);
        # in a short one the form scrolls above it.
        self.scroll_area.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        layout.addWidget(self.scroll_area, 1)
        layout.addLayout(self.button_row)
        layout.addStretch(0)

    def update_state(self, has_ink: bool) -> None:
        """Enable Generate only when there is something to send; say why if not."""
        problems = self.parameters.problems()
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
