"""The migration that makes memberships one per person and lieu (issue 14) merges the
duplicates written before it, on SQLite and PostgreSQL: the oldest row stays and keeps lieu
admin if any duplicate had it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cobudget.db.tables import Membership
from cobudget.domain.errors import Duplicate
from tests.support import database, factories

BEFORE = "2026-12-06T02:07:49:293308"  # the migration just before the unique index


async def test_duplicate_memberships_are_merged_before_the_unique_index(
    database_url: str, tmp_path: Path
) -> None:
    async with database.migrated_halfway(database_url, tmp_path, BEFORE) as url:
        async with database.tables_as_migrated():  # the columns of then (a lieu's contact…)
            network = await factories.make_network()
            lieu = await factories.make_lieu(network, "A")
            other = await factories.make_lieu(network, "B")
            user = await factories.make_user("double@exemple.fr")
            for lieu_id, admin in ((lieu, False), (lieu, True), (lieu, False), (other, False)):
                await Membership.insert(Membership(user=user, lieu=lieu_id, is_admin=admin))
        database.migrate_to(url, "all")
        rows = await Membership.select().order_by(Membership.id)
        assert [(r["lieu"], r["is_admin"]) for r in rows] == [(lieu, True), (other, False)]
        with pytest.raises(Duplicate, match="duplicate"):
            await Membership.insert(Membership(user=user, lieu=other, is_admin=False))
