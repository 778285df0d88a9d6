"""`told_at` sets the time the services read for one block of one task, and only there."""

from __future__ import annotations

import asyncio
import datetime as dt

from cobudget.services import clock

PAST = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)


def test_told_at_holds_inside_its_block_and_the_wall_clock_comes_back_after() -> None:
    with clock.told_at(PAST):
        assert clock.now() == PAST
        with clock.told_at(PAST + dt.timedelta(days=1)):
            assert clock.now() == PAST + dt.timedelta(days=1)
        assert clock.now() == PAST
    assert abs(clock.now() - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)


async def test_told_at_in_one_task_leaves_another_task_on_the_wall_clock() -> None:
    inside = asyncio.Event()
    seen: list[dt.datetime] = []

    async def told() -> None:
        with clock.told_at(PAST):
            inside.set()
            await asyncio.sleep(0.01)

    async def other() -> None:
        await inside.wait()
        seen.append(clock.now())

    await asyncio.gather(told(), other())
    assert abs(seen[0] - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
