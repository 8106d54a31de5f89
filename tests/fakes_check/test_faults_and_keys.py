"""The fake's faults and its records of where the key went: what crash and recovery
tests lean on, so each is checked to do exactly what it says (one job, billed once; the
key seen where it was sent and nowhere else)."""

from __future__ import annotations

import datetime as dt
import ssl
from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.segmind_server import API_KEY, SLUG, FakeSegmind, Fault
from tests.fakes_check.helpers import scribble_body, until

KEY = {"x-api-key": API_KEY}


@pytest.fixture
def server() -> Iterator[FakeSegmind]:
    with FakeSegmind() as fake:
        yield fake


def submit_url(server: FakeSegmind) -> str:
    return f"{server.api_origin}/v2/{SLUG}"


def test_a_429_on_a_poll_names_the_reset_time_and_the_job_goes_on(server: FakeSegmind) -> None:
    job = httpx.post(submit_url(server), json=scribble_body(), headers=KEY).json()
    server.script_for("status", Fault.rate_limited(reset_in_s=2.0))
    limited = httpx.get(job["status_url"], headers=KEY)
    assert limited.status_code == 429 and limited.json() == {"error": "Too many requests"}
    assert "retry-after" not in limited.headers
    reset = dt.datetime.fromisoformat(limited.headers["x-rate-limit-reset-at-utc"])
    assert reset.tzinfo is not None and reset > dt.datetime.now(dt.UTC)
    assert httpx.get(job["status_url"], headers=KEY).json()["status"] == "COMPLETED"
    assert server.polls_for(job["request_id"]) == 2 and server.billed == 1


def test_the_key_is_recorded_on_the_image_host_only_when_sent_there(
        server: FakeSegmind) -> None:
    job = httpx.post(submit_url(server), json=scribble_body(), headers=KEY).json()
    url = httpx.get(job["response_url"], headers=KEY).json()["output"]
    assert httpx.get(url).status_code == 200
    assert not server.key_seen_on_images and server.key_seen_by_host() == {"api"}
    assert httpx.get(url, headers={"authorization": f"Bearer {API_KEY}"}).status_code == 200
    assert server.key_seen_on_images and server.key_seen_by_host() == {"api", "images"}
    assert len(server.image_requests) == 2
    assert httpx.get(url.replace("0.jpg", "7.jpg")).status_code == 404


@pytest.mark.parametrize("then", ["close", "drop", "slow:5"])
def test_a_submit_answered_badly_after_the_job_exists_leaves_one_billed_job(
        server: FakeSegmind, then: str) -> None:
    server.script_for("submit", Fault.after_job_created(then))
    with pytest.raises(httpx.TransportError):
        httpx.post(submit_url(server), json=scribble_body(seed=31), headers=KEY,
                   timeout=httpx.Timeout(5.0, read=0.3))
    assert server.submits_for_seed(31) == 1 and len(server.jobs) == 1
    assert until(lambda: server.billed == 1) and server.billed_seeds == [31]


def test_a_job_that_runs_on_after_its_client_left_is_billed_when_it_finishes() -> None:
    with FakeSegmind(job_seconds=0.2) as server:
        server.script_for("submit", Fault.after_job_created("close"))
        with pytest.raises(httpx.TransportError):
            httpx.post(submit_url(server), json=scribble_body(seed=8), headers=KEY)
        assert until(lambda: server.billed == 1) and server.polls == 0


def test_a_v1_answer_cut_after_its_headers_still_names_the_job(server: FakeSegmind) -> None:
    server.script_for("v1", Fault.after_job_created("drop"))
    with httpx.Client() as client, client.stream(
            "POST", server.base_url + f"/{SLUG}", json=scribble_body(seed=3),
            headers=KEY) as answer:
        request_id = answer.headers["x-request-id"]
        with pytest.raises(httpx.TransportError):
            answer.read()
    assert server.jobs[request_id].state == "COMPLETED" and server.billed_seeds == [3]
    assert server.submits_for_seed(3) == 1


