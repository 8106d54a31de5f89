"""Segmind's wire format, and only Segmind's: the request body, the v1 answer, the v2
submit/status/result documents and the request-history rows (``segmind-api.md``).

Every parser is tolerant where the contract says sources disagree (keys vary by model,
``output`` or ``images``, strings or objects, ids with or without dashes) and strict where
it matters: an image is an image by its bytes, and a URL is only ever a URL.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import enum
import json
import math
import re
from typing import Any, Final

from scribble_studio.domain.errors import BadResponse
from scribble_studio.domain.models import BUILTIN_SPECS, ModelSpec
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.results import ResultImage, check_image, sniff_format

# The default model's slug (the request history is searched for it when a job's own
# model is not known).
SLUG: Final = BUILTIN_SPECS[0].slug
_DATA_URL = re.compile(rb"^\s*data:[^,]{0,100};base64,", re.IGNORECASE)
_B64_NOISE = re.compile(rb"\s+")


def spec_of(params: GenerationParams, spec: ModelSpec | None = None) -> ModelSpec:
    """The spec a job is sent with: ``spec`` when given (it must be the job's model),
    else the built-in spec named by ``params.model``."""
    found = spec if spec is not None else next(
        (s for s in BUILTIN_SPECS if s.id == params.model), None)
    if found is None or found.id != params.model:
        raise ValueError(f"no model spec for {params.model!r}")
    return found


def request_body(params: GenerationParams, image_b64: str,
                 spec: ModelSpec | None = None) -> dict[str, Any]:
    """The JSON body of a generate request (v1 and v2 alike), with the spec's wire names
    and fixed fields. Needs a drawn seed.

    ``base64`` is always explicit (the public docs disagree on its default): one sample
    is read as raw bytes, several as a JSON list (v1; v2 answers with URLs either way).
    """
    if params.seed is None:
        raise ValueError("draw the seed first (with_seed_drawn)")
    model = spec_of(params, spec)
    body: dict[str, Any] = {**model.fixed, "image": image_b64, "prompt": params.prompt,
                            "scheduler": params.scheduler}
    for field in model.fields:
        value = getattr(params, field.name)
        body[field.wire] = float(value) if field.kind is float else value
    body["seed"] = params.seed
    body["base64"] = params.samples > 1
    if params.negative_prompt:
        body["negative_prompt"] = params.negative_prompt
    return body


# -- v1: one blocking call ------------------------------------------------------------


def _payloads(document: Any) -> list[Any]:
    if isinstance(document, list) and document:
        return document
    if not isinstance(document, dict):
        raise BadResponse("The server's answer has no image in it.")
    for key in ("images", "image", "output", "data"):
        if document.get(key):
            value = document[key]
            return value if isinstance(value, list) else [value]
    raise BadResponse("The server's answer has no image in it.")


def decode_b64(item: Any) -> bytes:
    if not isinstance(item, str):
        raise BadResponse("The server's answer holds an image in an unknown form.")
    raw = _B64_NOISE.sub(b"", _DATA_URL.sub(b"", item.encode("ascii", errors="replace")))
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadResponse("The server's answer holds an image that is not valid base64.") from None


def parse_images(body: bytes) -> list[ResultImage]:
    """Every image in a v1 200 body: raw image bytes, or JSON with ``image``/``images`` as
    a string or a list, with or without a ``data:`` prefix. Decided by the bytes, not by
    the Content-Type. Raises :class:`BadResponse` for anything else; never returns an
    empty list."""
    if sniff_format(body) is not None:
        return [check_image(body)]
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise BadResponse("The server's answer is neither an image nor readable JSON.") from None
    return [check_image(decode_b64(item)) for item in _payloads(document)]


# -- v2: submit, poll, fetch ----------------------------------------------------------


class RemoteStatus(enum.StrEnum):
    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"


def _document(body: bytes, what: str) -> dict[str, Any]:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        raise BadResponse(f"The {what} answer is not readable JSON.") from None
    if not isinstance(document, dict):
        raise BadResponse(f"The {what} answer is not a JSON object.")
    return document


def parse_submit(body: bytes) -> str:
    """The request id of a v2 submit answer (the status and result URLs it also names are
    ignored: they are built from the id and the configured root, so the key never follows
    a URL a response chose)."""
    request_id = _document(body, "submit").get("request_id")
    if not isinstance(request_id, str) or not re.fullmatch(r"[A-Za-z0-9_.:-]{1,128}",
                                                           request_id):
        raise BadResponse("The submit answer has no usable request id.")
    return request_id


@dataclasses.dataclass(frozen=True, slots=True)
class StatusReport:
    status: RemoteStatus | None   # None: a state this client does not know (keep polling)
    error: str | None
    metrics: dict[str, float]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return None
        else:
            return None
    number = float(value)
    return number if math.isfinite(number) else None


def _metrics(document: dict[str, Any]) -> dict[str, float]:
    raw = document.get("metrics")
    if not isinstance(raw, dict):
        return {}
    return {k: v for k, value in raw.items()
            if isinstance(k, str) and (v := _number(value)) is not None}


def _error_text(value: Any) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:500]
    if isinstance(value, dict):
        return _error_text(value.get("message") or value.get("error"))
    return None


def parse_status(body: bytes) -> StatusReport:
    """A status (or result) document: the state, the server's words on failure, metrics."""
    document = _document(body, "status")
    raw = document.get("status")
    try:
        status = RemoteStatus(str(raw).upper()) if raw is not None else None
    except ValueError:
        status = None
    return StatusReport(status, _error_text(document.get("error")), _metrics(document))


def is_terminal_body(body: bytes) -> bool:
    """A 4xx whose body announces FAILED or COMPLETED is a job's state, not a transport
    error (Segmind serves FAILED under 422)."""
    try:
        return parse_status(body).status in (RemoteStatus.FAILED, RemoteStatus.COMPLETED)
    except BadResponse:
        return False


@dataclasses.dataclass(frozen=True, slots=True)
class ResultDocument:
    """A COMPLETED result: where its images are (URLs, or inline base64), its metrics."""

    urls: tuple[str, ...]
    inline: tuple[bytes, ...]
    metrics: dict[str, float]
    seed: int | None


def _is_url(text: str) -> bool:
    return text.startswith(("https://", "http://"))


def parse_result(body: bytes) -> ResultDocument:
    """``output`` as a URL string (or a list of them), ``images`` as a list of objects
    with ``url`` or of strings (URLs, or base64), either alone; unknown keys ignored."""
    document = _document(body, "result")
    urls: list[str] = []
    inline: list[bytes] = []

    def take(item: Any) -> None:
        if isinstance(item, dict):
            item = item.get("url") or item.get("image")
        if not isinstance(item, str) or not item.strip():
            return
        item = item.strip()
        if _is_url(item):
            if item not in urls:
                urls.append(item)
        else:
            inline.append(decode_b64(item))

    images = document.get("images")
    for item in images if isinstance(images, list) else []:
        take(item)
    output = document.get("output")
    if not urls and not inline:
        outputs: list[Any] = output if isinstance(output, list) else [output]
        for item in outputs:
            take(item)
    if not urls and not inline:
        raise BadResponse("The result names no image.")
    seed = document.get("seed")
    return ResultDocument(tuple(urls), tuple(inline), _metrics(document),
                          seed if isinstance(seed, int) and not isinstance(seed, bool) else None)


# -- the request history ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryRow:
    request_id: str
    status: str | None           # COMPLETED, FAILED, PENDING, or None while the row lags
    cost: float | None
    generation_url: str | None
    error: str | None
    body: dict[str, Any]
    created: str | None


def parse_history_row(row: Any) -> HistoryRow | None:
    if not isinstance(row, dict) or not isinstance(row.get("request_id"), str):
        return None
    body = row.get("request_body")
    if isinstance(body, str):  # some rows carry the body as a JSON string
        try:
            body = json.loads(body)
        except (ValueError, RecursionError):
            body = None
    url = row.get("generation_url")
    status = row.get("status") or row.get("model_status")
    created = row.get("created_at") or row.get("model_created") or row.get("created")
    return HistoryRow(
        request_id=row["request_id"],
        status=str(status).upper() if isinstance(status, str) else None,
        cost=_number(row.get("credits_deduction")),
        generation_url=url if isinstance(url, str) and _is_url(url) else None,
        error=_error_text(row.get("error")),
        body=body if isinstance(body, dict) else {},
        created=created if isinstance(created, str) else None,
    )


def parse_history_page(body: bytes) -> list[HistoryRow]:
    document = _document(body, "request history")
    rows = document.get("data")
    listed: list[Any] = rows if isinstance(rows, list) else []
    return [row for item in listed if (row := parse_history_row(item)) is not None]


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, bool) or isinstance(theirs, bool):
        return ours is theirs
    if isinstance(ours, int | float) and isinstance(theirs, int | float | str):
        try:
            return math.isclose(float(ours), float(theirs), rel_tol=1e-9, abs_tol=1e-9)
        except ValueError:
            return False
    return bool(ours == theirs)


def matches(row: HistoryRow, params: GenerationParams, sent_at: float | None = None,
            skew: tuple[float, float] = (600.0, 1800.0)) -> bool:
    """Whether a history row is the request made for ``params``: every field the body
    was sent with (but the image) is the same where the row has it, and the row was
    made around ``sent_at`` (from ``skew[0]`` seconds before to ``skew[1]`` after; a
    row without a readable time passes this test)."""
    if params.seed is None:
        return False
    ours = request_body(params, "")
    for name, value in ours.items():
        if name in ("image", "base64"):
            continue
        if name in row.body and not _same(value, row.body[name]):
            return False
    if "prompt" not in row.body or "seed" not in row.body:
        return False
    if sent_at is not None and row.created:
        try:
            created = dt.datetime.fromisoformat(row.created.replace("Z", "+00:00"))
        except ValueError:
            return True
        when = (created if created.tzinfo else created.replace(tzinfo=dt.UTC)).timestamp()
        return sent_at - skew[0] <= when <= sent_at + skew[1]
    return True
