"""One flag per person and discussion comment (issue 16): a unique index, made by raw SQL as the
one-per rules of 2026-12-06T05:09:30 (Piccolo adds a composite unique constraint with ALTER
TABLE, which SQLite does not support), so two flags of one person sent at once store one row."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T11:01:47:000000"
VERSION = "1.38.0"
DESCRIPTION = "One flag per person and discussion comment"


class DiscussionFlag(Table, tablename="discussion_flag"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await DiscussionFlag.raw(
            "CREATE UNIQUE INDEX discussion_flag_one_per_person"
            " ON discussion_flag (comment, flagged_by)"
        )

    async def run_backwards() -> None:
        await DiscussionFlag.raw("DROP INDEX IF EXISTS discussion_flag_one_per_person")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