def test_faults_aimed_at_one_kind_wait_for_that_kind(server: FakeSegmind) -> None:
    server.script_for("history", Fault.status_code(503, {"error": "busy"}))
    server.script_for("image", Fault.truncated_image())
    server.script_for("credits", Fault.garbage(b"<html>", "text/html"))
    job = httpx.post(submit_url(server), json=scribble_body(), headers=KEY).json()
    body = httpx.get(job["response_url"], headers=KEY).json()
    short = httpx.get(body["output"]).content
    assert 0 < len(short) < body["images"][0]["file_size"]
    assert httpx.get(server.base_url + "/get-user-credits", headers=KEY).content == b"<html>"
    history = f"{server.history_base}/inference-request/request-history"
    assert httpx.get(history, headers=KEY).status_code == 503
    assert httpx.get(history, headers=KEY).status_code == 200


def test_a_fault_scripted_for_any_request_takes_the_next_one_wherever(
        server: FakeSegmind) -> None:
    server.script(Fault.close_without_answer())
    server.script_for("v1", Fault.status_code(500))
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{server.history_base}/inference-request/request-history", headers=KEY)
    assert httpx.post(server.base_url + f"/{SLUG}", json=scribble_body(),
                      headers=KEY).status_code == 500
    assert server.billed == 0 and server.submits == []


def test_a_trickled_answer_arrives_whole(server: FakeSegmind) -> None:
    server.script_for("credits", Fault.trickle(delay=0.001))
    answer = httpx.get(server.base_url + "/get-user-credits", headers=KEY)
    assert answer.json() == {"credits": 100.0, "free-credits": 0.0}


def test_a_drop_on_a_poll_cuts_the_body(server: FakeSegmind) -> None:
    job = httpx.post(submit_url(server), json=scribble_body(), headers=KEY).json()
    server.script_for("result", Fault.drop_mid_body())
    with pytest.raises(httpx.TransportError):
        httpx.get(job["response_url"], headers=KEY)
    assert httpx.get(job["response_url"], headers=KEY).json()["status"] == "COMPLETED"


def test_one_job_can_take_longer_than_the_rest(server: FakeSegmind) -> None:
    server.job_seconds_next(60)
    slow = httpx.post(submit_url(server), json=scribble_body(seed=1), headers=KEY).json()
    quick = httpx.post(submit_url(server), json=scribble_body(seed=2), headers=KEY).json()
    assert httpx.get(slow["status_url"], headers=KEY).json()["status"] == "PROCESSING"
    assert httpx.get(quick["status_url"], headers=KEY).json()["status"] == "COMPLETED"
    assert server.billed_seeds == [2]


def test_submits_count_v1_and_v2_jobs_in_order(server: FakeSegmind) -> None:
    httpx.post(server.base_url + f"/{SLUG}", json=scribble_body(seed=4), headers=KEY)
    httpx.post(submit_url(server), json=scribble_body(seed=4), headers=KEY)
    assert [job.api for job in server.submits] == ["v1", "v2"]
    assert server.submits_for_seed(4) == 2 and len(server.generate_requests) == 1


def test_unknown_kinds_and_actions_are_refused() -> None:
    with pytest.raises(ValueError):
        FakeSegmind().script_for("cancel", Fault.status_code(500))
    with pytest.raises(ValueError):
        Fault.after_job_created("explode")


def test_connections_are_counted_per_listener(server: FakeSegmind) -> None:
    with httpx.Client(headers=KEY) as client:
        for _ in range(3):
            assert client.get(server.base_url + "/get-user-credits").status_code == 200
    assert server.connections["api"] == 1 and server.connections["history"] == 0


def test_the_tls_variant_serves_https_and_counts_handshakes() -> None:
    with FakeSegmind(tls=True) as server:
        assert server.base_url.startswith("https://127.0.0.1:")
        with httpx.Client(verify=server.client_ssl_context(), headers=KEY) as client:
            job = client.post(submit_url(server), json=scribble_body()).json()
            assert job["status_url"].startswith("https://")
            assert client.get(job["response_url"]).json()["status"] == "COMPLETED"
        assert server.connections["api"] == 1 and server.tls_handshakes["api"] == 1
        from_file = ssl.create_default_context(cafile=str(server.ca_pem_path))
        with httpx.Client(verify=from_file, headers=KEY) as client:
            assert client.get(server.base_url + "/get-user-credits").status_code == 200
        assert server.tls_handshakes["api"] == 2
        with pytest.raises(httpx.ConnectError):
            httpx.get(server.base_url + "/get-user-credits")  # not trusted by default
