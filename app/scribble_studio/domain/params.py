"""Generation parameters: what the user asks for, each field's default and range."""

from __future__ import annotations

import dataclasses
import math
import random
from typing import Any, Final

MODEL_SLUG: Final = "sd1.5-controlnet-scribble"

SCHEDULERS: Final[tuple[str, ...]] = (
    "DDIM",
    "DPM Multi",
    "DPM Single",
    "Euler a",
    "Euler",
    "Heun",
    "DPM2 a Karras",
    "DPM2 Karras",
    "LMS",
    "PNDM",
    "DDPM",
    "UniPC",
)

STEPS_RANGE: Final = (20, 100)
GUIDANCE_RANGE: Final = (0.1, 25.0)
STRENGTH_RANGE: Final = (0.1, 1.0)
SAMPLES_RANGE: Final = (1, 4)
# 2**53 - 1 is the largest integer every JSON parser keeps exact.
SEED_MAX: Final = 2**53 - 1
# A seed drawn by the client (when the user asks for "random") stays in 32 bits.
RANDOM_SEED_MAX: Final = 2**32 - 1


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return _is_int(value) or (isinstance(value, float) and math.isfinite(value))


def _check_int(value: object, low: int, high: int) -> str | None:
    if not _is_int(value):
        return "must be a whole number"
    assert isinstance(value, int)
    if not low <= value <= high:
        return f"must be between {low} and {high}"
    return None


def _check_float(value: object, low: float, high: float) -> str | None:
    if not _is_number(value):
        return "must be a number"
    assert isinstance(value, int | float)
    if not low <= value <= high:
        return f"must be between {low:g} and {high:g}"
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class GenerationParams:
    """What the user asks for. ``seed=None`` means "random": see :meth:`with_seed_drawn`.

    Instances may hold invalid values (they mirror what the user typed);
    :meth:`validate` says what is wrong, all at once.
    """

    prompt: str
    negative_prompt: str = ""
    scheduler: str = "UniPC"
    steps: int = 20
    guidance: float = 7.5
    strength: float = 1.0
    samples: int = 1
    seed: int | None = None

    def validate(self) -> dict[str, str]:
        """Every problem, keyed by field name; an empty dict means valid."""
        problems: dict[str, str] = {}
        if not isinstance(self.prompt, str) or not self.prompt.strip():
            problems["prompt"] = "must not be empty"
        if not isinstance(self.negative_prompt, str):
            problems["negative_prompt"] = "must be text"
        if self.scheduler not in SCHEDULERS:
            problems["scheduler"] = "must be one of " + ", ".join(SCHEDULERS)
        checks = {
            "steps": _check_int(self.steps, *STEPS_RANGE),
            "guidance": _check_float(self.guidance, *GUIDANCE_RANGE),
            "strength": _check_float(self.strength, *STRENGTH_RANGE),
            "samples": _check_int(self.samples, *SAMPLES_RANGE),
            "seed": None if self.seed is None else _check_int(self.seed, 0, SEED_MAX),
        }
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
