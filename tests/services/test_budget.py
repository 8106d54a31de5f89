"""The estimate (the spec's hint, refined by this history) and each budget rule, with the
check where every send passes (Outbox.send): real SQLite, the HTTP fake."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scribble_studio.domain.models import SDXL_SCRIBBLE, builtin_catalog
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services import outbox
from scribble_studio.services.backends.retry import RetryPolicy
from scribble_studio.services.backends.segmind import SegmindBackend
from scribble_studio.services.budget import Budget, Limits, OverBudget, money
from scribble_studio.services.config import ApiKey, ClientSettings
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.ledger import Ledger
from tests.fakes.segmind_server import API_KEY, FakeSegmind
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch())
FAST = RetryPolicy(attempts=1, first_poll=0.02, poll_initial=0.05, poll_max=0.05)


class Box:
    """A budget whose limits the test changes."""

    def __init__(self, store: HistoryStore) -> None:
        self.limits = Limits()
        self.budget = Budget(Ledger(store), builtin_catalog(), lambda: self.limits)


def send(store: HistoryStore, server: FakeSegmind, box: outbox.Outbox, gen_id: int,
         over_budget: bool = False) -> object:
    async def go() -> object:
        settings = ClientSettings(server.base_url, connect_timeout=2,
                                  history_base=server.history_base)
        backend = SegmindBackend(ApiKey(API_KEY), settings, retry=FAST)
        try:
            return await box.send(backend, gen_id, over_budget=over_budget)
        finally:
            await backend.aclose()
    return asyncio.run(go())


def record(store: HistoryStore, params: GenerationParams) -> int:
    return store.record(params, SCRIBBLE.png, (512, 512), State.WAITING)


def test_the_estimate_is_the_hint_until_this_history_knows_better(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    budget = Box(store).budget
    four = GenerationParams("a", samples=4, seed=1)
    assert budget.estimate(four).cost == pytest.approx(0.012) and budget.estimate(
        four).text() == "≈ $0.012 (4 images)"
    sdxl = GenerationParams.for_model(SDXL_SCRIBBLE, "a", seed=1, steps=60)
    assert budget.estimate(sdxl).cost == pytest.approx(0.024)  # twice the default steps
    box = outbox.Outbox(store)
    send(store, fake_api, box, record(store, four))
    refined = budget.estimate(four)
    assert (refined.cost, refined.from_history) == (1.0, 1)  # the fake's real price
    # Another model, other steps or samples: still the hint.
    assert budget.estimate(GenerationParams("a", samples=3)).from_history == 0
    assert budget.estimate(GenerationParams("a", samples=4, steps=21)).from_history == 0
    assert money(0.012) == "$0.012" and money(0.5) == "$0.50" and money(12) == "$12"


def test_an_outbox_item_is_checked_when_it_goes_out_not_when_queued(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    box = Box(store)
    sender = outbox.Outbox(store, budget=box.budget)
    first = record(store, GenerationParams("a", seed=1))
    queued = record(store, GenerationParams("b", seed=2))   # under budget when queued
    send(store, fake_api, sender, first)                      # $0.25 spent today
    box.limits = Limits(day=0.3)
    with pytest.raises(OverBudget) as refused:
        send(store, fake_api, sender, queued)
    assert refused.value.left == pytest.approx(0.05) and refused.value.exit_code == 4
    assert "$0.05 left today (of $0.30)" in refused.value.message
    assert store.get(queued).state is State.WAITING  # type: ignore[union-attr]
    assert len(fake_api.submits) == 1
    box.limits = Limits(month=0.2)
    with pytest.raises(OverBudget, match="left this month"):
        send(store, fake_api, sender, queued)
    send(store, fake_api, sender, queued, over_budget=True)   # the user's word, once
    assert store.get(queued).state is State.DONE  # type: ignore[union-attr]


def test_ask_above_refuses_one_dear_job_but_not_a_cheap_one(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    box = Box(store)
    box.limits = Limits(ask_above=0.01)
    assert box.budget.check(GenerationParams("a")).cost == pytest.approx(0.003)
    with pytest.raises(OverBudget, match=r"above the \$0.01"):
        box.budget.check(GenerationParams("a", samples=4))
    assert box.budget.check(GenerationParams("a", samples=4), override=True).cost > 0.01


def test_a_cost_reported_by_the_server_is_not_an_estimate(
        tmp_path: Path, fake_api: FakeSegmind) -> None:
    store = HistoryStore(tmp_path)
    box = outbox.Outbox(store)
    gen_id = record(store, GenerationParams("a", seed=1, samples=2))
    send(store, fake_api, box, gen_id)
    row = box.ledger.row(gen_id)
    assert row is not None and (row.cost, row.cost_estimated, row.billed_failure) == (
        0.5, False, False)
    assert row.balance_after == fake_api.credits == 99.5
