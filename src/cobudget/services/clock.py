"""The current time, in UTC, from one place.

The demo tells its story through the real services at the dates of the story (a round opened
two months ago, an objection answered since), so the data is what the app would have made:
`told_at(moment)` sets the time the services read, in the current task only, for the length of
a `with` block. Nothing else sets it; outside such a block `now()` is the wall clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_told: ContextVar[dt.datetime | None] = ContextVar("cobudget_told_time", default=None)


def now() -> dt.datetime:
    told = _told.get()
    return told if told is not None else dt.datetime.now(dt.UTC)


@contextmanager
def told_at(moment: dt.datetime) -> Iterator[None]:
    """Services called inside the block read `moment` as the current time."""
    token = _told.set(moment)
    try:
        yield
    finally:
        _told.reset(token)
