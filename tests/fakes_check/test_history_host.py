"""The fake's request history, checked with plain httpx (the SDK's history calls go to a
hard-coded host): the key, the lag, the id forms, the listing window and its pages, one row
per output."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.fakes.segmind_server import API_KEY, HISTORY_PATH, SLUG, FakeSegmind
from tests.fakes_check.helpers import scribble_body

KEY = {"x-api-key": API_KEY}


@pytest.fixture
def server() -> Iterator[FakeSegmind]:
    with FakeSegmind() as fake:
        yield fake


def submit(server: FakeSegmind, **body: Any) -> str:
    answer = httpx.post(f"{server.api_origin}/v2/{SLUG}", json=scribble_body(**body),
                        headers=KEY)
    assert answer.status_code == 200, answer.text
    request_id: str = answer.json()["request_id"]
    return request_id


def row(server: FakeSegmind, request_id: str, **headers: str) -> httpx.Response:
    return httpx.get(f"{server.history_base}{HISTORY_PATH}/{request_id}",
                     headers=headers or KEY)


def listing(server: FakeSegmind, **params: Any) -> httpx.Response:
    return httpx.get(f"{server.history_base}{HISTORY_PATH}", params=params, headers=KEY)


def days_ago(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days)).isoformat()


def test_the_history_wants_the_key_and_nothing_else(server: FakeSegmind) -> None:
    request_id = submit(server)
    assert row(server, request_id, **{"x-other": "1"}).status_code == 401
    assert row(server, request_id, authorization=f"Bearer {API_KEY}").status_code == 401
    bad = row(server, request_id, **{"x-api-key": "SG_0000"})
    assert bad.status_code == 401 and "invalid" in bad.json()["error"]
    assert server.key_seen_by_host() == {"api", "history"}


def test_a_row_by_id_has_every_field_of_the_contract(server: FakeSegmind) -> None:
    sent = scribble_body(seed=42, negative_prompt="blurry")
    request_id = submit(server, seed=42, negative_prompt="blurry")
    found = row(server, request_id)
    assert found.status_code == 200
    data = found.json()
    assert data["request_id"] == request_id and data["model_name"] == SLUG
    assert data["status"] == "COMPLETED" and data["error"] is None
    assert data["credits_deduction"] == server.jobs[request_id].cost
    assert data["request_body"] == {k: v for k, v in sent.items() if k != "image"}
    assert data["generation_url"] == server.jobs[request_id].outputs[0]
    assert data["latency_ms"] == 0
    assert dt.datetime.fromisoformat(data["created_at"]).tzinfo is not None
    assert dt.datetime.fromisoformat(data["updated_at"]) >= dt.datetime.fromisoformat(
        data["created_at"])
    missing = row(server, "0" * 32)
    assert missing.status_code == 404
    assert missing.json() == {"error": f"Request {'0' * 32} not found"}


def test_a_pending_and_a_failed_job_as_the_history_shows_them() -> None:
    with FakeSegmind(job_seconds=60) as server:
        server.fail_job()
        failed = submit(server)
        pending = submit(server)
        server.jobs[failed].started -= 60  # its time is up: it ends FAILED now
        assert row(server, failed).json()["status"] == "FAILED"
        assert row(server, failed).json()["credits_deduction"] == 0
        assert row(server, failed).json()["error"]
        data = row(server, pending).json()
        assert data["status"] == "PENDING" and data["generation_url"] is None
        assert data["latency_ms"] is None
        statuses = [r["status"] for r in listing(server, status="PENDING").json()["data"]]
        assert statuses == ["PENDING"]


def test_hex_ids_resolve_only_without_dashes() -> None:
    with FakeSegmind(history_ids="hex") as server:
        request_id = submit(server)
        assert row(server, request_id).status_code == 404
        found = row(server, request_id.replace("-", ""))
        assert found.status_code == 200 and found.json()["request_id"] == request_id.replace(
            "-", "")


def test_a_lagging_record_is_absent_or_all_null() -> None:
    with FakeSegmind(history_lag=3600) as server:
        request_id = submit(server)
        assert row(server, request_id).status_code == 404
        assert listing(server).json() == {"data": []}
        server.jobs[request_id].created -= 3600  # an hour later, it has landed
        assert row(server, request_id).status_code == 200
    with FakeSegmind(history_lag=3600, history_lag_mode="nulls") as server:
        request_id = submit(server)
        data = row(server, request_id).json()
        assert data["request_id"] == request_id and data["status"] == "PENDING"
        assert data["generation_url"] is None and data["request_body"] is None


def test_a_request_with_several_outputs_is_listed_once_per_output(server: FakeSegmind) -> None:
    request_id = submit(server, samples=3)
    rows = listing(server).json()["data"]
    assert [r["request_id"] for r in rows] == [request_id] * 3
    assert [r["generation_url"] for r in rows] == server.jobs[request_id].outputs
    assert {r["credits_deduction"] for r in rows} == {server.jobs[request_id].cost}


def test_the_listing_is_newest_first_and_paged(server: FakeSegmind) -> None:
    ids = [submit(server, seed=seed) for seed in range(5)]
    for age, request_id in enumerate(reversed(ids)):
        server.jobs[request_id].created -= age  # distinct times, newest last submitted
    first = listing(server, page=1, per_page=2).json()["data"]
    second = listing(server, page=2, per_page=2).json()["data"]
    third = listing(server, page=3, per_page=2).json()["data"]
    assert [r["request_id"] for r in first + second + third] == ids[::-1]
    assert listing(server, page=4, per_page=2).json() == {"data": []}
    assert len(listing(server).json()["data"]) == 5
    for bad in ({"per_page": 0}, {"per_page": 101}, {"page": 0}, {"page": "x"}):
        assert listing(server, **bad).status_code == 400


def test_the_window_defaults_to_a_week_and_spans_at_most_31_days(server: FakeSegmind) -> None:
    old = submit(server, seed=1)
    new = submit(server, seed=2)
    server.jobs[old].created -= 10 * 86400
    assert [r["request_id"] for r in listing(server).json()["data"]] == [new]
    window = listing(server, from_date=days_ago(12), to_date=days_ago(9)).json()["data"]
    assert [r["request_id"] for r in window] == [old]
    both = listing(server, from_date=days_ago(31), to_date=days_ago(0)).json()["data"]
    assert {r["request_id"] for r in both} == {old, new}
    too_long = listing(server, from_date=days_ago(32), to_date=days_ago(0))
    assert too_long.status_code == 400 and "31" in too_long.json()["error"]
    assert listing(server, from_date="2026/01/01").status_code == 400
    assert listing(server, from_date=days_ago(0), to_date=days_ago(1)).status_code == 400


def test_the_listing_filters_by_model_and_status(server: FakeSegmind) -> None:
    submit(server)
    assert len(listing(server, model_name="controlnet").json()["data"]) == 1
    assert listing(server, model_name="flux").json() == {"data": []}
    assert len(listing(server, status="COMPLETED").json()["data"]) == 1
    assert listing(server, status="FAILED").json() == {"data": []}
    assert listing(server, status="DONE").status_code == 400


def test_v1_calls_are_in_the_history_under_their_x_request_id(server: FakeSegmind) -> None:
    answer = httpx.post(server.base_url + f"/{SLUG}", json=scribble_body(), headers=KEY)
    data = row(server, answer.headers["x-request-id"]).json()
    assert data["status"] == "COMPLETED" and data["credits_deduction"] == float(
        answer.headers["x-cost"])
