"""The email outbox: messages are written with the action that causes them and sent later.

A message is inserted inside the use case's transaction, so it exists exactly when the action
happened. A worker loop (in the app process, or `cobudget worker`) claims due messages, sends
them through SMTP and marks them sent; a failure leaves the message pending with a later
`next_attempt_at`, so an SMTP outage loses nothing.

Exactly once, as far as SMTP allows (issue 14): a worker claims one message at a time, with a
token of its own and a lease longer than one SMTP conversation may last, and writes the outcome
only if the token is still its own; so two workers never send one message while its claim
holds, however slow the server. Claims expire, so a worker that dies mid-send does not keep a
message forever: the message then goes again, with the same Message-ID (one per outbox row),
so the resend of a message already delivered is recognisable as the same message.

Each message is written in the language of the person it is for (the `locale` of their
account; French for an address with no account yet, such as an invitation). A notification
carries its one-click unsubscribe address, sent as `List-Unsubscribe` (RFC 8058). The worker
also tells what the calendar causes (reminders, rounds closed at their deadline) and the daily
digests, through `services/notifications.py`, so no other scheduler runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import smtplib
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from urllib.parse import urlparse

import msgspec
from piccolo.columns import Column
from piccolo.custom_types import Combinable
from piccolo.engine.sqlite import SQLiteEngine

from cobudget import i18n
from cobudget.db.engine import new_wait_budget
from cobudget.db.rows import fetch, fetch_one, typed_one
from cobudget.db.tables import OutboxMessage, User
from cobudget.db.transactions import RowId, write_transaction
from cobudget.rendering import render_email
from cobudget.services.clock import now
from cobudget.settings import Settings

log = logging.getLogger(__name__)
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
    await enqueue_many([to_address], template_name, send_at=send_at, topic=topic, **context)


async def enqueue_many(
    to_addresses: Iterable[str],
    template_name: str,
    *,
    send_at: dt.datetime | None = None,
    topic: str | None = None,
    **context: object,
) -> None:
    """Write the same email to each address, in one insert however many there are; call it
    inside the use case's transaction, as `enqueue`."""
    addresses = list(to_addresses)
    if not addresses:
        return
    locales = await locales_of(addresses)
    rendered: dict[str, tuple[str, str]] = {}
    messages = []
    for address in addresses:
        locale = locales.get(address, i18n.DEFAULT_LOCALE)
        if locale not in rendered:  # rendered once per language, however many addresses
            rendered[locale] = render_email(template_name, context, locale)
        subject, body = rendered[locale]
        messages.append(Outgoing(address, subject, body))
    await insert(messages, send_at=send_at, topic=topic)


class Outgoing(msgspec.Struct, frozen=True):
    """One rendered message to write to the outbox."""

    to_address: str
    subject: str
    body: str
    unsubscribe_url: str | None = None


class _Locale(msgspec.Struct, frozen=True):
    email: str
    locale: str


async def locales_of(addresses: Iterable[str]) -> dict[str, str]:
    """The language of each address that has an account, in one query."""
    wanted = sorted(set(addresses))
    rows = await fetch(
        User.select(User.email, User.locale).where(User.email.is_in(wanted)), _Locale
    )
    return {row.email: row.locale for row in rows}


