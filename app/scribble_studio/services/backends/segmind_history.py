"""Segmind's request history: what became of any request, by its id or, for a job whose
submit had no answer, by the body it was sent with (prompt, seed, time)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Final
from urllib.parse import quote, urlencode

from scribble_studio.domain.models import BUILTIN_SPECS
from scribble_studio.domain.params import GenerationParams
from scribble_studio.services.backends.segmind_wire import (
    SLUG,
    HistoryRow,
    matches,
    parse_history_page,
    parse_history_row,
)
from scribble_studio.services.backends.transport import Transport

log = logging.getLogger(__name__)

HISTORY_PATH: Final = "inference-request/request-history"
PER_PAGE: Final = 100
MAX_PAGES: Final = 10   # 1,000 requests of this model: far more than one day holds here
WINDOW_DAYS: Final = 31  # the endpoint's own limit


class RequestHistory:
    def __init__(self, transport: Transport) -> None:
        self._t = transport

    async def by_id(self, request_id: str) -> HistoryRow | None:
        """The row of ``request_id`` (tried as received, then without dashes: the id
        format is not settled), or ``None`` when the history does not know it (yet)."""
        tried = [request_id] + ([request_id.replace("-", "")] if "-" in request_id else [])
        for candidate in tried:
            url = self._t.settings.history_url(f"{HISTORY_PATH}/{quote(candidate, safe='')}")
            answer = await self._t.call("GET", url)
            if answer.status == 404:
                continue
            if not answer.ok:
                raise self._t.error_of(answer)
            try:
                document = json.loads(answer.body)
            except (ValueError, RecursionError):
                document = None
            if isinstance(document, dict) and isinstance(document.get("data"), dict):
                document = document["data"]
            row = parse_history_row(document)
            if row is not None:
                return row
        return None

    async def search(self, params: GenerationParams, sent_at: float) -> list[HistoryRow]:
        """The rows of requests made for ``params`` around ``sent_at`` (epoch seconds), from
        the listing of this model's requests from the day before it was sent to today,
        one per request (a request with several outputs is listed once per output)."""
        sent = dt.datetime.fromtimestamp(sent_at, dt.UTC).date()
        today = dt.datetime.now(dt.UTC).date()
        start = max(sent - dt.timedelta(days=1), today - dt.timedelta(days=WINDOW_DAYS - 1))
        found: dict[str, HistoryRow] = {}
        slug = next((s.slug for s in BUILTIN_SPECS if s.id == params.model), SLUG)
        for page in range(1, MAX_PAGES + 1):
            query = urlencode({"page": page, "per_page": PER_PAGE, "model_name": slug,
                               "from_date": start.isoformat(), "to_date": today.isoformat()})
            answer = await self._t.call("GET", self._t.settings.history_url(
                f"{HISTORY_PATH}?{query}"))
            if not answer.ok:
                raise self._t.error_of(answer)
            rows = parse_history_page(answer.body)
            for row in rows:
                if matches(row, params, sent_at):
                    found.setdefault(normal_id(row.request_id), row)
            if len(rows) < PER_PAGE:
                break
        return list(found.values())


def normal_id(request_id: str) -> str:
    """A request id as compared: lower case, without dashes (the history may drop them)."""
    return request_id.replace("-", "").lower()
