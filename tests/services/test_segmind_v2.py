"""The Segmind backend's v2 path against the fake: submit, sparse polling, fetch,
images without the key, FAILED, expiry, 429 and network failures on polls, the fall
back to v1, and where the key may go."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from scribble_studio.domain import errors
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.backends import JobRequest, LostJob, Phase, Progress, Ticket
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.config import ApiChoice, ApiKey, ClientSettings
from tests.fakes.segmind_server import API_KEY, FakeSegmind, Fault
from tests.fakes.sketches import drawn_sketch

# Fast polls for tests: the first at 0.5 × the usual time, then quick backoff.
FAST = RetryPolicy(attempts=3, wait_initial=0.01, wait_max=0.05, wait_jitter=0.01,
                   first_poll=0.5, poll_initial=0.2, poll_max=0.2, network_wait_max=0.05,
                   rate_limit_fallback_wait=0.2, history_wait_initial=0.05,
                   history_wait_max=0.2)
SCRIBBLE = export_scribble(drawn_sketch())


class Events:
    def __init__(self) -> None:
        self.tickets: list[Ticket] = []
        self.progress_seen: list[Progress] = []

    async def submitted(self, ticket: Ticket) -> None:
        self.tickets.append(ticket)

    def progress(self, progress: Progress) -> None:
        self.progress_seen.append(progress)


def params(**changes: Any) -> GenerationParams:
    return GenerationParams(**{"prompt": "a lighthouse", "seed": 4242, **changes})


def backend_for(server: FakeSegmind, api: ApiChoice = ApiChoice.AUTO, read_timeout: float = 5,
                **kwargs: Any) -> SegmindBackend:
    settings = ClientSettings(server.base_url, connect_timeout=2, read_timeout=read_timeout,
                              history_base=server.history_base, api=api)
    return SegmindBackend(ApiKey(API_KEY), settings, retry=kwargs.pop("retry", FAST),
                          follow_deadline=kwargs.pop("follow_deadline", 20.0), **kwargs)


def run(server: FakeSegmind, p: GenerationParams | None = None, events: Events | None = None,
        expected: float = 0.1, **kwargs: Any) -> Any:
    async def go() -> Any:
        backend = backend_for(server, **kwargs)
        try:
            return await backend.run(JobRequest(p or params(), SCRIBBLE, expected),
                                     events or Events())
        finally:
            await backend.aclose()
    return asyncio.run(go())


def test_a_job_is_submitted_polled_and_fetched_with_its_cost(fake_api: FakeSegmind) -> None:
    events = Events()
    result = run(fake_api, params(samples=2), events)
    (job,) = fake_api.submits
    assert job.api == "v2" and [t.request_id for t in events.tickets] == [job.request_id]
    assert result.api == "v2" and result.request_id == job.request_id
    assert len(result.images) == 2 and {i.format for i in result.images} == {"JPEG"}
    assert result.cost == job.cost and result.credits == fake_api.credits
    assert dict(result.timings).keys() >= {"inference_time", "total_time"}
    assert fake_api.billed == 1 and fake_api.key_seen_by_host() == {"api"}
    assert not fake_api.key_seen_on_images and len(fake_api.image_requests) == 2


def test_the_server_state_is_reported_as_it_changes() -> None:
    """The job is held in each state by the fake's clock until the test moves it on."""
    with FakeSegmind(queue_seconds=1000, job_seconds=1000) as server:
        events = Events()

        async def go() -> Any:
            task = asyncio.ensure_future(asyncio.to_thread(run, server, None, events, 0.05))
            for phase, skip in ((Phase.QUEUED, 1000.0), (Phase.GENERATING, 1000.0)):
                await until(lambda phase=phase: phase in [p.phase for p in events.progress_seen])
                server.submits[0].started -= skip  # on to the next state
            return await task

        result = asyncio.run(go())
    phases = [p.phase for p in events.progress_seen]
    assert phases.index(Phase.QUEUED) < phases.index(Phase.GENERATING)
    assert phases[-1] is Phase.DOWNLOADING and len(result.images) == 1


