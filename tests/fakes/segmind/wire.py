"""What the fake says on the wire, apart from any one endpoint: the paths, the field rules
of the scribble model, the result images and the JSON shapes a v1 answer may take.

Kept apart from the server so the tests and the benchmarks can build the same bodies and
images the fake does without starting one."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime
import functools
import io
import json
from typing import Any

from PIL import Image, ImageDraw

API_KEY = "sk-test-6f1e0c0ffee5ecret"
SLUG = "sd1.5-controlnet-scribble"
SDXL_SLUG = "sdxl-controlnet"
GENERATE_PATH = f"/v1/{SLUG}"
CREDITS_PATH = "/v1/get-user-credits"
HISTORY_PATH = "/inference-request/request-history"
SLUGS = (SLUG, SDXL_SLUG)
GENERATE_PATHS = {f"/v1/{slug}": slug for slug in SLUGS}
V2_SLUGS = frozenset(SLUGS)
CN_MODELS = {"sdxl_canny", "sdxl_depth", "sdxl_softedge", "sdxl_openpose", "sdxl_scribble"}
SCHEDULERS = {"DDIM", "DPM Multi", "DPM Single", "Euler a", "Euler", "Heun", "DPM2 a Karras",
              "DPM2 Karras", "LMS", "PNDM", "DDPM", "UniPC"}
HTML_405 = (b"<!DOCTYPE html><html><head><title>405 Method Not Allowed</title></head>"
            b"<body><h1>Method Not Allowed</h1><p>The method is not allowed for the "
            b"requested URL.</p></body></html>")


@dataclasses.dataclass
class Recorded:
    """One request as it reached a listener, so tests can assert where each byte went.

    ``host`` names the listener ("api", "history" or "images"); it defaults to "api"
    because that was the only listener before the others existed."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    host: str = "api"

    def json(self) -> Any:
        return json.loads(self.body)

    def carries_key(self, key: str) -> bool:
        """True when the key went out with this request: as ``x-api-key``, inside any
        other header (a bearer token, a cookie) or in the path."""
        if "x-api-key" in self.headers:
            return True
        return key in self.path or any(key in value for value in self.headers.values())


@functools.lru_cache(maxsize=64)
def result_jpeg(width: int, height: int, seed: int, index: int) -> bytes:
    """A small, deterministic stand-in for a generated image."""
    shade = (seed * 2654435761 + index * 40503) & 0xFFFFFF
    image = Image.new("RGB", (width, height), (shade >> 16, (shade >> 8) & 255, shade & 255))
    ImageDraw.Draw(image).ellipse((width // 4, height // 4, 3 * width // 4, 3 * height // 4),
                                  outline=(255, 255, 255), width=8)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def json_body(images: list[bytes], shape: str) -> bytes:
    """A v1 ``base64: true`` answer in one of the shapes the contract allows."""
    encoded = [base64.b64encode(data).decode() for data in images]
    if shape == "image-str":
        document: dict[str, Any] = {"image": encoded[0], "status": "Success", "interTime": 1.5}
    elif shape == "images-list":
        document = {"images": encoded}
    elif shape == "data-url":
        document = {"image": [f"data:image/jpeg;base64,{e}" for e in encoded]}
    else:
        document = {"image": encoded, "status": "Success", "interTime": 1.5}
    return json.dumps(document).encode()


# The fake's own prices (not Segmind's: round numbers a test can add up), for one image
# at the slug's default steps.
PRICES = {SLUG: (0.25, 20), SDXL_SLUG: (1.0, 30)}


def cost(request: dict[str, Any], slug: str = SLUG) -> float:
    """Dollars for one call: the page says samples and steps affect pricing."""
    price, default_steps = PRICES[slug]
    steps = request.get("num_inference_steps", default_steps)
    return round(price * request.get("samples", 1) * steps / default_steps, 4)


def iso_utc(timestamp: float) -> str:
    """ISO 8601 in UTC with a ``Z``, as the history and the rate-limit header write it."""
    moment = datetime.datetime.fromtimestamp(timestamp, datetime.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_num(value: Any) -> bool:
    return _is_int(value) or isinstance(value, float)


# Each slug's numeric fields: (type check, low, high). SD 1.5 as the contract's table;
# SDXL as its model page: controlnet_scale 0-1 in place of strength, guidance 1-25 (its
# steps have no documented range: the SD 1.5 one is assumed).
_RULES: dict[str, dict[str, tuple[Any, float, float]]] = {
    SLUG: {"samples": (_is_int, 1, 4), "num_inference_steps": (_is_int, 20, 100),
           "guidance_scale": (_is_num, 0.1, 25), "strength": (_is_num, 0.1, 1)},
    SDXL_SLUG: {"samples": (_is_int, 1, 4), "num_inference_steps": (_is_int, 20, 100),
                "guidance_scale": (_is_num, 1, 25), "controlnet_scale": (_is_num, 0, 1)},
}
_BASE_FIELDS = {"image", "prompt", "negative_prompt", "samples", "scheduler",
                "num_inference_steps", "guidance_scale", "seed", "base64"}


def validate_request(req: Any, slug: str = SLUG) -> tuple[str | None, tuple[int, int]]:
    """The contract's field rules for ``slug``. Returns (problem, image size); fills in
    the defaults of ``samples`` and ``seed`` on the dict it is given."""
    if not isinstance(req, dict):
        return "Body must be a JSON object", (0, 0)
    rules = _RULES[slug]
    allowed = _BASE_FIELDS | set(rules) | ({"cn_model"} if slug == SDXL_SLUG else set())
    unknown = set(req) - allowed
    if unknown:
        return f"Unknown fields: {sorted(unknown)}", (0, 0)
    for field in ("image", "prompt", "base64"):
        if field not in req:
            return f"{field} is required", (0, 0)
    if not isinstance(req["prompt"], str) or not req["prompt"].strip():
        return "prompt must be a non-empty string", (0, 0)
    if "negative_prompt" in req and not isinstance(req["negative_prompt"], str):
        return "negative_prompt must be a string", (0, 0)
    if not isinstance(req["base64"], bool):
        return "base64 must be a boolean", (0, 0)
    if slug == SDXL_SLUG and req.get("cn_model", "sdxl_canny") not in CN_MODELS:
        return f"cn_model must be one of {sorted(CN_MODELS)}", (0, 0)
    for field, (kind, low, high) in rules.items():
        if field in req and not (kind(req[field]) and low <= req[field] <= high):
            return f"{field} must be a number in {low}..{high}", (0, 0)
    req.setdefault("samples", 1)
    seed = req.setdefault("seed", -1)
    if not _is_int(seed) or not (seed == -1 or 0 <= seed <= 2**53 - 1):
        return "seed must be an integer", (0, 0)
    if "scheduler" in req and req["scheduler"] not in SCHEDULERS:
        return f"scheduler must be one of {sorted(SCHEDULERS)}", (0, 0)
    image = req["image"]
    if not isinstance(image, str) or image.startswith("data:"):
        return "image must be plain base64 (no data: prefix)", (0, 0)
    try:
        raw = base64.b64decode(image, validate=True)
        with Image.open(io.BytesIO(raw)) as decoded:
            decoded.load()
            size = decoded.size
    except (binascii.Error, ValueError, OSError):
        return "image is not a valid base64-encoded image", (0, 0)
    return None, size
