"""Model specs: what a model is called here and at the provider, the fields it takes (each
with its name on the wire, default and range), its schedulers, working resolution and
what a call usually costs and takes.

The specs below are data. The composition roots (``main.py``, ``cli.py``) build one
:class:`ModelCatalog` from them and pass it on; adding a model is adding a spec (and, if
its wire format differs, a small mapping in the backend). Nothing here is mutable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, Final

from scribble_studio.domain.errors import AuthenticationFailed, ModelRetired

# The parameters every model takes, by the name GenerationParams gives them. What each
# one is called on the wire, and its range and default, is the spec's business.
NUMERIC_FIELDS: Final = ("steps", "guidance", "strength", "samples")


@dataclasses.dataclass(frozen=True, slots=True)
class FieldSpec:
    """One numeric parameter of a model."""

    name: str            # the GenerationParams attribute
    wire: str            # the field name in the request body
    label: str           # what the panel and the CLI help call it
    kind: type           # int or float
    default: float
    low: float
    high: float
    priced: bool = False  # the provider says it affects the price

    def check(self, value: object) -> str | None:
        """Why ``value`` is not acceptable, or ``None``."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "must be a whole number" if self.kind is int else "must be a number"
        if self.kind is int and not isinstance(value, int):
            return "must be a whole number"
        if value != value or not self.low <= value <= self.high:  # (NaN fails too)
            return f"must be between {self.low:g} and {self.high:g}"
        return None

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "wire": self.wire, "label": self.label,
                "type": self.kind.__name__, "default": self.default, "min": self.low,
                "max": self.high, "priced": self.priced}


@dataclasses.dataclass(frozen=True, slots=True)
class ModelSpec:
    id: str                          # ours: in the history, the CLI, the PNG metadata
    title: str
    slug: str                        # the provider's model path
    fixed: Mapping[str, Any]         # fields always sent as they are (e.g. cn_model)
    fields: tuple[FieldSpec, ...]
    schedulers: tuple[str, ...]
    default_scheduler: str
    resolution: int                  # the short side the model works at
    price_hint: float                # dollars for one image at the default steps
    usual_seconds: float             # a call's usual duration, for the first poll
    source: str = ""                 # where the price and time come from

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        """The spec's default for every numeric field and the scheduler."""
        values: dict[str, Any] = {f.name: f.kind(f.default) for f in self.fields}
        values["scheduler"] = self.default_scheduler
        return values

    def describe(self) -> dict[str, Any]:
        """Everything a user may want to know, as JSON-ready data."""
        return {"id": self.id, "title": self.title, "slug": self.slug,
                "fixed": dict(self.fixed), "fields": [f.describe() for f in self.fields],
                "schedulers": list(self.schedulers), "default_scheduler": self.default_scheduler,
                "resolution": self.resolution, "price_hint": self.price_hint,
                "usual_seconds": self.usual_seconds, "source": self.source}


class UnknownModel(KeyError):
    """A model id no spec has."""


class RetiredModel(ModelRetired):
    """410 for one model: names it, and the model to use instead (if there is one)."""

    def __init__(self, spec: ModelSpec, other: ModelSpec | None, server: str = "") -> None:
        said = f": {server}" if server else "."
        action = (f"Use {other.title} instead." if other is not None
                  else "A newer Scribble Studio may offer another model.")
        super().__init__(f"Segmind has retired {spec.title} ({spec.slug}){said} Nothing "
                         "was sent or charged.", action, status=410)
        self.model_id = spec.id
        self.alternative = other.id if other is not None else None
        self.alternative_title = other.title if other is not None else None


class ModelNotAllowed(AuthenticationFailed):
    """403: the key is good, but this model is not allowed for the account or team."""

    default_action = "Ask the team's admin at Segmind to allow the model, or choose another."

    def __init__(self, message: str, action: str | None = None,
                 model_id: str | None = None, other: ModelSpec | None = None) -> None:
        super().__init__(message, action)
        self.model_id = model_id
        # The model to offer instead (the CLI names its --model), if there is one.
        self.alternative = other.id if other is not None else None
        self.alternative_title = other.title if other is not None else None

    @classmethod
    def for_model(cls, spec: ModelSpec, other: ModelSpec | None,
                  server: str = "") -> ModelNotAllowed:
        said = f": {server}" if server else "."
        action = "Ask the team's admin at Segmind to allow it" + (
            f", or use {other.title}." if other is not None else ".")
        return cls(f"{spec.title} ({spec.slug}) is not allowed for your Segmind account or "
                   f"team{said} Nothing was sent or charged.", action, spec.id, other)


