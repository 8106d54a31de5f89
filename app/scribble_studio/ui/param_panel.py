"""The parameter panel: the model, prompt, negative prompt, scheduler, steps, guidance,
strength, samples and a seed field that holds any value up to 2^53−1. Ranges, defaults,
labels and schedulers come from the chosen model's spec."""

from __future__ import annotations

from PySide6.QtCore import Signal
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

from scribble_studio.domain.models import ModelCatalog, ModelSpec, builtin_catalog
from scribble_studio.domain.params import SEED_MAX, GenerationParams

INVALID_STYLE = "border: 2px solid #d0402b;"


def _text_box(name: str, height: int) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    box.setAccessibleName(name)
    return box


class ParamPanel(QWidget):
    changed = Signal()

    def __init__(self, parent: QWidget | None = None,
                 models: ModelCatalog | None = None) -> None:
        super().__init__(parent)
        self._models = models or builtin_catalog()
        self._spec = self._models.default
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
        self.last_seed.setToolTip("Use the seed of the last job")
        self.last_seed.setEnabled(False)
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
        self._last: int | None = None
        self._fill_models()
        self.set_params(GenerationParams.for_model(self._spec, ""))
        self.model.currentIndexChanged.connect(self._on_model_changed)
        for signal in (self.prompt.textChanged, self.negative.textChanged,
                       self.scheduler.currentIndexChanged, self.steps.valueChanged,
                       self.guidance.valueChanged, self.strength.valueChanged,
                       self.samples.valueChanged, self.seed.textChanged,
                       self.random_seed.toggled):
            signal.connect(self._on_any_changed)
        self.last_seed.clicked.connect(self._on_last_seed_clicked)

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    def use_model(self, model_id: str) -> None:
        """Switch to another model, keeping the prompt, the seed and what both share."""
        spec = self._models.find(model_id)
        if spec is not None and spec.id != self._spec.id:
            self.set_params(self.params().switched_to(spec), keep_seed_mode=True)

    def set_models(self, models: ModelCatalog) -> None:
        """The models the composition root passes in; the current job moves to its
        first model if the current one is not among them."""
        current = self.params()
        self._models = models
        self._fill_models()
        spec = models.find(current.model) or models.default
        self.set_params(current.switched_to(spec), keep_seed_mode=True)

    def _fill_models(self) -> None:
        self.model.blockSignals(True)
        self.model.clear()
        for spec in self._models:
            self.model.addItem(f"{spec.title}  (≈ ${spec.price_hint:g} an image)", spec.id)
        self.model.setCurrentIndex(self._models.ids.index(self._spec.id)
                                   if self._spec.id in self._models.ids else 0)
        self.model.blockSignals(False)

    def _apply_spec(self, spec: ModelSpec) -> None:
        """Ranges, labels and schedulers of ``spec`` (values are set by the caller)."""
        self._spec = spec
        boxes: dict[str, QSpinBox | QDoubleSpinBox] = {
            "steps": self.steps, "guidance": self.guidance, "strength": self.strength,
            "samples": self.samples}
        for field in spec.fields:
            box = boxes[field.name]
            box.blockSignals(True)
            if isinstance(box, QSpinBox):
                box.setRange(int(field.low), int(field.high))
            else:
                box.setRange(field.low, field.high)
            box.blockSignals(False)
            box.setAccessibleName(field.label)
            box.setToolTip(f"{field.label}: {field.low:g}–{field.high:g}, "
                           f"default {field.default:g}" + (" (priced)" if field.priced else ""))
            label = self._form.labelForField(box)
            if isinstance(label, QLabel):
                label.setText(field.label.replace("ControlNet ", "").capitalize())
        self.scheduler.blockSignals(True)
        self.scheduler.clear()
        self.scheduler.addItems(spec.schedulers)
        self.scheduler.blockSignals(False)
        index = self._models.ids.index(spec.id) if spec.id in self._models.ids else 0
        if self.model.currentIndex() != index:
            self.model.blockSignals(True)
            self.model.setCurrentIndex(index)
            self.model.blockSignals(False)

    def _on_model_changed(self, index: int) -> None:
        self.use_model(self.model.itemData(index))

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
            model=self._spec.id,
        )

    def problems(self) -> dict[str, str]:
        return self.params().validate(self._spec)

    def set_params(self, params: GenerationParams, keep_seed_mode: bool = False) -> None:
        """Show ``params``, with its model's ranges (a model this panel does not offer
        is shown as the first one it does, keeping what both share)."""
        spec = self._models.find(params.model)
        if spec is None:
            spec = self._models.default
            params = params.switched_to(spec)
        self._apply_spec(spec)
        self.prompt.setPlainText(params.prompt)
        self.negative.setPlainText(params.negative_prompt)
        index = self.scheduler.findText(params.scheduler)
        self.scheduler.setCurrentIndex(index if index >= 0 else
                                       spec.schedulers.index(spec.default_scheduler))
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
