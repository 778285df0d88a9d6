"""A frozen process costs the healthy one a few seconds at most (issue 14, item 10), tried as it
was found: two app processes on PostgreSQL, a rush of pledges to the first, which is frozen
(SIGSTOP) in the middle, holding lieux' rows. Meanwhile the second answers its pages at once and
every pledge within a lock timeout or two (stored, or 503 « réessayez »), before and after
PostgreSQL ends the frozen sessions idle in their transaction (which rows are freed when depends
on where each session froze: `test_busy.py` shows the release itself); and when the first wakes
up it answers what it had in hand without a 500."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.integration.web.test_money_races import LIEUX, RIGHTS, _logged_in
from tests.support import factories
from tests.support.database import backend
from tests.support.mail import Mailbox
from tests.support.processes import RUNNING, app_processes

IDLE_IN_TRANSACTION = 3  # seconds, for these processes (the product's default is 10)
LOCK = 3  # the lock timeout: the default


async def _timed(request: Any) -> tuple[int, float]:
    started = time.monotonic()
    response = await request
    return response.status_code, time.monotonic() - started


@pytest.mark.skipif(backend() != "postgresql", reason="two app processes on PostgreSQL")
async def test_a_frozen_process_holding_rows_stalls_the_healthy_one_a_few_seconds_at_most(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBUDGET_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", str(IDLE_IN_TRANSACTION))
    funding = await factories.make_funding("Réseau des Courses", lieux=LIEUX, rights_cents=RIGHTS)
    with app_processes(2, db, smtp[1], tmp_path) as (frozen_url, healthy_url):
        frozen = [await _logged_in(frozen_url, email) for email in funding.emails]
        healthy = [await _logged_in(healthy_url, email) for email in funding.emails]
        envelope = funding.envelope_id

        def pledge(clients: list[tuple[httpx.AsyncClient, str]], unit: int, cents: int) -> Any:
            client, token = clients[unit]
            body = {
                "challenge_id": funding.challenges[unit % len(funding.challenges)],
                "unit": f"lieu:{funding.lieux[unit]}",
                "source": "drawing_rights",
                "amount_cents": cents,
            }
            return client.put(
                f"/api/envelopes/{envelope}/pledges", json=body, headers={"x-csrftoken": token}
            )

        async def rush() -> list[int]:
            answers = await asyncio.gather(
                *(pledge(frozen, n % len(frozen), 1_000 * (n % 7)) for n in range(120)),
                return_exceptions=True,
            )
            return [a.status_code for a in answers if isinstance(a, httpx.Response)]

        in_flight = asyncio.create_task(rush())
        await asyncio.sleep(0.4)
        process = RUNNING[frozen_url]
        os.kill(process.pid, signal.SIGSTOP)
        try:
            reader, _token = healthy[0]
            page = await _timed(reader.get(f"/enveloppes/{envelope}"))
            during = await asyncio.gather(
                *(_timed(pledge(healthy, unit, 0)) for unit in range(len(healthy)))
            )
            # PostgreSQL ends the frozen sessions idle in their transaction, which frees their
            # rows (a session frozen in the middle of sending a statement keeps them until its
            # process wakes: PostgreSQL 15 has no timeout for that, see docs/operations.md).
            await asyncio.sleep(IDLE_IN_TRANSACTION + 1)
            after = await asyncio.gather(
                *(_timed(pledge(healthy, unit, 0)) for unit in range(len(healthy)))
            )
        finally:
            os.kill(process.pid, signal.SIGCONT)
        woken = await asyncio.wait_for(in_flight, timeout=60)
        for client, _token in frozen + healthy:
            await client.aclose()

    assert page[0] == 200 and page[1] < 2, page
    assert {status for status, _s in during} <= {200, 503}, during
    # About one lock timeout; two at worst were seen under this machine's load (a request that
    # waited for a pool connection, then for a row): never a hang.
    assert max(seconds for _status, seconds in during) < 2 * LOCK + 2, during
    assert {status for status, _s in after} <= {200, 503}, after
    assert max(seconds for _status, seconds in after) < 2 * LOCK + 2, after
    assert set(woken) <= {200, 422, 503}, sorted(set(woken))
