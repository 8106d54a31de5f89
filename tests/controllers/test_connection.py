"""The connection controller: the API's state and the credits, learnt from free calls
(a credits refresh, the probe before what waits is sent) and from every error reported
to the one notices channel. A real SessionBackend over the scripted backend."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from scribble_studio.controllers.connection import ConnectionController
from scribble_studio.controllers.job import Connection
from scribble_studio.controllers.notices import Notices
from scribble_studio.controllers.session_backend import SessionBackend
from scribble_studio.domain import errors
from scribble_studio.domain.errors import StudioError
from tests.asyncqt import run, until
from tests.controllers.conftest import Knobs
from tests.fakes.scripted_backend import ScriptedBackend


@pytest.fixture
def notices(qapp: object) -> Notices:
    return Notices()


@pytest.fixture
def link(knobs: Knobs, backend: ScriptedBackend, notices: Notices) -> ConnectionController:
    tasks: set[asyncio.Task[Any]] = set()

    def start(coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        tasks.add(task)
        task.add_done_callback(tasks.discard)
        return task

    made: list[ConnectionController] = []
    api = SessionBackend(backend.factory, lambda: knobs.settings, lambda: knobs.key,
                         lambda credits: made[0].on_credits(credits))
    made.append(ConnectionController(api, lambda: knobs.key, notices, start,
                                     probe_wait=(0.01, 0.02)))
    return made[0]


def test_credits_are_asked_only_with_a_key_and_say_the_api_answers(
        aloop: asyncio.AbstractEventLoop, link: ConnectionController, knobs: Knobs,
        backend: ScriptedBackend) -> None:
    changed: list[object] = []
    link.credits_changed.connect(changed.append)
    states: list[str] = []
    link.state_changed.connect(states.append)
    backend.balance = 9.5

    async def scenario() -> None:
        knobs.key = None
        link.refresh_credits()
        knobs.key = Knobs().key
        link.refresh_credits()
        await until(lambda: link.state is Connection.ONLINE)

    run(aloop, scenario())
    assert len(backend.of("credits")) == 1 and changed == [9.5] and link.credits == 9.5
    assert states == ["online"]


def test_the_state_follows_every_error_before_the_ui_hears_of_it(
        link: ConnectionController, notices: Notices) -> None:
    seen: list[tuple[Connection, object]] = []
    notices.reported.connect(lambda error, job: seen.append((link.state, job)))
    rejected = errors.AuthenticationFailed("API key is invalid or may have expired")
    rejected.credits = 3.25
    notices.report(rejected, job="job 1")
    assert seen == [(Connection.KEY_REJECTED, "job 1")] and link.credits == 3.25
    notices.report(errors.Offline("Segmind cannot be reached."), quiet=True)
    assert link.state is Connection.OFFLINE and len(seen) == 1  # quiet: followed, not shown


def test_the_probe_waits_out_an_offline_api_then_says_online_once(
        aloop: asyncio.AbstractEventLoop, link: ConnectionController,
        backend: ScriptedBackend) -> None:
    online: list[bool] = []
    link.online.connect(lambda: online.append(True))
    backend.online = False

    async def scenario() -> None:
        link.probe()
        link.probe()  # (one probe at a time)
        await until(lambda: len(backend.of("credits")) >= 3, what="probes with backoff")
        assert online == [] and link.state is not Connection.ONLINE
        backend.online = True
        await until(lambda: bool(online))

    run(aloop, scenario())
    assert online == [True] and link.state is Connection.ONLINE


def test_a_probe_that_meets_a_rejected_key_reports_it_and_sends_nothing(
        aloop: asyncio.AbstractEventLoop, link: ConnectionController, notices: Notices,
        backend: ScriptedBackend) -> None:
    reported: list[tuple[StudioError, object]] = []
    notices.reported.connect(lambda error, job: reported.append((error, job)))
    online: list[bool] = []
    link.online.connect(lambda: online.append(True))
    backend.credits_error = errors.AuthenticationFailed("API key is invalid")

    async def scenario() -> None:
        link.probe()
        await until(lambda: bool(reported))

    run(aloop, scenario())
    assert online == [] and link.state is Connection.KEY_REJECTED
    assert reported[0][1] is None  # (a call's error: no job)
