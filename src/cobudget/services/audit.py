"""The append-only audit log: every change records who, what, when, before and after."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cobudget.db.tables import AuditEntry
from cobudget.domain.permissions import Actor
from cobudget.services.clock import now


async def record(
    actor: Actor,
    action: str,
    *,
    entity: str,
    entity_id: int | None,
    network_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one entry; call it inside the use case's transaction."""
    await record_many(actor, action, [Entry(entity, entity_id, network_id, before, after)])


@dataclass(frozen=True)
class Entry:
    """One entry of `record_many`: what `record` takes after the action."""

    entity: str
    entity_id: int | None
    network_id: int | None = None
    before: Any = None
    after: Any = None


async def record_many(actor: Actor, action: str, entries: Iterable[Entry]) -> None:
    """Append one entry per change of a use case that changes many rows at once, in one insert
    however many they are; inside the use case's transaction."""
    moment = now()
    rows = [
        AuditEntry(
            at=moment,
            actor=actor.user_id,
            action=action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            network=entry.network_id,
            before=entry.before,
            after=entry.after,
        )
        for entry in entries
    ]
    if rows:
        await AuditEntry.insert(*rows)
