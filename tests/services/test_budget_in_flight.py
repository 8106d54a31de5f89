"""Review (money safety, 6): the budget counted only finished jobs, so a job in flight (a
live job at the server, or another Generate) was not counted and a second job passed a
budget with room for one. Jobs in flight now count at their estimate in what is left;
what was spent stays what was billed."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scribble_studio.domain.models import builtin_catalog
from scribble_studio.domain.params import GenerationParams
from scribble_studio.domain.scribble import export_scribble
from scribble_studio.services.budget import Budget, Limits, OverBudget
from scribble_studio.services.history import HistoryStore, State
from scribble_studio.services.ledger import Ledger
from scribble_studio.services.outbox import Outbox
from tests.fakes.scripted_backend import ScriptedBackend, Step
from tests.fakes.sketches import drawn_sketch

SCRIBBLE = export_scribble(drawn_sketch((64, 64)))


def test_a_job_in_flight_counts_against_the_budget(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    budget = Budget(Ledger(store), builtin_catalog(), lambda: Limits(day=0.004))
    box = Outbox(store, budget=budget)
    backend = ScriptedBackend()
    gate = backend.hold()
    backend.script(Step.submitted("req-live"), gate, Step.done())   # the live job, at Segmind
    backend.script(Step.submitted("req-gen"), Step.done())          # a Generate meanwhile
    refused: list[str] = []

    async def scenario() -> None:
        first = await box.record(GenerationParams("live", seed=1), SCRIBBLE, "live", live=True)
        running = asyncio.ensure_future(box.send(backend, first))  # type: ignore[arg-type]
        await gate.reached.wait()
        second = await box.record(GenerationParams("a fox", seed=2), SCRIBBLE, "app")
        try:
            await box.send(backend, second)  # type: ignore[arg-type]
        except OverBudget as exc:
            refused.append(exc.message)
        gate.release()
        await running

    asyncio.run(scenario())
    box.lock.release()
    spent = Ledger(store).spent_since(0)
    print("billed", backend.billed, "spent", spent, "refused", refused)
    assert refused and backend.billed == 1, f"two jobs billed ${spent} past a $0.004 day"


def budget_of(store: HistoryStore, day: float) -> Budget:
    return Budget(Ledger(store), builtin_catalog(), lambda: Limits(day=day))


@pytest.mark.parametrize("state", (State.SUBMITTING, State.SUBMITTED, State.UNKNOWN),
                         ids=lambda s: s.value)
def test_a_job_not_settled_holds_its_estimate_but_is_not_spent(tmp_path: Path,
                                                               state: State) -> None:
    store = HistoryStore(tmp_path)
    budget = budget_of(store, 0.004)
    params = GenerationParams("a fox", seed=1)
    store.record(params, SCRIBBLE.png, (64, 64), state)
    estimate = budget.estimate(params).cost
    now = budget.state()
    assert now.spent_today == 0.0 and now.in_flight_today == pytest.approx(estimate)
    assert now.left_today == pytest.approx(0.004 - estimate)
    with pytest.raises(OverBudget, match="held for jobs still running"):
        budget.check(GenerationParams("an owl", seed=2))


@pytest.mark.parametrize("state", (State.QUEUED, State.WAITING, State.CANCELLED),
                         ids=lambda s: s.value)
def test_a_job_that_never_left_holds_nothing(tmp_path: Path, state: State) -> None:
    store = HistoryStore(tmp_path)
    budget = budget_of(store, 0.004)
    store.record(GenerationParams("a fox", seed=1), SCRIBBLE.png, (64, 64), state)
    assert budget.state().left_today == pytest.approx(0.004)
    budget.check(GenerationParams("an owl", seed=2))


def test_a_job_in_doubt_sent_again_is_not_counted_twice(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path)
    budget = budget_of(store, 0.004)
    params = GenerationParams("a fox", seed=1)
    gen = store.record(params, SCRIBBLE.png, (64, 64), State.UNKNOWN)
    budget.check(params, job=gen)   # the user's "send it again": its own estimate once
    with pytest.raises(OverBudget):
        budget.check(params)
