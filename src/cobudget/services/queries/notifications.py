"""A person's notifications, newest first, for their home and their notifications page: one
query, each said in the reader's language (the subject of its email) with where to act."""

from __future__ import annotations

import datetime as dt

import msgspec

from cobudget import i18n
from cobudget.db.rows import fetch
from cobudget.db.tables import Notification
from cobudget.domain.errors import LoginRequired
from cobudget.domain.permissions import Actor
from cobudget.services.notifications import StoredNotification, params_of, summary

MAX_LIMIT = 200


class NotificationItem(msgspec.Struct, frozen=True):
    id: int
    kind: str
    text: str  # what it says, in the reader's language
    path: str  # where to act
    created_at: dt.datetime


async def recent_notifications(actor: Actor, limit: int = 20) -> tuple[NotificationItem, ...]:
    """The actor's latest notifications (at most `limit`, itself at most 200), in one query."""
    if actor.user_id is None:
        raise LoginRequired("notifications.read")
    rows = await fetch(
        Notification.select(
            Notification.id,
            Notification.kind,
            Notification.params,
            Notification.path,
            Notification.created_at,
        )
        .where(Notification.user == actor.user_id)
        .order_by(Notification.id, ascending=False)
        .limit(max(1, min(limit, MAX_LIMIT))),
        StoredNotification,
    )
    locale = i18n.current_locale()
    return tuple(
        NotificationItem(
            row.id,
            row.kind,
            summary(row.kind, params_of(row.params), locale),
            row.path,
            row.created_at,
        )
        for row in rows
    )
