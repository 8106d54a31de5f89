"""Parameters written into result PNGs: an A1111-style ``parameters`` text (which other
Stable Diffusion tools read) and a JSON chunk of our own for an exact round trip."""

from __future__ import annotations

import json
from typing import Any, Final

from scribble_studio.domain.models import BUILTIN_SPECS, ModelSpec
from scribble_studio.domain.params import GenerationParams

PARAMETERS_KEY: Final = "parameters"
STUDIO_KEY: Final = "scribble-studio"


def _number(value: float) -> str:
    return f"{value:g}"


def a1111_parameters(params: GenerationParams, width: int, height: int,
                     spec: ModelSpec | None = None) -> str:
    """The ``parameters`` text, in the line layout AUTOMATIC1111's web UI writes, naming
    the model by its slug (and its fixed fields) and the ControlNet scale by its label."""
    if spec is None:
        spec = next((s for s in BUILTIN_SPECS if s.id == params.model), BUILTIN_SPECS[0])
    model = spec.slug + "".join(f" {v}" for v in spec.fixed.values())
    lines = [params.prompt]
    if params.negative_prompt:
        lines.append(f"Negative prompt: {params.negative_prompt}")
    lines.append(
        f"Steps: {params.steps}, Sampler: {params.scheduler}, "
        f"CFG scale: {_number(params.guidance)}, Seed: {params.seed}, "
        f"Size: {width}x{height}, Model: {model}, "
        f"{spec.field('strength').label}: {_number(params.strength)}"
    )
    return "\n".join(lines)


def studio_metadata(params: GenerationParams, extra: dict[str, Any] | None = None) -> str:
    """Our own JSON chunk: every parameter exactly, plus facts such as the request id.
    Holds nothing secret."""
    return json.dumps({"version": 1, "params": params.to_dict(), **(extra or {})},
                      sort_keys=True, ensure_ascii=False)


def params_from_metadata(text: str) -> GenerationParams | None:
    """The parameters from our JSON chunk, or ``None`` if it is not ours or invalid."""
    try:
        document = json.loads(text)
        params = GenerationParams.from_dict(document["params"])
    except (ValueError, TypeError, KeyError, RecursionError):
        return None
    return params if not params.validate() else None
