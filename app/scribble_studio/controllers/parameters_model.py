"""The generation parameters of the job being set up: one model that the parameter panel's
widgets bind to, and that the draft keeper, Generate, live mode and "Reuse settings" read
and write.

Ranges, types, defaults and schedulers come from the chosen model's :class:`ModelSpec`
only: a value set here is clamped to the current spec, and choosing another model
re-applies the new spec (:meth:`GenerationParams.switched_to` says what carries over).

The seed is held as the text the user typed (``seed_text``), with ``random_seed`` beside
it: a half-typed or mistyped seed stays as typed and :meth:`problems` names it (the panel
marks it), rather than being turned into a number and written back into the box. A
number is read from it only in :meth:`params`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Signal

from scribble_studio.controllers.properties import Property
from scribble_studio.domain.models import ModelCatalog, ModelSpec, builtin_catalog
from scribble_studio.domain.params import GenerationParams

T = TypeVar("T")

FIELDS = ("prompt", "negative_prompt", "scheduler", "steps", "guidance", "strength",
          "samples", "seed_text", "random_seed")


class _SpecField(Property[T]):
    """A field whose valid values the model's current spec decides (a numeric field's
    range and type, the scheduler's list): what is set is coerced by the model first."""

    def __set__(self, instance: object, value: T) -> None:
        assert isinstance(instance, ParametersModel)
        super().__set__(instance, instance.coerce(self.name, value))


class ParametersModel(QObject):
    """The parameters as set up now. Each field signals ``<name>_changed``; ``changed``
    fires once per edit (or once per :meth:`set_params`), for whoever follows the whole."""

    changed = Signal()
    spec_changed = Signal(object)      # the ModelSpec whose ranges now apply
    models_changed = Signal(object)    # the ModelCatalog offered
    model_changed = Signal(str)        # the model's id
    prompt_changed = Signal(str)
    negative_prompt_changed = Signal(str)
    scheduler_changed = Signal(str)
    steps_changed = Signal(int)
    guidance_changed = Signal(float)
    strength_changed = Signal(float)
    samples_changed = Signal(int)
    seed_text_changed = Signal(str)
    random_seed_changed = Signal(bool)
    last_seed_changed = Signal(object)  # the seed of the last job sent, or None

    prompt = Property("")              # as typed; params() strips it
    negative_prompt = Property("")
    scheduler: _SpecField[str] = _SpecField("")
    steps: _SpecField[int] = _SpecField(0)
    guidance: _SpecField[float] = _SpecField(0.0)
    strength: _SpecField[float] = _SpecField(0.0)
    samples: _SpecField[int] = _SpecField(0)
    seed_text = Property("")
    random_seed = Property(True)
    last_seed: Property[int | None] = Property(None)

    def __init__(self, models: ModelCatalog | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._models = models or builtin_catalog()
        self._spec = self._models.default
        self._batch_depth = 0
        self._dirty = False
        for name in FIELDS:
            getattr(self, f"{name}_changed").connect(self._on_field_changed)
        self.set_params(GenerationParams.for_model(self._spec, ""))

    # -- the spec ---------------------------------------------------------------------

    @property
    def spec(self) -> ModelSpec:
        return self._spec

    @property
    def models(self) -> ModelCatalog:
        return self._models

    @property
    def model(self) -> str:
        """The chosen model's id; setting it switches models (see :meth:`use_model`)."""
        return self._spec.id

    @model.setter
    def model(self, model_id: str) -> None:
        self.use_model(model_id)

    def use_model(self, model_id: str) -> None:
        """Switch to another model, keeping the prompt, the seed and what both share; a
        model the catalog does not have is ignored."""
        spec = self._models.find(model_id)
        if spec is not None and spec.id != self._spec.id:
            self.set_params(self.params().switched_to(spec), keep_seed_mode=True)

    def set_models(self, models: ModelCatalog) -> None:
        """Offer other models; the job moves to the first if its model is not among them."""
        current = self.params()
        self._models = models
        self.models_changed.emit(models)
        spec = models.find(current.model) or models.default
        self.set_params(current.switched_to(spec), keep_seed_mode=True)

    def coerce(self, name: str, value: Any) -> Any:
        """``value`` as the current spec takes it for field ``name``: a number clamped to
        its range (a whole one for a whole-number field; not a number: the default), a
        scheduler the model has (else its default)."""
        spec = self._spec
        if name == "scheduler":
            return value if value in spec.schedulers else spec.default_scheduler
        field = spec.field(name)
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = field.default
        if number != number:  # NaN
            number = field.default
        number = min(max(number, field.low), field.high)
        return round(number) if field.kind is int else number

    # -- the whole --------------------------------------------------------------------

    def params(self) -> GenerationParams:
        """The parameters as set up; may be invalid (see :meth:`problems`)."""
        return GenerationParams(
            prompt=self.prompt.strip(), negative_prompt=self.negative_prompt.strip(),
            scheduler=self.scheduler, steps=self.steps, guidance=self.guidance,
            strength=self.strength, samples=self.samples,
            seed=self._seed(),  # type: ignore[arg-type]  # (a str: validate() names it)
            model=self._spec.id)

    def _seed(self) -> int | str | None:
        if self.random_seed:
            return None
        text = self.seed_text.strip()
        try:
            return int(text)
        except ValueError:
            return text

    def problems(self) -> dict[str, str]:
        """What is wrong with the parameters, by field (an empty prompt, a bad seed)."""
        return self.params().validate(self._spec)

    def set_params(self, params: GenerationParams, keep_seed_mode: bool = False) -> None:
        """Take ``params`` (reuse, a draft, a picture's metadata), with its model's ranges;
        a model the catalog does not offer becomes its first, keeping what both share. A
        random seed turns "Random" on; a fixed one is shown, and turns "Random" off unless
        ``keep_seed_mode``."""
        spec = self._models.find(params.model)
        if spec is None:
            spec = self._models.default
            params = params.switched_to(spec)
        with self._batch():
            if spec.id != self._spec.id:
                self._spec = spec
                self.spec_changed.emit(spec)
                self.model_changed.emit(spec.id)
                self._dirty = True
            self.prompt = params.prompt
            self.negative_prompt = params.negative_prompt
            self.scheduler = params.scheduler
            self.steps, self.guidance = params.steps, params.guidance
            self.strength, self.samples = params.strength, params.samples
            if params.seed is None:
                self.random_seed = True
            else:
                self.seed_text = str(params.seed)
                if not keep_seed_mode:
                    self.random_seed = False

    def use_last_seed(self) -> None:
        """The seed of the last job, fixed (for the same picture again)."""
        if self.last_seed is not None:
            with self._batch():
                self.random_seed = False
                self.seed_text = str(self.last_seed)

    # -- one "changed" per edit --------------------------------------------------------

    @contextmanager
    def _batch(self) -> Iterator[None]:
        self._batch_depth += 1
        try:
            yield
        finally:
            self._batch_depth -= 1
            if not self._batch_depth and self._dirty:
                self._dirty = False
                self.changed.emit()

    def _on_field_changed(self, *_value: object) -> None:
        if self._batch_depth:
            self._dirty = True
        else:
            self.changed.emit()
