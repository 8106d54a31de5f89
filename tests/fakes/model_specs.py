"""A catalog with a model whose ranges differ from the built-in ones, so that a check
that reads SD 1.5's ranges instead of the model's own shows."""

from __future__ import annotations

import dataclasses
from typing import Final

from scribble_studio.domain.models import SD15_SCRIBBLE, FieldSpec, ModelCatalog, ModelSpec

NARROW: Final = dataclasses.replace(
    SD15_SCRIBBLE, id="narrow-scribble", title="Narrow Scribble", slug="narrow-scribble",
    fields=(FieldSpec("steps", "num_inference_steps", "Steps", int, 8, 4, 12, priced=True),
            FieldSpec("guidance", "guidance_scale", "Guidance", float, 2.0, 1.0, 3.0),
            *SD15_SCRIBBLE.fields[2:]))


def narrow_catalog(default: ModelSpec = SD15_SCRIBBLE) -> ModelCatalog:
    """The built-in SD 1.5 spec and :data:`NARROW`, ``default`` first."""
    others = [s for s in (SD15_SCRIBBLE, NARROW) if s is not default]
    return ModelCatalog((default, *others))
