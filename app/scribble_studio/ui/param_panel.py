"""The parameter panel: widgets bound to a :class:`ParametersModel` (the model, prompt,
negative prompt, scheduler, steps, guidance, strength, samples, and a seed field that
holds any value up to 2^53−1). The model holds the values; the panel shows them with the
ranges, labels and schedulers of the chosen model's spec, and marks a seed that is not a
usable number."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from scribble_studio.controllers.parameters_model import ParametersModel
from scribble_studio.controllers.properties import Blocker, bind
from scribble_studio.domain.models import ModelCatalog, ModelSpec
from scribble_studio.domain.params import SEED_MAX, GenerationParams

INVALID_STYLE = "border: 2px solid #d0402b;"


def _text_box(name: str, height: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    box.setAccessibleName(name)
    return box


class ParamPanel(QWidget):
    def __init__(self, parameters: ParametersModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.parameters = parameters
        self.model = QComboBox()
        self.model.setAccessibleName("Model")
        # The model's long name (with its price) is elided rather than widening the dock.
        self.model.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.model.setMinimumContentsLength(18)
        self.prompt = _text_box("Prompt", 84)
        self.prompt.setPlaceholderText("What the picture shows (Ctrl+L)")
        self.negative = _text_box("Negative prompt", 52)
        self.negative.setPlaceholderText("What to avoid, e.g. blurry, text")
        self.scheduler = QComboBox()
        self.scheduler.setAccessibleName("Scheduler")
        self.steps = QSpinBox()
        self.guidance = QDoubleSpinBox()
        self.guidance.setSingleStep(0.5)
        self.strength = QDoubleSpinBox()
        self.strength.setSingleStep(0.05)
        self.samples = QSpinBox()
        self.seed = QLineEdit()
        self.seed.setAccessibleName("Seed")
        self.seed.setPlaceholderText(f"0 – {SEED_MAX}")
        self.seed.setMinimumWidth(self.seed.fontMetrics().horizontalAdvance("0" * 12) + 12)
        self.random_seed = QCheckBox("Random")
        self.random_seed.setToolTip("Draw a new seed for every job (it is recorded)")
        self.last_seed = QPushButton("Use last")
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.random_seed)
        seed_row.addWidget(self.last_seed)
        form = QFormLayout(self)
        self._form = form
        form.addRow("Model", self.model)
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        form.addRow("Scheduler", self.scheduler)
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Strength", self.strength)
        form.addRow("Samples", self.samples)
        form.addRow("Seed", seed_row)
        self._boxes: dict[str, QSpinBox | QDoubleSpinBox] = {
            "steps": self.steps, "guidance": self.guidance, "strength": self.strength,
            "samples": self.samples}
        self._on_models_changed(parameters.models)
        self._on_spec_changed(parameters.spec)
        # The ranges first (above), then the values: a box never clamps a value it is
        # shown into a model it has not got the range of yet.
        parameters.models_changed.connect(self._on_models_changed)
        parameters.spec_changed.connect(self._on_spec_changed)
        self.bindings = [bind(parameters, "model", self.model),
                         bind(parameters, "prompt", self.prompt),
                         bind(parameters, "negative_prompt", self.negative),
                         bind(parameters, "scheduler", self.scheduler),
                         *(bind(parameters, name, box) for name, box in self._boxes.items()),
                         bind(parameters, "random_seed", self.random_seed)]
        self._bind_seed()
        parameters.random_seed_changed.connect(self._on_random_seed_changed)
        parameters.last_seed_changed.connect(self._on_last_seed_changed)
        parameters.changed.connect(self._mark)
        self.last_seed.clicked.connect(parameters.use_last_seed)
        self._on_random_seed_changed(parameters.random_seed)
        self._on_last_seed_changed(parameters.last_seed)
        self._mark()

    def _bind_seed(self) -> None:
        """The seed box and ``seed_text``, both ways. Not ``bind``: every change of the
        text counts (also one made by a program, as by "paste"), and the model's value is
        written only when it differs, so typing in the middle keeps the cursor there."""
        blocker, box, parameters = Blocker(), self.seed, self.parameters

        def show(text: str) -> None:
            if box.text() != text:
                with blocker.hold():
                    box.setText(text)

        parameters.seed_text_changed.connect(show)
        box.textChanged.connect(blocker.guard(
            lambda text: setattr(parameters, "seed_text", text)))
        show(parameters.seed_text)

    # -- the panel's old API, read from and written to the model -------------------------

    @property
    def spec(self) -> ModelSpec:
        return self.parameters.spec

    def params(self) -> GenerationParams:
        """The parameters as set up; may be invalid (see :meth:`problems`)."""
        return self.parameters.params()

    def problems(self) -> dict[str, str]:
        return self.parameters.problems()

    # -- following the model -------------------------------------------------------------

    def _on_models_changed(self, models: ModelCatalog) -> None:
        self.model.blockSignals(True)
        self.model.clear()
        for spec in models:
            self.model.addItem(f"{spec.title}  (≈ ${spec.price_hint:g} an image)", spec.id)
        self.model.setCurrentIndex(max(0, self.model.findData(self.parameters.model)))
        self.model.blockSignals(False)

    def _on_spec_changed(self, spec: ModelSpec) -> None:
        """Ranges, labels and schedulers of ``spec``; the values follow from the model.
        The boxes' own signals are blocked: a range that clamps what a box shows must not
        write the clamped number into the model."""
        parameters = self.parameters
        for field in spec.fields:
            box = self._boxes[field.name]
            box.blockSignals(True)
            if isinstance(box, QSpinBox):
                box.setRange(int(field.low), int(field.high))
            else:
                box.setRange(field.low, field.high)
            box.setValue(getattr(parameters, field.name))
            box.blockSignals(False)
            box.setAccessibleName(field.label)
            box.setToolTip(f"{field.label}: {field.low:g}–{field.high:g}, "
                           f"default {field.default:g}" + (" (priced)" if field.priced else ""))
            label = self._form.labelForField(box)
            if isinstance(label, QLabel):
                label.setText(field.label.replace("ControlNet ", "").capitalize())
        self.scheduler.blockSignals(True)
        self.scheduler.clear()
        for name in spec.schedulers:
            self.scheduler.addItem(name, name)
        self.scheduler.setCurrentIndex(max(0, self.scheduler.findData(parameters.scheduler)))
        self.scheduler.blockSignals(False)

    def _on_random_seed_changed(self, random_seed: bool) -> None:
        self.seed.setEnabled(not random_seed)

    def _on_last_seed_changed(self, seed: int | None) -> None:
        self.last_seed.setEnabled(seed is not None)
        self.last_seed.setToolTip("Use the seed of the last job" + (
            f" ({seed})" if seed is not None else ""))

    def _mark(self) -> None:
        """Mark the seed where it is typed when it is not a usable number. (The other
        fields cannot leave their ranges; an empty prompt is explained on Generate.)"""
        problem = self.problems().get("seed")
        self.seed.setStyleSheet(INVALID_STYLE if problem else "")
        self.seed.setToolTip(f"The seed {problem}" if problem else "")
