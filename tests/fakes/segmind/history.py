"""The request history listener and the image host, as ``shared/segmind-api.md`` describes
them: the history answers with the key only, lags behind the jobs if told to, and lists a
request once per output; the image host needs no key and records who sent one anyway.

A mixin of the shared handler (``handler.py``)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from tests.fakes.segmind.jobs import COMPLETED
from tests.fakes.segmind.wire import HISTORY_PATH, HTML_405

if TYPE_CHECKING:
    from tests.fakes.segmind.handler import Handler

    _Base = Handler
else:
    _Base = object

MAX_WINDOW_DAYS = 31
DEFAULT_WINDOW_DAYS = 7
STATUSES = ("COMPLETED", "FAILED", "PENDING")


class _BadQuery(ValueError):
    """A listing parameter the history refuses with 400."""


def _date(text: str, name: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise _BadQuery(f"{name} must be a date YYYY-MM-DD") from None


def _number(text: str, name: str, low: int, high: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise _BadQuery(f"{name} must be an integer") from None
    if not low <= value <= high:
        raise _BadQuery(f"{name} must be in {low}..{high}")
    return value


class HistoryRoutes(_Base):
    # -- the request history -------------------------------------------------------
    def _route_history(self, method: str, body: bytes) -> None:
        if self.route != HISTORY_PATH and not self.route.startswith(HISTORY_PATH + "/"):
            self._error(404, "Not found")
            return
        if method != "GET":
            self._send(405, HTML_405, "text/html")
            return
        if not self._authorized():
            return
        request_id = self.route[len(HISTORY_PATH) + 1:]
        if request_id:
            self._history_row(request_id)
        else:
            self._history_listing()

    def _history_row(self, request_id: str) -> None:
        """One request of any age by its id, in the form the history stores it."""
        fake = self.fake
        for job in fake.history_jobs():
            stored = job.hex_id if fake.history_ids == "hex" else job.request_id
            if stored == request_id:
                self._json(200, fake.history_rows(job)[0])
                return
        self._error(404, f"Request {request_id} not found")

    def _history_listing(self) -> None:
        try:
            page, per_page, first, last, model, status = self._listing_query()
        except _BadQuery as problem:
            self._error(400, str(problem))
            return
        rows: list[dict[str, Any]] = []
        for job in sorted(self.fake.history_jobs(), key=lambda j: j.created, reverse=True):
            day = datetime.datetime.fromtimestamp(job.created, datetime.UTC).date()
            if not first <= day <= last or (model and model not in job.slug):
                continue
            if status and job.history_status() != status:
                continue
            rows.extend(self.fake.history_rows(job))
        start = (page - 1) * per_page
        self._json(200, {"data": rows[start:start + per_page]})

    def _listing_query(self) -> tuple[int, int, datetime.date, datetime.date, str, str]:
        """The listing's parameters, with the defaults and limits the contract gives."""
        query = {name: values[-1] for name, values in parse_qs(self.query).items()}
        page = _number(query.get("page", "1"), "page", 1, 10**6)
        per_page = _number(query.get("per_page", "20"), "per_page", 1, 100)
        today = datetime.datetime.now(datetime.UTC).date()
        window = datetime.timedelta(days=DEFAULT_WINDOW_DAYS)
        last = _date(query["to_date"], "to_date") if "to_date" in query else None
        first = _date(query["from_date"], "from_date") if "from_date" in query else None
        if last is None:
            last = today if first is None else max(today, first)
        if first is None:
            first = last - window
        if first > last:
            raise _BadQuery("from_date must not be after to_date")
        if (last - first).days > MAX_WINDOW_DAYS:
            raise _BadQuery(f"The date window may span at most {MAX_WINDOW_DAYS} days")
        status = query.get("status", "").upper()
        if status and status not in STATUSES:
            raise _BadQuery(f"status must be one of {', '.join(STATUSES)}")
        return page, per_page, first, last, query.get("model_name", ""), status

    # -- the image host --------------------------------------------------------------
    def _route_image(self, method: str, body: bytes) -> None:
        """``/outputs/<request_id>/<n>.jpg``: public, so no key is asked for."""
        parts = self.route.split("/")
        if method != "GET":
            self._send(405, HTML_405, "text/html")
            return
        job = None
        if len(parts) == 4 and parts[1] == "outputs" and parts[3].endswith(".jpg"):
            job = self.fake.jobs.get(parts[2])
        index = parts[3][:-4] if job is not None else ""
        if job is None or job.state != COMPLETED or not index.isdigit():
            self._error(404, "Not found")
            return
        images = self.fake.job_images(job)
        if int(index) >= len(images):
            self._error(404, "Not found")
            return
        self._answer(200, images[int(index)], "image/jpeg")
