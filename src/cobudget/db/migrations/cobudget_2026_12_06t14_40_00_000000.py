"""Full-text search of challenges (issue 17): an FTS5 table kept by triggers on SQLite, a GIN
index on the folded text on PostgreSQL (`db/search.py` holds both), filled for the versions
already stored."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

from cobudget.db import search

ID = "2026-12-06T14:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Full-text search of challenges"


class ChallengeVersion(Table, tablename="challenge_version"):
    pass


async def _run(statements: tuple[str, ...]) -> None:
    for statement in statements:
        await ChallengeVersion.raw(statement)


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        sqlite = search.is_sqlite(ChallengeVersion)
        await _run(search.SQLITE_CREATE if sqlite else search.PG_CREATE)

    async def run_backwards() -> None:
        sqlite = search.is_sqlite(ChallengeVersion)
        await _run(search.SQLITE_DROP if sqlite else search.PG_DROP)

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