async def until(condition: Any, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("code", [422, 200])
def test_a_failed_job_is_failed_with_the_servers_words_and_not_billed(code: int) -> None:
    with FakeSegmind(failed_status_code=code) as server:
        server.fail_job(message="NSFW content detected")
        with pytest.raises(errors.JobFailed, match="NSFW content detected") as caught:
            run(server)
        assert server.billed == 0
    assert not caught.value.may_have_been_billed


@pytest.mark.parametrize("shape", ["both", "output-only", "images-objects", "images-strings"])
def test_every_result_shape_is_read(shape: str) -> None:
    with FakeSegmind(result_shape=shape) as server:
        result = run(server, params(samples=1))
    assert len(result.images) == 1 and result.images[0].format == "JPEG"


def test_an_expired_record_is_collected_through_the_request_history() -> None:
    with FakeSegmind(job_seconds=0.2, record_ttl=0.0) as server:
        result = run(server)
        lookups = sum(1 for r in server.requests if r.host == "history")
    assert lookups >= 1 and len(result.images) == 1 and result.cost is not None


def test_a_429_on_a_poll_waits_and_is_never_a_failure(fake_api: FakeSegmind) -> None:
    fake_api.script_for("status", Fault.rate_limited(reset_in_s=0.2),
                        Fault.rate_limited(reset_in_s=0.2))
    events = Events()
    result = run(fake_api, events=events)
    assert len(result.images) == 1 and len(fake_api.submits) == 1
    assert Phase.WAITING_TO_POLL in [p.phase for p in events.progress_seen]


@pytest.mark.parametrize("kind", ["status", "result", "image"])
@pytest.mark.parametrize("fault", [Fault.close_without_answer, Fault.drop_mid_body,
                                   lambda: Fault.status_code(503)])
def test_network_failures_after_the_submit_are_retried_never_resubmitted(
        fake_api: FakeSegmind, kind: str, fault: Any) -> None:
    fake_api.script_for(kind, fault(), fault())
    result = run(fake_api)
    assert len(result.images) == 1
    assert len(fake_api.submits) == 1 and fake_api.billed == 1


@pytest.mark.parametrize("then", ["close", "drop", "slow:3"])
def test_a_submit_whose_answer_is_lost_is_in_doubt_and_found_in_the_history(
        fake_api: FakeSegmind, then: str) -> None:
    fake_api.script_for("submit", Fault.after_job_created(then))

    async def go() -> tuple[Any, Any]:
        backend = backend_for(fake_api, read_timeout=0.5)
        try:
            with pytest.raises(errors.SubmitInDoubt):
                await backend.run(JobRequest(params(), SCRIBBLE, 0.1), Events())
            found = await backend.find(LostJob(params(), time.time(), None, "v2"))
            assert found.ticket is not None
            return found, await backend.resume(found.ticket, params(), Events())
        finally:
            await backend.aclose()

    found, result = asyncio.run(go())
    (job,) = fake_api.submits
    assert found.ticket.request_id == job.request_id and len(result.images) == 1
    assert fake_api.billed == 1


def test_a_job_not_in_the_history_is_reported_not_found(fake_api: FakeSegmind) -> None:
    async def go() -> Any:
        backend = backend_for(fake_api)
        try:
            return await backend.find(LostJob(params(seed=7), time.time()))
        finally:
            await backend.aclose()

    lookup = asyncio.run(go())
    assert lookup.ticket is None and lookup.failed is None and lookup.checked_at > 0
    assert fake_api.submits == []


def test_history_ids_without_dashes_are_tried_too() -> None:
    with FakeSegmind(history_ids="hex", job_seconds=0.1, record_ttl=0.0) as server:
        result = run(server)
    assert len(result.images) == 1


def test_a_slug_not_served_on_v2_falls_back_to_v1_and_is_remembered() -> None:
    with FakeSegmind(v2=False) as server:
        async def go() -> list[Any]:
            backend = backend_for(server)
            try:
                return [await backend.run(JobRequest(params(seed=s), SCRIBBLE), Events())
                        for s in (1, 2)]
            finally:
                await backend.aclose()

        first, second = asyncio.run(go())
        v2_posts = [r for r in server.requests if r.method == "POST" and "/v2/" in r.path]
    assert first.api == second.api == "v1" and len(v2_posts) == 1  # asked once, remembered
    assert first.cost is not None and first.request_id == server.submits[0].request_id


def test_api_v2_only_does_not_fall_back() -> None:
    with FakeSegmind(v2=False) as server, pytest.raises(errors.EndpointNotFound):
        run(server, api=ApiChoice.V2)


def test_a_5xx_from_the_submit_is_retried_no_job_exists(fake_api: FakeSegmind) -> None:
    fake_api.script_for("submit", Fault.status_code(503))
    result = run(fake_api)
    assert len(result.images) == 1 and len(fake_api.submits) == 1


# -- where the key goes ---------------------------------------------------------------


def test_urls_named_by_a_submit_answer_never_receive_the_key(fake_api: FakeSegmind) -> None:
    foreign = fake_api.images_base
    fake_api.script_for("submit", Fault.status_code(200, {
        "request_id": "1c9c7c1e-0000-4000-8000-000000000001", "status": "QUEUED",
        "status_url": f"{foreign}/v2/requests/x/status",
        "response_url": f"{foreign}/v2/requests/x", "poll_url": f"{foreign}/poll"}))
    with pytest.raises((errors.StillRunning, errors.StudioError)):
        run(fake_api, follow_deadline=0.5)
    assert "images" not in fake_api.key_seen_by_host()


def test_a_redirect_is_not_followed_with_the_key(fake_api: FakeSegmind) -> None:
    fake_api.script_for("submit", Fault.status_code(
        307, b"", location=f"{fake_api.images_base}/v2/sd1.5-controlnet-scribble"))
    with pytest.raises(errors.StudioError):
        run(fake_api)
    assert fake_api.key_seen_by_host() == {"api"}
    assert fake_api.submits == []


@pytest.mark.parametrize("code", [502, 504])
def test_a_gateway_error_from_the_submit_is_in_doubt_not_sent_again(
        fake_api: FakeSegmind, code: int) -> None:
    """A gateway may have passed the submit on (billing 'unknown' in the contract): it is
    looked up, never sent a second time by itself."""
    fake_api.script_for("submit", Fault.status_code(code))
    with pytest.raises(errors.SubmitInDoubt):
        run(fake_api)
    assert len([r for r in fake_api.requests if r.method == "POST"]) == 1
