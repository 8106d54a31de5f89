"""The fake's v1 and v2 against Segmind's own SDK (1.3.0): if the SDK can run a job on the
fake, the fake speaks what the real service speaks, and the app's tests against the fake
mean something."""

from __future__ import annotations

import io
from collections.abc import Iterator

import httpx
import pytest
import segmind
from PIL import Image
from segmind.exceptions import SegmindError
from segmind.v2 import InferenceFailed

from tests.fakes.segmind_server import API_KEY, SLUG, FakeSegmind
from tests.fakes_check.helpers import scribble_body, until


@pytest.fixture
def server() -> Iterator[FakeSegmind]:
    with FakeSegmind(job_seconds=0.3) as fake:
        yield fake


def sdk(server: FakeSegmind) -> segmind.SegmindClient:
    return segmind.SegmindClient(api_key=API_KEY, base_url=server.base_url)


def test_the_sdk_submits_polls_and_gets_the_completed_body(server: FakeSegmind) -> None:
    job = sdk(server).submit_async(SLUG, **scribble_body(seed=77, samples=2))
    assert job.submit_response["status"] == "QUEUED"
    assert job.status_url == f"{server.api_origin}/v2/requests/{job.request_id}/status"
    body = job.wait(timeout=30, interval=0.1)
    assert body["status"] == "COMPLETED" and body["error"] is None and body["seed"] == 77
    assert body["output"] == body["images"][0]["url"]
    assert [i["file_name"] for i in body["images"]] == ["0.jpg", "1.jpg"]
    assert body["metrics"]["cost"] == FakeSegmind.cost(scribble_body(samples=2))
    assert body["metrics"]["remaining_credits"] == server.credits
    assert server.billed == 1 and server.billed_seeds == [77]
    assert server.polls == server.polls_for(job.request_id) >= 1
    with httpx.Client() as plain:  # the image host is public: no key goes there
        for image in body["images"]:
            answer = plain.get(image["url"])
            assert answer.headers["content-type"] == "image/jpeg"
            assert len(answer.content) == image["file_size"]
            assert Image.open(io.BytesIO(answer.content)).size == (256, 192)
    assert image["url"].startswith("http://127.0.0.2:")
    assert not server.key_seen_on_images and server.key_seen_by_host() == {"api"}
    assert [r.host for r in server.requests].count("images") == 2


@pytest.mark.parametrize("code", [422, 200])
def test_a_failed_job_raises_inference_failed_under_either_code(code: int) -> None:
    with FakeSegmind(failed_status_code=code) as server:
        server.fail_job(message="CUDA out of memory")
        job = sdk(server).submit_async(SLUG, **scribble_body())
        with pytest.raises(InferenceFailed) as caught:
            job.wait(timeout=30, interval=0.05)
        assert caught.value.detail == "CUDA out of memory"
        answer = httpx.get(job.response_url, headers={"x-api-key": API_KEY})
        assert answer.status_code == code and answer.json()["status"] == "FAILED"
        assert server.billed == 0 and server.jobs[job.request_id].state == "FAILED"


def test_a_failure_can_be_billed_all_the_same() -> None:
    with FakeSegmind() as server:
        server.fail_job(billed=True)
        job = sdk(server).submit_async(SLUG, **scribble_body(seed=5))
        with pytest.raises(InferenceFailed):
            job.wait(timeout=30, interval=0.05)
        assert server.billed == 1 and server.billed_seeds == [5]


def test_run_sync_is_v1_and_its_headers_name_the_job(server: FakeSegmind) -> None:
    answer = sdk(server).run_sync(SLUG, **scribble_body(seed=9))
    assert answer.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(answer.content)).format == "JPEG"
    job = server.jobs[answer.headers["x-request-id"]]
    assert job.api == "v1" and job.state == "COMPLETED" and job.seed == 9
    assert float(answer.headers["x-cost"]) == job.cost
    assert float(answer.headers["x-remaining-credits"]) == server.credits == 100 - job.cost
    assert server.submits == [job] and server.submits_for_seed(9) == 1


