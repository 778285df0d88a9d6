"""The engine off the event loop (issue 14): runs in worker processes, a few at a time, each
with a time limit; the same question is computed once; and pages keep answering meanwhile."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator

import pytest
from litestar.testing import AsyncTestClient

from cobudget.domain.errors import Busy
from cobudget.services import computations
from tests.integration.conftest import World


@pytest.fixture
def limits() -> Iterator[None]:
    saved = dict(computations._config)
    yield
    computations.configure(
        workers=int(saved["workers"]),
        time_limit_seconds=float(saved["time_limit_seconds"]),
        queue_seconds=float(saved["queue_seconds"]),
    )
    computations.shutdown()


async def test_a_run_happens_in_another_process() -> None:
    assert await computations.run(os.getpid) != os.getpid()


async def test_a_run_past_its_time_limit_is_stopped_and_the_workers_go_on(limits: None) -> None:
    timeouts = computations.STATS["timeouts"]
    started = time.monotonic()
    with pytest.raises(Busy):
        await computations.run(time.sleep, 30, time_limit=0.5)
    assert time.monotonic() - started < 5
    assert computations.STATS["timeouts"] == timeouts + 1
    assert await computations.run(os.getpid) != os.getpid()  # a new worker took its place


async def test_a_request_waits_for_a_free_worker_a_bounded_time(limits: None) -> None:
    computations.shutdown()
    computations.configure(workers=1, time_limit_seconds=10, queue_seconds=0.3)
    first = asyncio.ensure_future(computations.run(time.sleep, 2))
    await asyncio.sleep(0.05)
    with pytest.raises(Busy) as refused:
        await computations.run(os.getpid)
    assert refused.value.retry_after_seconds >= 1
    await first


async def test_the_same_question_is_computed_once() -> None:
    calls = 0

    async def compute() -> int:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return 42

    key = ("test", time.time_ns())
    answers = await asyncio.gather(*(computations.remembered(key, compute) for _ in range(50)))
    assert answers == [42] * 50
    assert await computations.remembered(key, compute) == 42
    assert calls == 1


async def test_a_failure_is_not_remembered() -> None:
    attempts = 0

    async def compute() -> int:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise Busy(retry_after_seconds=1)
        return 7

    key = ("test-failure", time.time_ns())
    with pytest.raises(Busy):
        await computations.remembered(key, compute)
    assert await computations.remembered(key, compute) == 7


async def test_a_verification_is_computed_once_and_pages_answer_during_a_run(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    path = f"/enveloppes/{world.settled_envelope_id}/verification"
    first = await client.get(path)
    assert first.status_code == 200
    runs = computations.STATS["runs"]
    for _ in range(5):
        assert (await client.get(path)).status_code == 200
    assert computations.STATS["runs"] == runs

    # A long run in a worker: the event loop, and so every page, goes on answering.
    hog = asyncio.ensure_future(computations.run(time.sleep, 3))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    assert (await client.get("/")).status_code == 200
    assert time.monotonic() - started < 2
    await hog
