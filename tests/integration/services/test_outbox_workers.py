"""The outbox sends each mail exactly once as far as SMTP allows (issue 14, items 11 and 12):
two workers and an SMTP server that takes seconds per message deliver every mail once; a worker
whose claim ran out does not mark a message another one took; each row keeps one Message-ID;
and an app on PostgreSQL starts with mail waiting and sends it at once."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from cobudget.db.tables import OutboxMessage
from cobudget.db.transactions import write_transaction
from cobudget.services import outbox
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.support.mail import Mailbox, start_smtp_server
from tests.support.processes import app_process

DELAY = 1.5  # seconds the slow server takes per message
MESSAGES = 8


@pytest.fixture
def slow_smtp() -> Iterator[tuple[Mailbox, int]]:
    controller, mailbox, port = start_smtp_server(delay_seconds=DELAY)
    yield mailbox, port
    controller.stop()


async def _enqueue(count: int) -> None:
    async with write_transaction():
        for index in range(count):
            await outbox.enqueue(f"personne{index}@exemple.fr", "welcome", name="Quelqu’un")


async def test_two_workers_and_a_slow_smtp_server_deliver_every_mail_exactly_once(
    settings: Settings, slow_smtp: tuple[Mailbox, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    mailbox, port = slow_smtp
    # A lease a little longer than one send (the product's is ten SMTP timeouts): a batch of
    # several sends outlives it, one send does not.
    monkeypatch.setattr(outbox, "lease_seconds", lambda _settings: 2 * DELAY + 1)
    slow = dataclasses.replace(settings, smtp_port=port, smtp_timeout_seconds=DELAY + 2)
    await _enqueue(MESSAGES)
    stop = asyncio.Event()
    slow = dataclasses.replace(slow, outbox_poll_seconds=0.2)
    workers = [asyncio.create_task(outbox.run_worker(slow, stop)) for _ in range(2)]
    deadline = time.monotonic() + MESSAGES * DELAY + 10
    while len(mailbox.messages) < MESSAGES and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(2 * DELAY + 1)  # a lease runs out: nothing goes twice meanwhile
    stop.set()
    await asyncio.gather(*workers)

    received = Counter(str(m["To"]) for m in mailbox.messages)
    assert received == Counter(f"personne{index}@exemple.fr" for index in range(MESSAGES))
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert [(r["status"], r["attempts"]) for r in rows] == [("sent", 1)] * MESSAGES
    ids = {str(m["Message-ID"]) for m in mailbox.messages}
    assert ids == {outbox.message_id(settings, r["id"], r["created_at"]) for r in rows}


async def test_a_worker_whose_claim_ran_out_does_not_mark_the_message_another_took(
    settings: Settings,
) -> None:
    await _enqueue(1)
    first = await outbox._claim_one(settings)
    assert first is not None
    assert await outbox._claim_one(settings) is None  # claimed: nobody else takes it
    # The lease runs out while the first worker is still sending; a second worker claims it.
    await OutboxMessage.update({OutboxMessage.claimed_until: now()}).where(
        OutboxMessage.id == first.id
    )
    second = await outbox._claim_one(settings)
    assert second is not None and second.token != first.token
    assert not await outbox._settle(first, {OutboxMessage.status: "sent"})
    row = await OutboxMessage.select().first()
    assert row is not None
    assert (row["status"], row["claim_token"]) == ("pending", second.token)
    assert await outbox._settle(second, {OutboxMessage.status: "sent"})


async def test_a_resend_carries_the_same_message_id(settings: Settings, mailbox: Mailbox) -> None:
    await _enqueue(2)
    assert await outbox.send_due(settings) == 2
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    # A crash between the send and its record: the message goes again, recognisably.
    await OutboxMessage.update({OutboxMessage.status: "pending"}).where(
        OutboxMessage.id == rows[0]["id"]
    )
    assert await outbox.send_due(settings) == 1
    first, second, again = (str(m["Message-ID"]) for m in mailbox.messages)
    assert first == again != second
    assert first == outbox.message_id(settings, rows[0]["id"], rows[0]["created_at"])
    assert first.endswith("@testserver.local>")


async def test_an_app_started_with_mail_waiting_sends_it_at_once(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    """With the outbox in the app and PostgreSQL's pool (the production setup), the first
    claim runs once the pool is up: the mail waiting goes out within seconds, not after the
    claim expired."""
    mailbox, port = smtp
    mailbox.clear()
    await _enqueue(3)
    started = time.monotonic()
    with app_process(db, port, tmp_path):
        while len(mailbox.messages) < 3 and time.monotonic() - started < 30:
            await asyncio.sleep(0.2)
    assert len(mailbox.messages) == 3
    log = "".join(path.read_text() for path in tmp_path.glob("app-*.log"))
    assert "invalid connection" not in log
    assert "outbox worker step failed" not in log
    assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == 3
