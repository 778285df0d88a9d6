"""The data version (issue 15): one row whose value changes in the same transaction as every
write that a page may show, so that a page cached by it is never served after such a write, in
any process (`db/data_version.py`, `web/page_cache.py`). Raw SQL: the row is read and written
by the engine's own statements, not through a Piccolo table."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The data version pages are cached by"


class Network(Table, tablename="network"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await Network.raw(
            "CREATE TABLE data_version (id INTEGER PRIMARY KEY, version BIGINT NOT NULL)"
        )
        await Network.raw("INSERT INTO data_version (id, version) VALUES (1, 1)")

    async def run_backwards() -> None:
        await Network.raw("DROP TABLE data_version")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
