"""Notifications (issue 16): what a person is told, kept to be listed, emailed at once, in a
daily digest or never, as each person chooses per kind, in their own language.

`notify` runs inside the transaction of the action that causes it (a question asked, a round
opened…), like the outbox it writes to. What the calendar causes (a reminder 48 hours before a
round's deadline or a funding phase's end, a round that closed at its deadline) and the daily
digests are found by `sweep`, which the outbox worker runs: no other scheduler. Each such event
carries a `key`, unique per person in the database, so two workers noticing it at once store
it, and email it, once. A digest claims its notifications by marking them, so it goes once too.

Every notification email carries a one-click unsubscribe address (RFC 8058): a token signed with
the install's secret, naming one person and one kind, which sets that kind to « never ».
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
import msgspec
from piccolo.columns import ForeignKey

from cobudget.db.rows import fetch
from cobudget.db.tables import (
    CofunderPerson,
    Membership,
    Notification,
    NotificationPreference,
    User,
)
from cobudget.db.transactions import write_transaction
from cobudget.domain.errors import InvalidInput, LoginRequired, NotFound
from cobudget.domain.permissions import Actor
from cobudget.rendering import render_email
from cobudget.services import outbox
from cobudget.services.clock import now
from cobudget.settings import Settings

PARIS = ZoneInfo("Europe/Paris")
REMINDER_BEFORE = dt.timedelta(hours=48)
# A round that closed at its deadline is told if the worker notices it within this time (a
# worker stopped for longer does not tell stale news).
CLOSED_NOTICE_WITHIN = dt.timedelta(days=3)
DIGEST_HOUR = 7  # the daily digest leaves after 7:00, Paris time, with the day before's news
SWEEP_LIMIT = 50  # rounds, envelopes or digests handled per sweep: each sweep's work is bounded


class Kind(StrEnum):
    QUESTION_ASKED = "question_asked"
    OBJECTION_RAISED = "objection_raised"
    QUESTION_ANSWERED = "question_answered"
    OBJECTION_ANSWERED = "objection_answered"
    ROUND_OPENED = "round_opened"
    ROUND_CLOSED = "round_closed"
    CO_PROPOSAL_ANSWERED = "co_proposal_answered"
    ROUND_REMINDER = "round_reminder"
    FUNDING_REMINDER = "funding_reminder"
    ROUND_SHORTENED = "round_shortened"  # a coordinator brought a round's deadline forward
    CHALLENGE_WITHDRAWN = "challenge_withdrawn"  # its proposers withdrew it (issue 17)


class Mode(StrEnum):
    NOW = "now"
    DAILY = "daily"
    NEVER = "never"


# The unsubscribe link of a digest names this instead of a kind: every kind then digested.
DIGEST = "digest"


class Recipient(msgspec.Struct, frozen=True):
    id: int
    email: str
    locale: str


class _Inserted(msgspec.Struct, frozen=True):
    id: int
    user: int


class _Preference(msgspec.Struct, frozen=True):
    user: int
    kind: str
    mode: str


# --- who is told ------------------------------------------------------------------------------


async def members_of(lieu_ids: Iterable[int]) -> list[Recipient]:
    """The people of these lieux, each once, with their address and language: one query."""
    return await _people_of(Membership, Membership.lieu, lieu_ids)


async def cofunders_of(org_ids: Iterable[int]) -> list[Recipient]:
    """The people of these co-funding organisations, each once: one query."""
    return await _people_of(CofunderPerson, CofunderPerson.org, org_ids)


async def _people_of(
    table: type[Membership] | type[CofunderPerson], unit: ForeignKey[Any], ids: Iterable[int]
) -> list[Recipient]:
    wanted = sorted(set(ids))
    if not wanted:
        return []
    rows = await fetch(
        table.select(
            table.user.as_alias("id"),
            table.user.email.as_alias("email"),
            table.user.locale.as_alias("locale"),
        ).where(unit.is_in(wanted)),
        Recipient,
    )
    return list({row.id: row for row in rows}.values())


async def people(user_ids: Iterable[int]) -> list[Recipient]:
    wanted = sorted(set(user_ids))
    if not wanted:
        return []
    return await fetch(
        User.select(User.id, User.email, User.locale).where(User.id.is_in(wanted)), Recipient
    )


async def modes_of(kind: str, user_ids: Sequence[int]) -> dict[int, Mode]:
    """Each person's choice for `kind`; « now » when they made none."""
    if not user_ids:
        return {}
    rows = await fetch(
        NotificationPreference.select(
            NotificationPreference.user, NotificationPreference.kind, NotificationPreference.mode
        )
        .where(NotificationPreference.kind == kind)
        .where(NotificationPreference.user.is_in(list(user_ids))),
        _Preference,
    )
    chosen = {row.user: Mode(row.mode) for row in rows}
    return {user_id: chosen.get(user_id, Mode.NOW) for user_id in user_ids}