async def insert(
    messages: Sequence[Outgoing], *, send_at: dt.datetime | None = None, topic: str | None = None
) -> None:
    """Write rendered messages, in one insert; inside the use case's transaction."""
    if not messages:
        return
    moment = now()
    await OutboxMessage.insert(
        *(
            OutboxMessage(
                to_address=message.to_address,
                subject=message.subject,
                body=message.body,
                created_at=moment,
                next_attempt_at=max(moment, send_at) if send_at else moment,
                topic=topic,
                unsubscribe_url=message.unsubscribe_url,
            )
            for message in messages
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


def lease_seconds(settings: Settings) -> float:
    """How long a claim on one message lasts: longer than one SMTP conversation can take (each
    of its at most eight steps waits `smtp_timeout_seconds`, then fails), so a message is never
    sent by a second worker while the first is still sending it."""
    return 10 * settings.smtp_timeout_seconds + 10


def message_id(settings: Settings, outbox_id: int, created_at: dt.datetime) -> str:
    """The Message-ID of one outbox row, the same at every attempt: a resend after a crash
    (sent, not yet marked sent) is recognisable as the same message. The domain is this
    install's (its base URL's host); the row's creation time tells installs' ids apart."""
    host = urlparse(settings.base_url).hostname or "cobudget.localhost"
    stamp = created_at.strftime("%Y%m%d%H%M%S%f")
    return f"<outbox.{outbox_id}.{stamp}@{host}>"


def _due(moment: dt.datetime) -> Combinable:
    return (
        (OutboxMessage.status == "pending")
        & (OutboxMessage.next_attempt_at <= moment)
        & ((OutboxMessage.claimed_until.is_null()) | (OutboxMessage.claimed_until < moment))
    )


async def _claim_one(settings: Settings) -> Claimed | None:
    """Claim the next due message for this worker alone: a fresh token and a lease. On
    PostgreSQL a message another worker is claiming is skipped, not waited for."""
    moment = now()
    token = secrets.token_hex(16)
    async with write_transaction():
        query = OutboxMessage.select(OutboxMessage.id).where(_due(moment))
        query = query.order_by(OutboxMessage.id).limit(1)
        if not isinstance(OutboxMessage._meta.db, SQLiteEngine):
            query = query.lock_rows(skip_locked=True)
        row = await fetch_one(query.first(), RowId)
        if row is None:
            return None
        taken = await (
            OutboxMessage.update(
                {
                    OutboxMessage.claimed_until: moment
                    + dt.timedelta(seconds=lease_seconds(settings)),
                    OutboxMessage.claim_token: token,
                }
            )
            .where(OutboxMessage.id == row.id)
            .where(_due(moment))
            .returning(*(getattr(OutboxMessage, name) for name in _CLAIMED_COLUMNS))
        )
    return typed_one({**taken[0], "token": token}, Claimed) if taken else None


class Claimed(msgspec.Struct, frozen=True):
    """A message this worker holds: what it sends, and the token that proves its claim."""

    token: str
    id: int
    to_address: str
    subject: str
    body: str
    created_at: dt.datetime
    attempts: int
    unsubscribe_url: str | None


# The columns a claim reads back: every field of `Claimed` but its first, the token.
_CLAIMED_COLUMNS = Claimed.__struct_fields__[1:]


def _send(settings: Settings, message: Claimed) -> None:
    email = EmailMessage()
    email["From"] = settings.mail_from
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message_id(settings, message.id, message.created_at)
    if message.unsubscribe_url:
        email["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email.set_content(message.body)
    with smtplib.SMTP(
        settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
    ) as smtp:
        smtp.send_message(email)


async def _settle(claimed: Claimed, values: dict[Column | str, object]) -> bool:
    """Write the outcome of a send, only if this worker still holds the claim (compare and set
    on its token); False when the lease ran out and another worker took the message."""
    async with write_transaction():
        rows = await (
            OutboxMessage.update({**values, OutboxMessage.claimed_until: None})
            .where(OutboxMessage.id == claimed.id)
            .where(OutboxMessage.claim_token == claimed.token)
            .returning(OutboxMessage.id)
        )
    if not rows:
        log.warning("email %s: the claim ran out during the send", claimed.id)
    return bool(rows)


async def send_one(settings: Settings) -> bool | None:
    """Claim and send one due message: None when nothing is due, else whether it was sent and
    marked sent by this worker. A failure is kept for a later attempt."""
    new_wait_budget()  # each message is a unit of work of its own (db/engine.py)
    claimed = await _claim_one(settings)
    if claimed is None:
        return None
    attempts = claimed.attempts + 1
    try:
        await asyncio.to_thread(_send, settings, claimed)
    except (OSError, smtplib.SMTPException) as error:
        status = "failed" if attempts >= settings.outbox_max_attempts else "pending"
        log.warning("sending email %s failed (%s), attempt %d", claimed.id, error, attempts)
        await _settle(
            claimed,
            {
                OutboxMessage.attempts: attempts,
                OutboxMessage.status: status,
                OutboxMessage.last_error: str(error)[:500],
                OutboxMessage.next_attempt_at: now() + _retry_delay(attempts),
            },
        )
        return False
    return await _settle(
        claimed,
        {
            OutboxMessage.status: "sent",
            OutboxMessage.sent_at: now(),
            OutboxMessage.attempts: attempts,
        },
    )


async def send_due(
    settings: Settings, limit: int = BATCH, stop: asyncio.Event | None = None
) -> int:
    """Send what is due, one claim per message, at most `limit` and no further once `stop` is
    set (a slow SMTP server does not hold up a shutdown for a whole batch); return how many were
    sent. Failures are kept for a retry."""
    sent = 0
    for _index in range(limit):
        if stop is not None and stop.is_set():
            break
        outcome = await send_one(settings)
        if outcome is None:
            break
        sent += outcome
    return sent


async def run_worker(settings: Settings, stop: asyncio.Event) -> None:
    """Send due messages until `stop` is set, polling every `outbox_poll_seconds`; every
    `notification_sweep_seconds`, first tell what the calendar causes and the daily digests
    (each told once, whatever the number of workers: services/notifications.py)."""
    from cobudget.services import notifications  # it writes to this outbox

    next_sweep = 0.0
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        if loop.time() >= next_sweep:
            next_sweep = loop.time() + settings.notification_sweep_seconds
            try:
                await notifications.sweep(settings)
            except Exception:  # a failed sweep must not stop the sending; the next one retries
                log.exception("notification sweep failed")
        try:
            await send_due(settings, stop=stop)
        except Exception:  # a broken database must not kill the loop; log and go on
            log.exception("outbox worker step failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.outbox_poll_seconds)
