"""Memberships: one per person and lieu. Duplicates written before (two acceptances of one
invitation at the same moment) are merged into the oldest row, which keeps lieu admin if any of
them had it; then a unique index enforces it.

Raw SQL because Piccolo adds a composite unique constraint with ALTER TABLE, which SQLite does
not support; a unique index works on SQLite and PostgreSQL alike.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T05:03:17:207971"
VERSION = "1.38.0"
DESCRIPTION = "Memberships: duplicates merged; one membership per person and lieu"


class Membership(Table, tablename="membership"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await Membership.raw(
            "UPDATE membership SET is_admin = TRUE WHERE id IN ("
            " SELECT MIN(id) FROM membership GROUP BY \"user\", lieu"
            " HAVING COUNT(*) > 1 AND MAX(CASE WHEN is_admin THEN 1 ELSE 0 END) = 1)"
        )
        await Membership.raw(
            "DELETE FROM membership WHERE id NOT IN ("
            " SELECT MIN(id) FROM membership GROUP BY \"user\", lieu)"
        )
        await Membership.raw(
            "CREATE UNIQUE INDEX membership_user_lieu ON membership (\"user\", lieu)"
        )

    async def run_backwards() -> None:
        await Membership.raw("DROP INDEX membership_user_lieu")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
