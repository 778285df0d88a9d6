"""A request's waits for the database count once when they overlap (db/engine.py): tasks it
starts share its budget, and fifty of them waiting a second together have waited a second."""

from __future__ import annotations

import asyncio

from cobudget.db.engine import _counted, _left, new_wait_budget


async def _wait(seconds: float) -> None:
    with _counted():
        await asyncio.sleep(seconds)


async def test_waits_at_the_same_time_count_once() -> None:
    new_wait_budget()
    await asyncio.gather(*(_wait(0.2) for _ in range(50)))
    assert 4.7 <= _left(5.0) <= 4.81


async def test_waits_one_after_the_other_add_up() -> None:
    new_wait_budget()
    for _ in range(3):
        await _wait(0.1)
    assert 4.6 <= _left(5.0) <= 4.71
    assert _left(0) == 0  # no limit