# --- telling ----------------------------------------------------------------------------------


def unsubscribe_token(settings: Settings, user_id: int, kind: str) -> str:
    """`<person>.<kind>.<signature>`: the signature (HMAC-SHA256 with the install's secret)
    covers both, so a token cannot be made, nor turned to another person or kind."""
    return f"{user_id}.{kind}.{_signature(settings, user_id, kind)}"


def _signature(settings: Settings, user_id: int, kind: str) -> str:
    digest = hmac.new(
        settings.secret_key.encode(), f"unsubscribe:{user_id}:{kind}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def read_token(settings: Settings, token: str) -> tuple[int, str]:
    """The person and kind of a genuine token; `NotFound` for anything else (altered, made up,
    a kind that does not exist)."""
    user, _, rest = token.partition(".")
    kind, _, signature = rest.partition(".")
    if not user.isdigit() or len(user) > 12 or kind not in (*Kind, DIGEST):
        raise NotFound("unsubscribe", 0)
    expected = _signature(settings, int(user), kind)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise NotFound("unsubscribe", 0)
    return int(user), kind


def unsubscribe_url(settings: Settings, user_id: int, kind: str, locale: str) -> str:
    """The unsubscribe address of one person and kind; its page speaks the person's language
    (`?lang=`), whatever the language of the browser that opens it."""
    token = unsubscribe_token(settings, user_id, kind)
    return f"{settings.base_url}/desabonnement/{token}?lang={locale}"


def _email(
    settings: Settings, template: str, kind: str, person: Recipient, context: Mapping[str, object]
) -> outbox.Outgoing:
    url = unsubscribe_url(settings, person.id, kind, person.locale)
    subject, body = render_email(
        template,
        {**context, "unsubscribe": url, "preferences": f"{settings.base_url}{PREFERENCES_PATH}"},
        person.locale,
    )
    return outbox.Outgoing(person.email, subject, body, url)


PREFERENCES_PATH = "/mon-espace/notifications"


async def notify(
    settings: Settings,
    kind: Kind,
    recipients: Iterable[Recipient],
    *,
    params: Mapping[str, str | int | bool],
    path: str,
    key: str | None = None,
    skip: Iterable[int] = (),
) -> int:
    """Tell each recipient once (the people in `skip`, such as the one acting, are not told):
    keep the notification, email it now to those who want it now, leave it for the digest of
    those who want a digest. Inside the caller's transaction. With a `key`, a person already
    told of it is not told again (a unique index): what a second worker noticing the same event
    finds. Returns how many were told."""
    left_out = set(skip)
    chosen = {person.id: person for person in recipients if person.id not in left_out}
    if not chosen:
        return 0
    modes = await modes_of(kind.value, sorted(chosen))
    moment = now()
    query = Notification.insert(
        *(
            Notification(
                user=user_id,
                kind=kind.value,
                params=dict(params),
                path=path,
                created_at=moment,
                delivery=modes[user_id].value,
                key=key,
            )
            for user_id in sorted(chosen)
        )
    )
    if key is not None:
        query = query.on_conflict(action="DO NOTHING")
    told = await fetch(query.returning(Notification.id, Notification.user), _Inserted)
    context = {**params, "link": f"{settings.base_url}{path}"}
    await outbox.insert(
        [
            _email(settings, kind.value, kind.value, chosen[row.user], context)
            for row in told
            if modes[row.user] is Mode.NOW
        ]
    )
    return len(told)


# --- preferences and unsubscribing ------------------------------------------------------------


async def preferences(actor: Actor) -> dict[str, str]:
    """The actor's choice for each kind, in the order of `Kind`."""
    if actor.user_id is None:
        raise LoginRequired("notifications.read")
    user_id = actor.user_id
    return {kind: mode.value for kind, mode in (await _all_modes(user_id)).items()}


async def _all_modes(user_id: int) -> dict[str, Mode]:
    rows = await fetch(
        NotificationPreference.select(
            NotificationPreference.user, NotificationPreference.kind, NotificationPreference.mode
        ).where(NotificationPreference.user == user_id),
        _Preference,
    )
    chosen = {row.kind: Mode(row.mode) for row in rows}
    return {kind.value: chosen.get(kind.value, Mode.NOW) for kind in Kind}


async def _store_modes(user_id: int, modes: Mapping[str, Mode]) -> None:
    """Write a person's choices, one row per kind (the unique index holds it: an insert that
    meets the row of another request updates it instead)."""
    for kind, mode in modes.items():
        await NotificationPreference.insert(
            NotificationPreference(user=user_id, kind=kind, mode=mode.value)
        ).on_conflict(
            target=(NotificationPreference.user, NotificationPreference.kind),
            action="DO UPDATE",
            values=[NotificationPreference.mode],
        )


async def set_preferences(actor: Actor, choices: Mapping[str, str]) -> None:
    """The actor chooses, per kind, now, daily or never; a kind left out keeps its choice."""
    if actor.user_id is None:
        raise LoginRequired("notifications.configure")
    modes: dict[str, Mode] = {}
    errors: dict[str, str] = {}
    for kind in Kind:
        value = choices.get(kind.value)
        if value is None:
            continue
        if value not in Mode.__members__.values():
            errors[f"mode.{kind.value}"] = "invalid_choice"
            continue
        modes[kind.value] = Mode(value)
    if errors:
        raise InvalidInput(errors)
    async with write_transaction():
        await _store_modes(actor.user_id, modes)


async def unsubscribe(settings: Settings, token: str) -> str:
    """The person of a genuine token no longer receives its kind (« never »); a digest's token
    stops every kind they had in the digest. No login: the token is the proof. Returns the kind
    (or `DIGEST`)."""
    user_id, kind = read_token(settings, token)
    async with write_transaction():
        if not await User.exists().where(User.id == user_id):
            raise NotFound("unsubscribe", 0)
        if kind == DIGEST:
            current = await _all_modes(user_id)
            stopped = {name: Mode.NEVER for name, mode in current.items() if mode is Mode.DAILY}
        else:
            stopped = {kind: Mode.NEVER}
        await _store_modes(user_id, stopped)
    return kind


# --- what the calendar causes: reminders, rounds closed at their deadline, digests ------------


async def sweep(settings: Settings, moment: dt.datetime | None = None) -> int:
    """What the outbox worker runs now and then: reminders, rounds closed at their deadline and
    the daily digests. Returns how many people were told (a digest counts one)."""
    at = moment or now()
    from cobudget.services import notification_events  # it builds on this module

    return (
        await notification_events.remind_rounds(settings, at)
        + await notification_events.remind_funding(settings, at)
        + await notification_events.tell_rounds_closed_at_deadline(settings, at)
        + await send_digests(settings, at)
    )


def digest_cutoff(moment: dt.datetime) -> dt.datetime:
    """The news a digest sent at `moment` gathers is what came before the last 7:00 in Paris."""
    local = moment.astimezone(PARIS)
    cutoff = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if cutoff > local:
        cutoff -= dt.timedelta(days=1)
    return cutoff.astimezone(dt.UTC)


class _Waiting(msgspec.Struct, frozen=True):
    user: int


class StoredNotification(msgspec.Struct, frozen=True):
    """A notification as kept: what the digest and the lists read."""

    id: int
    kind: str
    params: str | dict[str, object]
    path: str
    created_at: dt.datetime


def params_of(raw: str | Mapping[str, object]) -> dict[str, object]:
    """A notification's stored parameters (JSON text on SQLite, decoded on PostgreSQL)."""
    return dict(msgspec.json.decode(raw) if isinstance(raw, str) else raw)


def summary(kind: str, params: Mapping[str, object], locale: str) -> str:
    """One line saying what a notification says: its email's subject, in `locale`."""
    context = {**params, "link": "", "unsubscribe": "", "preferences": ""}
    try:
        return render_email(kind, context, locale)[0]
    except (jinja2.TemplateNotFound, jinja2.UndefinedError):
        return kind  # a row its template no longer reads: listed by its kind, not a crash


async def send_digests(settings: Settings, moment: dt.datetime) -> int:
    """One email per person with the notifications they wanted daily that came before the
    last 7:00 (Paris) and did not go yet. Each person's notifications are claimed by marking
    them in the transaction that writes the email: a second worker finds nothing left."""
    cutoff = digest_cutoff(moment)
    waiting = await fetch(
        Notification.select(Notification.user)
        .where(Notification.delivery == Mode.DAILY.value)
        .where(Notification.digested_at.is_null())
        .where(Notification.created_at < cutoff)
        .distinct()
        .limit(SWEEP_LIMIT),
        _Waiting,
    )
    sent = 0
    for person in await people(row.user for row in waiting):
        async with write_transaction():
            claimed = await fetch(
                Notification.update({Notification.digested_at: moment})
                .where(Notification.user == person.id)
                .where(Notification.delivery == Mode.DAILY.value)
                .where(Notification.digested_at.is_null())
                .where(Notification.created_at < cutoff)
                .returning(
                    Notification.id,
                    Notification.kind,
                    Notification.params,
                    Notification.path,
                    Notification.created_at,
                ),
                StoredNotification,
            )
            if not claimed:
                continue
            items = [
                {
                    "summary": summary(row.kind, params_of(row.params), person.locale),
                    "link": f"{settings.base_url}{row.path}",
                }
                for row in sorted(claimed, key=lambda row: row.id)
            ]
            await outbox.insert([_email(settings, "digest", DIGEST, person, {"items": items})])
            sent += 1
    return sent
