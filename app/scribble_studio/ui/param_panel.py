"""The parameter panel: prompt, negative prompt, scheduler, steps, guidance, strength,
samples and a seed field that holds any value up to 2^53−1."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from scribble_studio.domain.params import (
    GUIDANCE_RANGE,
    SAMPLES_RANGE,
    SCHEDULERS,
    SEED_MAX,
    STEPS_RANGE,
    STRENGTH_RANGE,
    GenerationParams,
)

INVALID_STYLE = "border: 2px solid #d0402b;"


def _text_box(name: str, height: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    box.setAccessibleName(name)
    return box


class ParamPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prompt = _text_box("Prompt", 84)
        self.prompt.setPlaceholderText("What the picture shows (Ctrl+L)")
        self.negative = _text_box("Negative prompt", 52)
        self.negative.setPlaceholderText("What to avoid, e.g. blurry, text")
        self.scheduler = QComboBox()
        self.scheduler.addItems(SCHEDULERS)
        self.scheduler.setAccessibleName("Scheduler")
        self.steps = QSpinBox()
        self.steps.setRange(*STEPS_RANGE)
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(*GUIDANCE_RANGE)
        self.guidance.setSingleStep(0.5)
        self.strength = QDoubleSpinBox()
        self.strength.setRange(*STRENGTH_RANGE)
        self.strength.setSingleStep(0.05)
        self.samples = QSpinBox()
        self.samples.setRange(*SAMPLES_RANGE)
        for box, name in ((self.steps, "Steps"), (self.guidance, "Guidance"),
                          (self.strength, "ControlNet strength"), (self.samples, "Samples")):
            box.setAccessibleName(name)
        self.seed = QLineEdit()
        self.seed.setAccessibleName("Seed")
        self.seed.setPlaceholderText(f"0 – {SEED_MAX}")
        self.random_seed = QCheckBox("Random")
        self.random_seed.setToolTip("Draw a new seed for every job (it is recorded)")
        self.last_seed = QPushButton("Use last")
        self.last_seed.setToolTip("Use the seed of the last job")
        self.last_seed.setEnabled(False)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.random_seed)
        seed_row.addWidget(self.last_seed)
        form = QFormLayout(self)
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        form.addRow("Scheduler", self.scheduler)
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Strength", self.strength)
        form.addRow("Samples", self.samples)
        form.addRow("Seed", seed_row)
        self._last: int | None = None
        self.set_params(GenerationParams(prompt=""))
        for signal in (self.prompt.textChanged, self.negative.textChanged,
                       self.scheduler.currentIndexChanged, self.steps.valueChanged,
                       self.guidance.valueChanged, self.strength.valueChanged,
                       self.samples.valueChanged, self.seed.textChanged,
                       self.random_seed.toggled):
            signal.connect(self._on_any_changed)
        self.last_seed.clicked.connect(self._on_last_seed_clicked)

    def _seed_value(self) -> int | str | None:
        if self.random_seed.isChecked():
            return None
        text = self.seed.text().strip()
        try:
            return int(text)
        except ValueError:
            return text  # not a number: validate() names it

    def params(self) -> GenerationParams:
        """The parameters as typed; may be invalid (see :meth:`problems`)."""
        return GenerationParams(
            prompt=self.prompt.toPlainText().strip(),
            negative_prompt=self.negative.toPlainText().strip(),
            scheduler=self.scheduler.currentText(), steps=self.steps.value(),
            guidance=round(self.guidance.value(), 2), strength=round(self.strength.value(), 2),
            samples=self.samples.value(), seed=self._seed_value(),  # type: ignore[arg-type]
        )

    def problems(self) -> dict[str, str]:
        return self.params().validate()

    def set_params(self, params: GenerationParams, keep_seed_mode: bool = False) -> None:
        self.prompt.setPlainText(params.prompt)
        self.negative.setPlainText(params.negative_prompt)
        index = self.scheduler.findText(params.scheduler)
        self.scheduler.setCurrentIndex(index if index >= 0 else SCHEDULERS.index("UniPC"))
        self.steps.setValue(params.steps)
        self.guidance.setValue(params.guidance)
        self.strength.setValue(params.strength)
        self.samples.setValue(params.samples)
        if params.seed is None:
            self.random_seed.setChecked(True)
        else:
            self.seed.setText(str(params.seed))
            if not keep_seed_mode:
                self.random_seed.setChecked(False)
        self._mark()

    def note_last_seed(self, seed: int) -> None:
        self._last = seed
        self.last_seed.setEnabled(True)
        self.last_seed.setToolTip(f"Use the seed of the last job ({seed})")

    def _on_last_seed_clicked(self) -> None:
        if self._last is not None:
            self.random_seed.setChecked(False)
            self.seed.setText(str(self._last))

    def _on_any_changed(self, *_args: object) -> None:
        self.seed.setEnabled(not self.random_seed.isChecked())
        self._mark()
        self.changed.emit()

    def _mark(self) -> None:
        """Mark the seed where it is typed when it is not a usable number. (The other
        fields cannot leave their ranges; an empty prompt is explained on Generate.)"""
        problem = self.problems().get("seed")
        self.seed.setStyleSheet(INVALID_STYLE if problem else "")
        self.seed.setToolTip(f"The seed {problem}" if problem else "")
