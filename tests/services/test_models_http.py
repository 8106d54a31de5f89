"""Both models through the real backend and the HTTP fake: each slug's body, its strict
validation, the spec's usual time, 410 and 403; and the history's migration 3."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from scribble_studio.domain import errors
from scribble_studio.domain.models import SDXL_SCRIBBLE
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.backends import JobRequest, Ticket
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.backends.segmind_wire import request_body
from scribble_studio.services.config import ApiChoice, ApiKey, ClientSettings
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.ledger import Ledger
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.fakes.sketches import drawn_sketch

FAST = RetryPolicy(attempts=1, first_poll=0.02, poll_initial=0.05, poll_max=0.05)
SCRIBBLE = export_scribble(drawn_sketch())
SDXL = GenerationParams.for_model(SDXL_SCRIBBLE, "a fox", seed=11, samples=2)


class Events:
    def __init__(self) -> None:
        self.tickets: list[Ticket] = []

    async def submitted(self, ticket: Ticket) -> None:
        self.tickets.append(ticket)

    def progress(self, progress: object) -> None:
        pass


def run(server: FakeSegmind, params: GenerationParams, api: ApiChoice = ApiChoice.AUTO) -> Any:
    async def go() -> Any:
        settings = ClientSettings(server.base_url, connect_timeout=2, read_timeout=5,
                                  history_base=server.history_base, api=api)
        backend = SegmindBackend(ApiKey(API_KEY), settings, retry=FAST, follow_deadline=20)
        try:
            return await backend.run(JobRequest(params, SCRIBBLE, 0.05), Events())
        finally:
            await backend.aclose()
    return asyncio.run(go())


def test_the_sdxl_body_has_its_own_wire_names_and_fixed_fields() -> None:
    body = request_body(SDXL, "AAAA")
    assert body["cn_model"] == "sdxl_scribble" and body["controlnet_scale"] == 0.9
    assert "strength" not in body and body["num_inference_steps"] == 30
    assert body["guidance_scale"] == 6.0 and body["samples"] == 2
    sd15 = request_body(GenerationParams("a", seed=1), "AAAA")
    assert "cn_model" not in sd15 and sd15["strength"] == 1.0


@pytest.mark.parametrize("api", [ApiChoice.V2, ApiChoice.V1])
def test_an_sdxl_job_goes_to_its_slug_and_is_billed_at_its_price(
        fake_api: FakeSegmind, api: ApiChoice) -> None:
    result = run(fake_api, SDXL, api)
    (job,) = fake_api.submits
    assert job.slug == "sdxl-controlnet" and job.api == api.value
    assert job.body["cn_model"] == "sdxl_scribble" and "strength" not in job.body
    assert result.cost == job.cost == 2.0  # the fake's SDXL price: $1 an image at 30 steps
    assert len(result.images) == 2


def test_the_fake_holds_each_slug_to_its_own_rules(fake_api: FakeSegmind) -> None:
    headers = {"x-api-key": API_KEY}
    sd15_body = request_body(GenerationParams("a", seed=1), SCRIBBLE.base64())
    # SD 1.5's field on the SDXL slug, and an SDXL scale below SD 1.5's range.
    answer = httpx.post(f"{fake_api.api_origin}/v2/sdxl-controlnet", json=sd15_body,
                        headers=headers)
    assert answer.status_code == 400 and "strength" in answer.text
    low = {**sd15_body, "strength": 0.05}
    answer = httpx.post(f"{fake_api.api_origin}/v2/sd1.5-controlnet-scribble", json=low,
                        headers=headers)
    assert answer.status_code == 400
    sdxl_low = request_body(GenerationParams.for_model(SDXL_SCRIBBLE, "a", seed=1,
                                                       strength=0.05), SCRIBBLE.base64())
    assert httpx.post(f"{fake_api.api_origin}/v2/sdxl-controlnet", json=sdxl_low,
                      headers=headers).status_code == 200
    bad_cn = {**sdxl_low, "cn_model": "sdxl_nonsense"}
    assert httpx.post(f"{fake_api.api_origin}/v2/sdxl-controlnet", json=bad_cn,
                      headers=headers).status_code == 400


def test_a_retired_model_is_410_and_a_forbidden_one_403(fake_api: FakeSegmind) -> None:
    fake_api.retired.add("sdxl-controlnet")
    with pytest.raises(errors.ModelRetired):
        run(fake_api, SDXL)
    fake_api.retired.clear()
    fake_api.forbidden.add("sdxl-controlnet")
    with pytest.raises(errors.AuthenticationFailed):
        run(fake_api, SDXL)
    assert fake_api.submits == [] and fake_api.billed == 0
    assert run(fake_api, GenerationParams("a", seed=2)).cost == 0.25  # SD 1.5 still works


def test_a_first_release_history_gets_the_model_and_an_unknown_cost(tmp_path: Path) -> None:
    (tmp_path / "history.sqlite3").write_bytes(
        (Path(__file__).parents[1] / "fakes" / "data" / "history-release-1.sqlite3").read_bytes())
    store = HistoryStore(tmp_path)
    assert store.recovered_from is None
    rows = store.read("SELECT model, cost, cost_estimated, billed_failure FROM generations")
    assert len(rows) == 6
    assert {tuple(r) for r in rows} == {("sd15-scribble", None, 0, 0)}
    assert all(e.params.model == "sd15-scribble" for e in store.page(0, 10))
    ledger = Ledger(store)
    (done,) = [r for r in ledger.rows() if r.state == "done"]
    assert done.model == "sd15-scribble" and done.cost is None and done.balance_after == 99.75
    # A new job records its model through its parameters: no writer had to change.
    gen_id = store.record(SDXL, SCRIBBLE.png, (1024, 1024), State.WAITING)
    assert store.read("SELECT model, samples, steps FROM generations WHERE id=?",
                      (gen_id,))[0][:] == ("sdxl-scribble", 2, 30)
    db = sqlite3.connect(tmp_path / "history.sqlite3")
    assert json.loads(db.execute("SELECT params FROM generations WHERE id=?",
                                 (gen_id,)).fetchone()[0])["model"] == "sdxl-scribble"
    assert store.integrity() == "ok"
