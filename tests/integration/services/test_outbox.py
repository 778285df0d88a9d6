"""The outbox: an email exists exactly when its action happened, and an SMTP outage loses nothing."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from cobudget.db.tables import OutboxMessage
from cobudget.db.transactions import write_transaction
from cobudget.services import outbox
from cobudget.settings import Settings
from tests.support.mail import Mailbox, free_port


async def test_a_message_is_sent_once_and_marked_sent(settings: Settings, mailbox: Mailbox) -> None:
    async with write_transaction():
        await outbox.enqueue("awa@exemple.fr", "welcome", name="Awa")
    assert await outbox.send_due(settings) == 1
    assert await outbox.send_due(settings) == 0
    message = await mailbox.wait_for("awa@exemple.fr")
    assert message["Subject"] == "Bienvenue sur Cobudget des communs"
    row = await OutboxMessage.select().first()
    assert row is not None and row["status"] == "sent" and row["sent_at"] is not None


async def test_an_smtp_outage_keeps_the_message_and_a_later_attempt_sends_it(
    settings: Settings, mailbox: Mailbox
) -> None:
    async with write_transaction():
        await outbox.enqueue("awa@exemple.fr", "welcome", name="Awa")
    down = dataclasses.replace(settings, smtp_port=free_port())  # nothing listens there
    assert await outbox.send_due(down) == 0
    row = await OutboxMessage.select().first()
    assert row is not None
    assert (row["status"], row["attempts"]) == ("pending", 1)
    assert row["last_error"]
    assert await outbox.send_due(settings) == 0  # not due yet: it waits before retrying
    await OutboxMessage.update({OutboxMessage.next_attempt_at: row["created_at"]}).where(
        OutboxMessage.id == row["id"]
    )
    assert await outbox.send_due(settings) == 1
    assert len(mailbox.to("awa@exemple.fr")) == 1


async def test_a_failed_action_leaves_no_email_behind(settings: Settings) -> None:
    with pytest.raises(RuntimeError):
        async with write_transaction():
            await outbox.enqueue("awa@exemple.fr", "welcome", name="Awa")
            raise RuntimeError("the action fails after writing its email")
    assert await OutboxMessage.count() == 0


async def test_two_workers_never_send_the_same_message_twice(
    settings: Settings, mailbox: Mailbox
) -> None:
    async with write_transaction():
        for index in range(10):
            await outbox.enqueue(f"personne{index}@exemple.fr", "welcome", name="Quelqu’un")
    sent = await asyncio.gather(outbox.send_due(settings), outbox.send_due(settings))
    assert sum(sent) == 10
    assert len(mailbox.messages) == 10
    assert await OutboxMessage.count().where(OutboxMessage.status == "sent") == 10
