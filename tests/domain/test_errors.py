"""The taxonomy's words for the user."""

from __future__ import annotations

import datetime as dt

from scribble_studio.domain.errors import RateLimited


def test_a_rate_limit_says_its_reset_in_local_time_with_the_date_when_not_today() -> None:
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    assert f"after {soon.astimezone():%H:%M:%S}." in RateLimited("x", soon).action
    assert f"after {later.astimezone():%Y-%m-%d %H:%M:%S}." in RateLimited("x", later).action
    assert "UTC" not in RateLimited("x", soon).action


def test_disk_full_and_not_sendable_are_in_the_taxonomy_and_where_callers_look() -> None:
    from scribble_studio.domain import errors
    from scribble_studio.services import history, outbox

    for error in (errors.DiskFull("x"), errors.NotSendable("x")):
        assert isinstance(error, errors.StudioError) and error.exit_code == 2
        assert error.action == type(error).default_action and error.kind == type(error).__name__
    assert history.DiskFull is errors.DiskFull and outbox.NotSendable is errors.NotSendable


def test_the_taxonomy_advises_in_words_of_neither_the_command_line_nor_the_window() -> None:
    import re

    from scribble_studio.domain import errors
    from scribble_studio.domain.models import (
        SD15_SCRIBBLE,
        SDXL_SCRIBBLE,
        ModelNotAllowed,
        RetiredModel,
    )

    kinds = [k for k in vars(errors).values()
             if isinstance(k, type) and issubclass(k, errors.StudioError)]
    advice = [k.default_action for k in kinds] + [
        RetiredModel(SD15_SCRIBBLE, SDXL_SCRIBBLE).action,
        ModelNotAllowed.for_model(SD15_SCRIBBLE, SDXL_SCRIBBLE).action]
    cli_words = re.compile(r"--[a-z]|scribble-studio [a-z]")
    gui_words = re.compile(r"\b(button|click|menu)\b", re.IGNORECASE)
    assert len(kinds) > 20
    assert [a for a in advice if cli_words.search(a) or gui_words.search(a)] == []


def test_the_cli_says_the_taxonomys_advice_by_its_options_and_commands() -> None:
    from scribble_studio.cli_args import cli_words
    from scribble_studio.domain.errors import DiskFull, NotSendable, StillRunning
    from scribble_studio.domain.models import SD15_SCRIBBLE, SDXL_SCRIBBLE, ModelNotAllowed

    assert "--resend-unknown" in cli_words(NotSendable("Item 3 is failed.")).action
    assert cli_words(StillRunning("x")).action.endswith("scribble-studio outbox send")
    assert cli_words(NotSendable("x", "Wait for it to finish.")).action == \
        "Wait for it to finish."  # advice of its own is kept
    assert cli_words(DiskFull("x")).action == DiskFull.default_action
    refused = cli_words(ModelNotAllowed.for_model(SD15_SCRIBBLE, SDXL_SCRIBBLE))
    assert refused.action.endswith("or use SDXL ControlNet Scribble (--model sdxl-scribble).")


def test_advice_worded_by_the_apps_settings_is_said_by_the_clis_options() -> None:
    from scribble_studio.cli_args import cli_words
    from scribble_studio.domain.errors import EndpointNotFound
    from scribble_studio.services.backends.segmind import API_ADVICE

    assert "--" not in API_ADVICE
    said = cli_words(EndpointNotFound("The model is not served on v2 here.", API_ADVICE))
    assert said.action == "Use --api auto or --api v1."
