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