def test_without_cost_headers_x_cost_is_absent() -> None:
    with FakeSegmind(cost_headers=False) as server:
        answer = sdk(server).run_sync(SLUG, **scribble_body())
        assert "x-cost" not in answer.headers and "x-request-id" in answer.headers


def test_v2_off_answers_404_so_a_client_falls_back_to_v1() -> None:
    with FakeSegmind(v2=False) as server:
        with pytest.raises(SegmindError) as caught:
            sdk(server).submit_async(SLUG, **scribble_body())
        assert caught.value.status == 404 and caught.value.detail == "Not found"
        assert server.submits == [] and sdk(server).run_sync(SLUG, **scribble_body()).is_success


@pytest.mark.parametrize(("shape", "keys", "images"), [
    ("both", {"output", "images"}, dict), ("output-only", {"output"}, None),
    ("images-objects", {"images"}, dict), ("images-strings", {"images"}, str)])
def test_every_result_shape_of_the_contract(shape: str, keys: set[str],
                                            images: type | None) -> None:
    with FakeSegmind(result_shape=shape) as server:
        body = sdk(server).submit_async(SLUG, **scribble_body()).wait(timeout=30, interval=0.05)
        assert keys <= set(body) and not ({"output", "images"} - keys) & set(body)
        if images is not None:
            assert isinstance(body["images"][0], images)


def test_a_job_not_finished_has_no_output_yet() -> None:
    with FakeSegmind(queue_seconds=60, job_seconds=60) as server:
        job = sdk(server).submit_async(SLUG, **scribble_body())
        assert job.status()["status"] == "QUEUED" and "output" not in job.result()
        assert server.billed == 0 and server.credits == 100


def test_v2_refuses_what_v1_refuses(server: FakeSegmind) -> None:
    url = f"{server.api_origin}/v2/{SLUG}"
    key = {"x-api-key": API_KEY}
    assert httpx.post(url, json=scribble_body()).status_code == 401
    assert httpx.post(url, json=scribble_body(),
                      headers={"authorization": f"Bearer {API_KEY}"}).status_code == 401
    assert httpx.post(url, content=b"{}", headers=key).status_code == 406
    assert httpx.post(url, json=scribble_body(samples=9), headers=key).status_code == 400
    assert httpx.post(f"{server.api_origin}/v2/flux-pro", json=scribble_body(),
                      headers=key).status_code == 404
    wrong_method = httpx.get(url, headers=key)
    assert wrong_method.status_code == 405 and b"<html>" in wrong_method.content
    server.credits = 0.1
    poor = httpx.post(url, json=scribble_body(), headers=key)
    assert poor.status_code == 406 and "0.1" in poor.json()["error"]
    assert "0.25" in poor.json()["error"] and server.submits == []


def test_unknown_ids_cancel_and_other_paths_are_404(server: FakeSegmind) -> None:
    key = {"x-api-key": API_KEY}
    job = sdk(server).submit_async(SLUG, **scribble_body())
    missing = httpx.get(f"{server.api_origin}/v2/requests/nope/status", headers=key)
    assert missing.status_code == 404 and missing.json() == {"error": "Request nope not found"}
    cancel = httpx.post(f"{job.response_url}/cancel", headers=key)
    assert cancel.status_code == 404
    assert httpx.post(job.status_url, headers=key).status_code == 405


def test_an_expired_record_is_404_on_v2_but_known_to_the_history() -> None:
    with FakeSegmind(record_ttl=0.0) as server:
        job = sdk(server).submit_async(SLUG, **scribble_body())
        key = {"x-api-key": API_KEY}
        for url in (job.status_url, job.response_url):
            gone = until(lambda url=url: (a := httpx.get(url, headers=key)).status_code == 404
                         and a)
            assert gone.json() == {"error": f"Request {job.request_id} not found"}
        row = httpx.get(f"{server.history_base}/inference-request/request-history/"
                        f"{job.request_id}", headers=key)
        assert row.status_code == 200 and row.json()["status"] == "COMPLETED"
        assert server.billed == 1
