"""Generation parameters: what the user asks for, each field's default and range."""

from __future__ import annotations

import dataclasses
import random
from typing import Any, Final

from scribble_studio.domain.models import BUILTIN_SPECS, SD15_SCRIBBLE, ModelSpec

# The default model's slug and schedulers, for callers that predate model specs.
MODEL_SLUG: Final = SD15_SCRIBBLE.slug
SCHEDULERS: Final[tuple[str, ...]] = SD15_SCRIBBLE.schedulers
DEFAULT_MODEL: Final = SD15_SCRIBBLE.id
# 2**53 - 1 is the largest integer every JSON parser keeps exact.
SEED_MAX: Final = 2**53 - 1
# A seed drawn by the client (when the user asks for "random") stays in 32 bits.
RANDOM_SEED_MAX: Final = 2**32 - 1


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(value: object, low: int, high: int) -> str | None:
    if not _is_int(value):
        return "must be a whole number"
    assert isinstance(value, int)
    if not low <= value <= high:
        return f"must be between {low} and {high}"
    return None


def _default(name: str) -> Any:
    return SD15_SCRIBBLE.defaults()[name]


@dataclasses.dataclass(frozen=True, slots=True)
class GenerationParams:
    """What the user asks for. ``seed=None`` means "random": see :meth:`with_seed_drawn`.

    Instances may hold invalid values (they mirror what the user typed);
    :meth:`validate` says what is wrong, all at once.
    """

    prompt: str
    negative_prompt: str = ""
    scheduler: str = _default("scheduler")
    steps: int = _default("steps")
    guidance: float = _default("guidance")
    strength: float = _default("strength")   # the ControlNet scale, whatever its wire name
    samples: int = _default("samples")
    seed: int | None = None
    model: str = DEFAULT_MODEL

    @classmethod
    def for_model(cls, spec: ModelSpec, prompt: str, **values: Any) -> GenerationParams:
        """A model's defaults, with ``values`` on top."""
        return cls(prompt=prompt, model=spec.id, **{**spec.defaults(), **values})

    def switched_to(self, spec: ModelSpec) -> GenerationParams:
        """The same job for another model: prompt, negative prompt and seed stay; a value
        the user changed stays if the new model takes it; a value left at the old
        model's default, or one the new model cannot take, becomes the new default."""
        changes: dict[str, Any] = {"model": spec.id}
        defaults = spec.defaults()
        old = next((s for s in BUILTIN_SPECS if s.id == self.model), None)
        old_defaults = old.defaults() if old is not None else {}
        if self.scheduler not in spec.schedulers or self.scheduler == old_defaults.get(
                "scheduler"):
            changes["scheduler"] = defaults["scheduler"]
        for field in spec.fields:
            value = getattr(self, field.name)
            if field.check(value) is not None or value == old_defaults.get(field.name):
                changes[field.name] = defaults[field.name]
        return dataclasses.replace(self, **changes)

    def validate(self, spec: ModelSpec | None = None) -> dict[str, str]:
        """Every problem, keyed by field name; an empty dict means valid. The ranges are
        the model's: ``spec``, or the built-in spec named by :attr:`model`."""
        problems: dict[str, str] = {}
        if spec is None:
            spec = next((s for s in BUILTIN_SPECS if s.id == self.model), None)
        if spec is None or spec.id != self.model:
            problems["model"] = "must be one of " + ", ".join(s.id for s in BUILTIN_SPECS) \
                if spec is None else f"is {self.model!r}, not {spec.id!r}"
            if spec is None:
                spec = SD15_SCRIBBLE
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            problems["prompt"] = "must not be empty"
        if not isinstance(self.negative_prompt, str):
            problems["negative_prompt"] = "must be text"
        if self.scheduler not in spec.schedulers:
            problems["scheduler"] = "must be one of " + ", ".join(spec.schedulers)
        checks = {field.name: field.check(getattr(self, field.name)) for field in spec.fields}
        checks["seed"] = None if self.seed is None else _check_int(self.seed, 0, SEED_MAX)
        problems.update({field: why for field, why in checks.items() if why is not None})
        return problems

    def with_seed_drawn(self, rng: random.Random) -> GenerationParams:
        """The same parameters with a concrete seed: a random one is drawn here,
        on the client, so that the result is reproducible and recorded."""
        if self.seed is not None:
            return self
        return dataclasses.replace(self, seed=rng.randint(0, RANDOM_SEED_MAX))

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationParams:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
