"""What the checks of the fake share: a request body as Segmind's SDK would send it, and
polling for a state with a deadline (never a sleep)."""

from __future__ import annotations

import base64
import io
import time
from collections.abc import Callable
from typing import Any

from tests.fakes.sketches import drawn_sketch


def scribble_body(seed: int = 1234, samples: int = 1, **changes: Any) -> dict[str, Any]:
    buffer = io.BytesIO()
    drawn_sketch((256, 192)).save(buffer, format="PNG")
    body = {"image": base64.b64encode(buffer.getvalue()).decode(), "prompt": "a cosy house",
            "samples": samples, "num_inference_steps": 20, "seed": seed, "base64": False}
    return {**body, **changes}


def until(condition: Callable[[], Any], seconds: float = 10.0) -> Any:
    """The condition's first true value, or a failure once the deadline passes."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError("condition not met before the deadline")
