"""Concurrent requests that write queue up instead of failing ("database is locked")."""

from __future__ import annotations

import asyncio

from cobudget.db.tables import AuditEntry, Lieu, OutboxMessage
from cobudget.domain.permissions import Actor
from cobudget.services import lieux
from cobudget.settings import Settings
from tests.support import factories


async def test_fifty_concurrent_use_cases_all_succeed_and_each_writes_once(
    settings: Settings,
) -> None:
    network_id = await factories.make_network()
    coordinator = await factories.make_user("coordo@exemple.fr")
    await factories.add_coordinator(coordinator, network_id)
    actor = Actor(user_id=coordinator, coordinator_of=frozenset({network_id}))

    async def invite(index: int) -> int:
        return await lieux.invite_lieu(
            settings,
            actor,
            network_id=network_id,
            name=f"Lieu {index}",
            town="Rodez",
            legal_form="association",
            territory="",
            description="",
            email=f"l{index}@exemple.fr",
        )

    results = await asyncio.gather(*(invite(index) for index in range(50)))
    assert len(set(results)) == 50
    assert await Lieu.count() == 50
    assert await OutboxMessage.count() == 50
    assert await AuditEntry.count().where(AuditEntry.action == "lieu.invite") == 50
