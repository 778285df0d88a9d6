"""The search migration (issue 17) indexes the versions written before it, on SQLite and
PostgreSQL, and from then on the index follows every write."""

from __future__ import annotations

from pathlib import Path

from cobudget.db.engine import bind_tables, make_engine
from cobudget.db.tables import ChallengeVersion
from cobudget.domain.permissions import VISITOR
from cobudget.services.search import ChallengeQuery, search_challenges
from tests.support import database, factories

BEFORE = "2026-12-06T13:50:00:000000"  # the migration just before the search's


async def _found(network_id: int, words: str) -> list[int]:
    found = await search_challenges(VISITOR, network_id, ChallengeQuery(words=words))
    return [hit.summary.id for hit in found.items]


async def test_versions_written_before_the_migration_are_found_after_it(
    database_url: str, tmp_path: Path
) -> None:
    async with database.migrated_halfway(database_url, tmp_path, BEFORE) as url:
        async with database.tables_as_migrated():
            network = await factories.make_network()
            lieu = await factories.make_lieu(network, "A")
            old = await factories.make_challenge(network, lieu, "Une ressourcerie partagée")
        database.migrate_to(url, "all")
        bind_tables(make_engine(url))
        assert await _found(network, "ressourcerie") == [old]
        new = await factories.make_challenge(network, lieu, "Une autre ressourcerie")
        assert await _found(network, "RESSOURCERIE") == [new, old]
        await ChallengeVersion.update({ChallengeVersion.title: "Un atelier"}).where(
            ChallengeVersion.challenge == old
        )
        assert await _found(network, "ressourcerie") == [new]
