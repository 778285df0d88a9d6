"""The email outbox: messages are written with the action that causes them and sent later.

A message is inserted inside the use case's transaction, so it exists exactly when the action
happened. A worker loop (in the app process, or `cobudget worker`) claims due messages, sends
them through SMTP and marks them sent; a failure leaves the message pending with a later
`next_attempt_at`, so an SMTP outage loses nothing. Claims expire, so a worker that dies
mid-send does not keep a message forever, and two workers never claim the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from cobudget.db.tables import OutboxMessage
from cobudget.db.transactions import write_transaction
from cobudget.rendering import render_email
from cobudget.services.clock import now
from cobudget.settings import Settings

log = logging.getLogger(__name__)
CLAIM_SECONDS = 120
BATCH = 20


async def enqueue(
    to_address: str,
    template_name: str,
    *,
    send_at: dt.datetime | None = None,
    topic: str | None = None,
    **context: object,
) -> None:
    """Write one email to the outbox; call it inside the use case's transaction. A message with
    `send_at` waits for that date (an envelope's funding opens at a date, with no job to watch
    the calendar); `topic` lets a later calendar move find it and reschedule it."""
    subject, body = render_email(template_name, **context)
    moment = now()
    await OutboxMessage.insert(
        OutboxMessage(
            to_address=to_address,
            subject=subject,
            body=body,
            created_at=moment,
            next_attempt_at=max(moment, send_at) if send_at else moment,
            topic=topic,
        )
    )


async def reschedule(topic: str, send_at: dt.datetime) -> None:
    """Move the messages of `topic` that were not sent yet to `send_at`."""
    await (
        OutboxMessage.update({OutboxMessage.next_attempt_at: max(now(), send_at)})
        .where(OutboxMessage.topic == topic)
        .where(OutboxMessage.status == "pending")
        .where(OutboxMessage.attempts == 0)
    )


def _retry_delay(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(3600, 5 * 2 ** min(attempts, 10)))


async def _claim(limit: int) -> list[dict[str, object]]:
    moment = now()
    async with write_transaction():
        due = await (
            OutboxMessage.select(OutboxMessage.id)
            .where(OutboxMessage.status == "pending")
            .where(OutboxMessage.next_attempt_at <= moment)
            .where((OutboxMessage.claimed_until.is_null()) | (OutboxMessage.claimed_until < moment))
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        claimed = []
        for row in due:
            taken = await (
                OutboxMessage.update(
                    {OutboxMessage.claimed_until: moment + dt.timedelta(seconds=CLAIM_SECONDS)}
                )
                .where(OutboxMessage.id == row["id"])
                .where(
                    (OutboxMessage.claimed_until.is_null()) | (OutboxMessage.claimed_until < moment)
                )
                .returning(*OutboxMessage.all_columns())
            )
            claimed.extend(taken)
    return claimed


def _send(settings: Settings, message: dict[str, object]) -> None:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = str(message["to_address"])
    email["Subject"] = str(message["subject"])
    email["Message-ID"] = make_msgid(domain="cobudget.localhost")
    email.set_content(str(message["body"]))
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10) as smtp:
        smtp.send_message(email)


async def send_due(settings: Settings, limit: int = BATCH) -> int:
    """Send what is due; return how many were sent. Failures are kept for a retry."""
    sent = 0
    for message in await _claim(limit):
        try:
            await asyncio.to_thread(_send, settings, message)
        except (OSError, smtplib.SMTPException) as error:
            attempts = int(str(message["attempts"])) + 1
            status = "failed" if attempts >= settings.outbox_max_attempts else "pending"
            log.warning("sending email %s failed (%s), attempt %d", message["id"], error, attempts)
            async with write_transaction():
                await OutboxMessage.update(
                    {
                        OutboxMessage.attempts: attempts,
                        OutboxMessage.status: status,
                        OutboxMessage.last_error: str(error)[:500],
                        OutboxMessage.next_attempt_at: now() + _retry_delay(attempts),
                        OutboxMessage.claimed_until: None,
                    }
                ).where(OutboxMessage.id == message["id"])
            continue
        async with write_transaction():
            await OutboxMessage.update(
                {
                    OutboxMessage.status: "sent",
                    OutboxMessage.sent_at: now(),
                    OutboxMessage.attempts: int(str(message["attempts"])) + 1,
                    OutboxMessage.claimed_until: None,
                }
            ).where(OutboxMessage.id == message["id"])
        sent += 1
    return sent


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """Send due messages until `stop` is set, polling every `outbox_poll_seconds`."""
    while not stop.is_set():
        try:
            await send_due(settings)
        except Exception:  # a broken database must not kill the loop; log and go on
            log.exception("outbox worker step failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.outbox_poll_seconds)
