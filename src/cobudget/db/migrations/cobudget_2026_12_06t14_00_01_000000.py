"""« Nous aussi » on a need (issue 17): one row per lieu and need, even when two requests of a
lieu store it at the same moment; and the lists of a network's or a lieu's needs read by an
index. Raw SQL, as in the other unique indexes: it works on SQLite and PostgreSQL alike."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T14:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "Needs: one « nous aussi » per lieu and need"


class NeedJoin(Table, tablename="need_join"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await NeedJoin.raw("CREATE UNIQUE INDEX need_join_one_per_lieu ON need_join (need, lieu)")
        await NeedJoin.raw("CREATE INDEX need_challenge ON need (challenge)")

    async def run_backwards() -> None:
        await NeedJoin.raw("DROP INDEX need_join_one_per_lieu")
        await NeedJoin.raw("DROP INDEX need_challenge")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
