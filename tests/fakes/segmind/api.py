"""The API listener's routes: v1 (one blocking call, the credits) and v2 (submit, poll,
fetch), as ``shared/segmind-api.md`` describes them.

A mixin of the shared handler (``handler.py``), which supplies ``_send``, ``_error``,
``_json``, ``_answer`` and the pending fault."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from tests.fakes.segmind.jobs import COMPLETED, FAILED, FakeJob
from tests.fakes.segmind.wire import (
    CREDITS_PATH,
    GENERATE_PATHS,
    HTML_405,
    SLUG,
    V2_SLUGS,
    cost,
    json_body,
    result_jpeg,
    validate_request,
)

if TYPE_CHECKING:
    from tests.fakes.segmind.handler import Handler

    _Base = Handler
else:
    _Base = object


class ApiRoutes(_Base):
    # -- shared by every route that needs the key ------------------------------------
    def _authorized(self) -> bool:
        """Answer 401 unless the request carries the key as ``x-api-key`` (a bearer token
        is refused like no key at all)."""
        key = self.headers.get("x-api-key")
        if not key:
            self._error(401, "Missing Authorization or x-api-key in header")
            return False
        if key != self.fake.api_key:
            self._error(401, "API key is invalid or may have expired")
            return False
        return True

    def _parse_generation(self, body: bytes, slug: str = SLUG) -> tuple[
            dict[str, Any], dict[str, Any], tuple[int, int], float] | None:
        """The checks a v1 call and a v2 submit share, in the order the real API makes
        them. Returns (request with defaults, request as sent, image size, cost), or None
        once it has answered with the error."""
        if (self.headers.get("content-type") or "").split(";")[0].strip() != "application/json":
            self._error(406, "Invalid content type")
            return None
        try:
            request = json.loads(body)
        except ValueError:
            self._error(400, "Request body is not valid JSON")
            return None
        as_sent = copy.deepcopy(request)
        problem, size = validate_request(request, slug)
        if problem:
            self._error(400, problem)
            return None
        price = cost(request, slug)
        credits = self.fake.credits
        if price > credits:
            self._error(406, f"Not enough credits: your balance is {credits:g}, "
                             f"this request costs {price:g}.")
            return None
        return request, as_sent, size, price

    # -- v1 ------------------------------------------------------------------------
    def _route_api(self, method: str, body: bytes) -> None:
        if self.route == "/v2" or self.route.startswith("/v2/"):
            self._route_v2(method, body)
            return
        if self.route not in GENERATE_PATHS and self.route != CREDITS_PATH:
            self._error(404, f"Not found: {self.path}")
            return
        expected = "POST" if self.route in GENERATE_PATHS else "GET"
        if method != expected:
            self._send(405, HTML_405, "text/html")
            return
        if not self._authorized():
            return
        if self.route == CREDITS_PATH:
            self._json(200, {"credits": self.fake.credits, "free-credits": 0.0})
            return
        slug = GENERATE_PATHS[self.route]
        if not self._model_available(slug):
            return
        self._generate(body, slug)

    def _model_available(self, slug: str) -> bool:
        """410 for a retired model, 403 for one the account may not use (no job, no
        bill), as a call with the key learns it."""
        if slug in self.fake.retired:
            self._error(410, f"Model {slug} has been retired and is no longer available.")
            return False
        if slug in self.fake.forbidden:
            self._error(403, f"Model {slug} is not allowed for your team.")
            return False
        return True

    def _generate(self, body: bytes, slug: str = SLUG) -> None:
        parsed = self._parse_generation(body, slug)
        if parsed is None:
            return
        request, as_sent, size, price = parsed
        job = self.fake.create_job(request, as_sent, size, price, api="v1", slug=slug)
        images = [result_jpeg(size[0], size[1], job.seed, i) for i in range(request["samples"])]
        headers = {**self.fake.credit_headers(), "x-request-id": job.request_id}
        if self.fake.cost_headers:
            headers["x-cost"] = f"{price:g}"
        fault = self.fault
        if (fault is not None and fault.kind == "json") or request["base64"]:
            shape = fault.shape if fault is not None and fault.kind == "json" else "image-list"
            count = fault.count if fault is not None and fault.count is not None else len(images)
            payload, content_type = json_body(images[:count], shape), "application/json"
        else:
            payload, content_type = images[0], "image/jpeg"
        if fault is not None and fault.kind == "truncated":
            payload, content_type = images[0], "image/jpeg"
        self._answer_after_job(200, payload, content_type, headers)

    # -- v2 ------------------------------------------------------------------------
    def _route_v2(self, method: str, body: bytes) -> None:
        if not self.fake.v2:
            self._error(404, "Not found")
            return
        parts = self.route.split("/")[2:]
        if len(parts) == 1 and parts[0] and parts[0] != "requests":
            if method != "POST":
                self._send(405, HTML_405, "text/html")
            elif parts[0] not in V2_SLUGS:
                self._error(404, f"Model {parts[0]} not found")
            elif self._authorized() and self._model_available(parts[0]):
                self._submit(parts[0], body)
            return
        polling = (len(parts) == 2 and parts[1]) or (len(parts) == 3 and parts[2] == "status")
        if parts[0] != "requests" or not polling:
            self._error(404, "Not found")  # no cancel endpoint, nothing else under /v2
            return
        if method != "GET":
            self._send(405, HTML_405, "text/html")
            return
        if not self._authorized():
            return
        job = self.fake.live_job(parts[1])
        if job is None:
            self._error(404, f"Request {parts[1]} not found")
        elif len(parts) == 3:
            self._status(job)
        else:
            self._result(job)

    def _submit(self, slug: str, body: bytes) -> None:
        parsed = self._parse_generation(body, slug)
        if parsed is None:
            return
        request, as_sent, size, price = parsed
        job = self.fake.create_job(request, as_sent, size, price, api="v2", slug=slug)
        root = f"{self.fake.api_origin}/v2/requests/{job.request_id}"
        document = {"request_id": job.request_id, "status": "QUEUED",
                    "poll_url": f"{root}/status", "status_url": f"{root}/status",
                    "response_url": root}
        self._answer_after_job(200, json.dumps(document).encode(), "application/json")

    def _status(self, job: FakeJob) -> None:
        code = self.fake.failed_status_code if job.state == FAILED else 200
        self._json(code, job.status_body(self.fake.credits))

    def _result(self, job: FakeJob) -> None:
        images = self.fake.job_images(job) if job.state == COMPLETED else []
        code = self.fake.failed_status_code if job.state == FAILED else 200
        self._json(code, job.result_body(self.fake.credits, self.fake.result_shape, images))

