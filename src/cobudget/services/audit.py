"""The append-only audit log: every change records who, what, when, before and after."""

from __future__ import annotations

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
    await AuditEntry.insert(
        AuditEntry(
            at=now(),
            actor=actor.user_id,
            action=action,
            entity=entity,
            entity_id=entity_id,
            network=network_id,
            before=before,
            after=after,
        )
    )
