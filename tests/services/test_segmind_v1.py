"""The Segmind backend's v1 path against the fake server: the contract's answers, every
error row, retries, and what is never sent twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import re
import time
from typing import Any

import pytest

from scribble_studio.domain import errors
from scribble_studio.domain.models import ModelNotAllowed, RetiredModel
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.backends import JobRequest, Ticket
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.config import ApiChoice, ApiKey, ClientSettings
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.fakes.sketches import drawn_sketch

FAST = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.05, wait_jitter=0.01)
SCRIBBLE = export_scribble(drawn_sketch())


def params(**changes: Any) -> GenerationParams:
    base: dict[str, Any] = {"prompt": "a cosy house", "seed": 1234}
    base.update(changes)
    return GenerationParams(**base)


class Events:
    """What the backend told about the job."""

    def __init__(self) -> None:
        self.tickets: list[Ticket] = []

    async def submitted(self, ticket: Ticket) -> None:
        self.tickets.append(ticket)

    def progress(self, progress: object) -> None:
        pass


def v1(base: str, read_timeout: float = 10.0, history: str | None = None) -> ClientSettings:
    if history is None:
        return ClientSettings(base, connect_timeout=2.0, read_timeout=read_timeout,
                              api=ApiChoice.V1)
    return ClientSettings(base, connect_timeout=2.0, read_timeout=read_timeout,
                          history_base=history, api=ApiChoice.V1)


def run(server: FakeSegmind, call: str = "generate", key: str | None = API_KEY,
        read_timeout: float = 10.0, p: GenerationParams | None = None,
        events: Events | None = None, **kwargs: Any) -> Any:
    async def go() -> Any:
        settings = v1(server.base_url, read_timeout, server.history_base)
        backend = SegmindBackend(ApiKey(key) if key else None, settings,
                                 retry=kwargs.pop("retry", FAST), **kwargs)
        try:
            if call == "credits":
                return await backend.credits()
            return await backend.run(JobRequest(p or params(), SCRIBBLE), events or Events())
        finally:
            await backend.aclose()
    return asyncio.run(go())


def test_one_sample_is_sent_as_the_contract_says_and_read_as_bytes(fake_api: FakeSegmind):
    result = run(fake_api)
    sent = fake_api.generate_requests[0]
    body = sent.json()
    assert sent.headers["x-api-key"] == API_KEY
    assert sent.headers["content-type"] == "application/json"
    assert body["base64"] is False and body["samples"] == 1 and body["seed"] == 1234
    assert isinstance(body["guidance_scale"], float)
    assert isinstance(body["num_inference_steps"], int)
    assert not body["image"].startswith("data:")
    assert len(result.images) == 1 and result.images[0].format == "JPEG"
    assert (result.images[0].width, result.images[0].height) == (512, 512)
    assert result.params.seed == 1234
    assert result.credits == fake_api.credits == 99.75
    assert result.request_id == fake_api.submits[0].request_id  # the id the history knows


def test_several_samples_ask_base64_and_read_the_list(fake_api: FakeSegmind):
    result = run(fake_api, p=params(samples=3))
    assert fake_api.generate_requests[0].json()["base64"] is True
    assert len(result.images) == 3 and result.missing == 0
    assert len({image.data for image in result.images}) == 3


@pytest.mark.parametrize("shape", ["image-str", "image-list", "images-list", "data-url"])
def test_every_json_shape_of_the_contract_is_read(fake_api: FakeSegmind, shape: str):
    fake_api.script(Fault.json_images(shape))
    result = run(fake_api, p=params(samples=2 if shape != "image-str" else 1))
    assert all(image.format == "JPEG" for image in result.images)
    assert len(result.images) == (1 if shape == "image-str" else 2)


def test_fewer_images_than_asked_are_kept_and_counted(fake_api: FakeSegmind):
    fake_api.script(Fault.json_images("image-list", count=2))
    result = run(fake_api, p=params(samples=4))
    assert len(result.images) == 2 and result.missing == 2


@pytest.mark.parametrize("spelling", ["x-remaining-credits", "X-remaining-credits",
                                      "X-Remaining-Credits"])
def test_the_credit_header_is_read_in_any_case(spelling: str):
    seen: list[float] = []
    with FakeSegmind(credits=10, credits_header=spelling) as server:
        result = run(server, on_credits=seen.append)
    assert result.credits == 9.75 and seen == [9.75]


def test_an_absent_credit_header_gives_unknown():
    with FakeSegmind(credits_header=None) as server:
        assert run(server).credits is None


def test_credits_endpoint(fake_api: FakeSegmind):
    balance = run(fake_api, call="credits")
    assert balance.credits == 100.0 and balance.free_credits == 0.0
    assert fake_api.requests[0].method == "GET"


# -- the error table --------------------------------------------------------------

ERROR_ROWS = [
    (400, {"error": "guidance_scale must be <= 25"}, errors.ParametersRejected,
     "guidance_scale must be <= 25."),
    (422, {"error": "Validation failed: seed"}, errors.ParametersRejected,
     "Validation failed: seed."),
    (401, {"error": "API key is invalid or may have expired"}, errors.AuthenticationFailed,
     "API key is invalid or may have expired."),
    # 403 and 410 name the job's model (and the server's words).
    (403, "Forbidden", ModelNotAllowed, "SD 1.5 ControlNet Scribble (sd1.5-controlnet-scribble) "
     "is not allowed for your Segmind account or team: Forbidden. Nothing was sent or charged."),
    (404, "", errors.EndpointNotFound, "HTTP 404 Not Found."),
    (405, "<html><head><title>405</title></head><body><h1>Method Not Allowed</h1></body></html>",
     errors.EndpointNotFound, "Method Not Allowed."),
    (406, {"error": "Not enough credits: balance 0.1, cost 0.3"}, errors.NotEnoughCredits,
     "Not enough credits: balance 0.1, cost 0.3."),
    (406, {"error": "Team spend limit reached"}, errors.NotEnoughCredits,
     "Team spend limit reached."),
    (406, {"error": "Invalid content type"}, errors.ApiError, "Invalid content type."),
    (410, {"error": "This model has been retired"}, RetiredModel,
     "Segmind has retired SD 1.5 ControlNet Scribble (sd1.5-controlnet-scribble): This model "
     "has been retired. Nothing was sent or charged."),
    (500, {"html-message": "<p>Internal <b>error</b> while sampling</p>"}, errors.ServerError,
     "Internal error while sampling."),
    (500, "Traceback-free plain text failure", errors.ServerError,
     "Traceback-free plain text failure."),
    # Gateway trouble: whether the model ran is unknown, so the job is looked up.
    (502, "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>",
     errors.SubmitInDoubt, "502 Bad Gateway nginx. The job may have reached Segmind."),
    (503, "", errors.SubmitInDoubt,
     "HTTP 503 Service Unavailable. The job may have reached Segmind."),
    (504, "   \n  ", errors.SubmitInDoubt,
     "HTTP 504 Gateway Timeout. The job may have reached Segmind."),
]


@pytest.mark.parametrize(("status", "body", "kind", "message"), ERROR_ROWS)
def test_every_error_row_gives_its_type_and_one_clean_sentence(
    fake_api: FakeSegmind, status: int, body: Any, kind: type, message: str
):
    content_type = "text/html" if isinstance(body, str) and "<" in body else "application/json"
    fake_api.script(Fault.status_code(status, body, content_type))
    with pytest.raises(kind) as caught:
        run(fake_api)
    assert type(caught.value) is kind
    assert caught.value.message == message
    assert not re.search(r"<[a-zA-Z/!]", caught.value.message) and caught.value.action
    if kind is not errors.SubmitInDoubt:
        assert caught.value.credits == 100.0  # the header is read on errors too
    assert len(fake_api.generate_requests) == 1  # none of these is re-sent


def test_real_404_and_405_from_the_server(fake_api: FakeSegmind):
    async def go(base: str) -> None:
        backend = SegmindBackend(ApiKey(API_KEY), v1(base), retry=FAST)
        try:
            await backend.run(JobRequest(params(), SCRIBBLE), Events())
        finally:
            await backend.aclose()
    with pytest.raises(errors.EndpointNotFound):
        asyncio.run(go(fake_api.base_url + "/wrong"))


def test_missing_and_wrong_keys(fake_api: FakeSegmind):
    with pytest.raises(errors.AuthenticationFailed, match="No API key"):
        run(fake_api, key=None)
    assert fake_api.requests == []
    with pytest.raises(errors.AuthenticationFailed, match="invalid or may have expired"):
        run(fake_api, key="sk-wrong")


def test_not_enough_credits_is_not_billed():
    with FakeSegmind(credits=0.3) as server, pytest.raises(
        errors.NotEnoughCredits, match=r"balance is 0\.3"
    ) as caught:
        run(server, p=params(samples=4))
    assert server.billed == 0 and caught.value.credits == 0.3


def test_invalid_parameters_are_refused_before_sending(fake_api: FakeSegmind):
    with pytest.raises(errors.InvalidParameters) as caught:
        run(fake_api, p=params(steps=5, guidance=30.0, prompt=" "))
    assert set(caught.value.problems) == {"steps", "guidance", "prompt"}
    assert fake_api.requests == []


# -- bodies that are not what they claim ------------------------------------------

@pytest.mark.parametrize("fault", [
    Fault.garbage(),
    Fault.garbage(b"", "image/jpeg"),
    Fault.garbage(b"<html><body>oops</body></html>", "text/html"),
    Fault.garbage(b'{"status": "Success"}'),
    Fault.garbage(b'{"image": "not base64 at all!"}'),
    Fault.garbage(b'{"image": "aGVsbG8="}'),
    Fault.truncated_image(),
], ids=["garbage", "empty", "html-200", "json-no-image", "bad-base64", "not-an-image",
        "truncated"])
def test_a_bad_body_after_its_request_id_is_collected_from_the_history(
        fake_api: FakeSegmind, fault: Fault):
    """The 200 was billed and its request id arrived: the image is not given up for a bad
    body, it is collected through the request history (generation_url), once."""
    fake_api.script(fault)
    events = Events()
    result = run(fake_api, events=events)
    (job,) = fake_api.submits
    assert [t.request_id for t in events.tickets] == [job.request_id]
    assert result.request_id == job.request_id and len(result.images) == 1
    assert result.images[0].format == "JPEG" and fake_api.billed == 1


def test_with_the_history_out_of_reach_it_is_left_to_collect_later(fake_api: FakeSegmind):
    fake_api.script(Fault.garbage())
    events = Events()

    async def go() -> None:
        backend = SegmindBackend(ApiKey(API_KEY), v1(fake_api.base_url), retry=FAST,
                                 follow_deadline=0.3)  # the default history host: unreachable
        try:
            await backend.run(JobRequest(params(), SCRIBBLE), events)
        finally:
            await backend.aclose()

    with pytest.raises(errors.StillRunning) as caught:
        asyncio.run(go())
    assert events.tickets and caught.value.exit_code == 75 and len(fake_api.submits) == 1


def test_an_oversized_body_is_dropped(fake_api: FakeSegmind):
    fake_api.script(Fault.oversized(200 * 2**20))
    with pytest.raises(errors.BadResponse, match="larger than"):
        run(fake_api, max_body=2 * 2**20)


def test_a_dropped_connection_mid_body_is_collected_not_resent(fake_api: FakeSegmind):
    fake_api.script(Fault.drop_mid_body())  # the headers (with x-request-id) arrived
    result = run(fake_api)
    assert len(fake_api.submits) == 1 and result.request_id == fake_api.submits[0].request_id
    assert len(result.images) == 1


def test_a_submit_answer_lost_before_its_headers_is_in_doubt(fake_api: FakeSegmind):
    fake_api.script_for("v1", Fault.after_job_created("close"))
    with pytest.raises(errors.SubmitInDoubt) as caught:
        run(fake_api)
    assert caught.value.may_have_been_billed and caught.value.exit_code == 75
    assert len(fake_api.submits) == 1


def test_a_connection_closed_without_answer_is_not_resent(fake_api: FakeSegmind):
    fake_api.script(Fault.close_without_answer())
    with pytest.raises(errors.SubmitInDoubt):
        run(fake_api)
    assert len(fake_api.generate_requests) == 1


def test_a_read_timeout_is_not_resent(fake_api: FakeSegmind):
    fake_api.script(Fault.slow(5.0))
    with pytest.raises(errors.SubmitInDoubt, match=r"did not answer within 0\.3 seconds"):
        run(fake_api, read_timeout=0.3)
    assert len(fake_api.generate_requests) == 1


# -- retries ------------------------------------------------------------------------

def test_a_500_is_never_resent(fake_api: FakeSegmind):
    fake_api.script(Fault.status_code(500, {"error": "boom"}))
    retries: list[int] = []
    with pytest.raises(errors.ServerError):
        run(fake_api, on_retry=lambda n, e: retries.append(n))
    assert len(fake_api.generate_requests) == 1 and retries == []


def test_a_refused_connection_is_retried_and_then_succeeds():
    probe = FakeSegmind().start()
    port = probe.port
    probe.stop()
    server = FakeSegmind(port=port)  # not listening yet: the first attempt is refused
    notices: list[tuple[int, str]] = []

    def reopen(attempt: int, error: errors.StudioError) -> None:
        notices.append((attempt, error.kind))
        server.start()

    try:
        result = run(server, on_retry=reopen)
    finally:
        server.stop()
    assert notices == [(2, "Offline")]
    assert len(result.images) == 1 and server.billed == 1


def test_refused_three_times_gives_offline_after_three_tries():
    server = FakeSegmind().start()
    server.stop()
    notices: list[int] = []
    with pytest.raises(errors.Offline) as caught:
        run(server, on_retry=lambda n, e: notices.append(n))
    assert notices == [2, 3]
    assert caught.value.retry_safe and not caught.value.may_have_been_billed
    assert caught.value.exit_code == 75


def test_a_429_is_retried_after_its_reset_time(fake_api: FakeSegmind):
    reset = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=0.4)
    fake_api.script(Fault.status_code(429, {"error": "Rate limit exceeded"},
                                      **{"x-rate-limit-reset-at-utc": reset.isoformat()}))
    result = run(fake_api)
    assert len(fake_api.generate_requests) == 2
    assert len(result.images) == 1 and fake_api.billed == 1
    assert dt.datetime.now(dt.UTC) >= reset


def test_429_every_time_stops_after_three_tries_with_the_reset_time(fake_api: FakeSegmind):
    reset = email.utils.format_datetime(dt.datetime.now(dt.UTC), usegmt=True)
    fake_api.script(*[Fault.status_code(429, {"error": "Too many requests"},
                                        **{"x-rate-limit-reset-at-utc": reset})] * 3)
    with pytest.raises(errors.RateLimited) as caught:
        run(fake_api)
    assert len(fake_api.generate_requests) == 3 and fake_api.billed == 0
    assert caught.value.reset_at is not None


def test_a_429_with_a_distant_reset_is_left_to_the_user(fake_api: FakeSegmind):
    reset = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=30)
    fake_api.script(Fault.status_code(429, {"error": "Too many requests"},
                                      **{"x-rate-limit-reset-at-utc": reset.isoformat()}))
    with pytest.raises(errors.RateLimited) as caught:
        run(fake_api)
    assert len(fake_api.generate_requests) == 1
    assert f"{reset.astimezone():%H:%M:%S}" in caught.value.action  # the user's own time


# -- cancellation ----------------------------------------------------------------------

def test_cancelling_aborts_the_request(fake_api: FakeSegmind):
    fake_api.script(Fault.slow(10.0))

    async def go() -> float:
        backend = SegmindBackend(ApiKey(API_KEY), v1(fake_api.base_url), retry=FAST)
        try:
            task = asyncio.create_task(backend.run(JobRequest(params(), SCRIBBLE), Events()))
            while not fake_api.requests:
                await asyncio.sleep(0.01)
            loop = asyncio.get_running_loop()
            started = loop.time()
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return loop.time() - started
        finally:
            await backend.aclose()

    asyncio.run(go())
    # The server sees the connection close (it stops waiting long before 10 s).
    for _ in range(200):
        if fake_api.disconnects:
            break
        time.sleep(0.01)
    assert fake_api.disconnects == 1 and fake_api.billed == 0


def test_a_body_that_trickles_in_meets_a_total_deadline_and_is_collected(
        fake_api: FakeSegmind) -> None:
    """Each byte comes within the read timeout, the whole answer never does: the answer
    is given up at its total deadline, and the paid image collected through the
    history (the request id came with the headers)."""
    fake_api.script_for("v1", Fault.trickle(0.05))  # (a hang would meet pytest's timeout)
    result = run(fake_api, read_timeout=1.0)
    assert len(result.images) == 1 and len(fake_api.submits) == 1