@dataclasses.dataclass(frozen=True, slots=True)
class ModelCatalog:
    """The models this build knows, in the order they are offered; the first is the
    default."""

    specs: tuple[ModelSpec, ...]

    def __post_init__(self) -> None:
        if not self.specs or len({s.id for s in self.specs}) != len(self.specs):
            raise ValueError("a catalog needs specs with distinct ids")

    def __iter__(self) -> Iterator[ModelSpec]:
        return iter(self.specs)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.specs)

    @property
    def default(self) -> ModelSpec:
        return self.specs[0]

    def get(self, model_id: str) -> ModelSpec:
        for spec in self.specs:
            if spec.id == model_id:
                return spec
        raise UnknownModel(model_id)

    def find(self, model_id: object) -> ModelSpec | None:
        return next((s for s in self.specs if s.id == model_id), None)

    def by_slug(self, slug: str) -> ModelSpec | None:
        return next((s for s in self.specs if s.slug == slug), None)

    def other_than(self, model_id: str) -> ModelSpec | None:
        """The model to offer when ``model_id`` is retired or not allowed."""
        return next((s for s in self.specs if s.id != model_id), None)


SCHEDULERS_SD: Final[tuple[str, ...]] = (
    "DDIM", "DPM Multi", "DPM Single", "Euler a", "Euler", "Heun", "DPM2 a Karras",
    "DPM2 Karras", "LMS", "PNDM", "DDPM", "UniPC",
)

_SAMPLES = FieldSpec("samples", "samples", "Samples", int, 1, 1, 4, priced=True)

SD15_SCRIBBLE: Final = ModelSpec(
    id="sd15-scribble",
    title="SD 1.5 ControlNet Scribble",
    slug="sd1.5-controlnet-scribble",
    fixed=MappingProxyType({}),
    fields=(
        FieldSpec("steps", "num_inference_steps", "Steps", int, 20, 20, 100, priced=True),
        FieldSpec("guidance", "guidance_scale", "Guidance", float, 7.5, 0.1, 25.0),
        FieldSpec("strength", "strength", "ControlNet strength", float, 1.0, 0.1, 1.0),
        _SAMPLES,
    ),
    schedulers=SCHEDULERS_SD,
    default_scheduler="UniPC",
    resolution=512,
    price_hint=0.003,
    usual_seconds=3.8,
    source="the model's page at segmind.com, Aug 2026",
)

SDXL_SCRIBBLE: Final = ModelSpec(
    id="sdxl-scribble",
    title="SDXL ControlNet Scribble",
    slug="sdxl-controlnet",
    fixed=MappingProxyType({"cn_model": "sdxl_scribble"}),
    fields=(
        FieldSpec("steps", "num_inference_steps", "Steps", int, 30, 20, 100, priced=True),
        FieldSpec("guidance", "guidance_scale", "Guidance", float, 6.0, 1.0, 25.0),
        FieldSpec("strength", "controlnet_scale", "ControlNet scale", float, 0.9, 0.0, 1.0),
        _SAMPLES,
    ),
    schedulers=SCHEDULERS_SD,
    default_scheduler="UniPC",
    resolution=1024,
    price_hint=0.012,
    usual_seconds=10.9,
    source="the model's page at segmind.com (sdxl-controlnet), 2026",
)

BUILTIN_SPECS: Final[tuple[ModelSpec, ...]] = (SD15_SCRIBBLE, SDXL_SCRIBBLE)


def builtin_catalog() -> ModelCatalog:
    """The catalog the composition roots pass on (a new object each call)."""
    return ModelCatalog(BUILTIN_SPECS)
