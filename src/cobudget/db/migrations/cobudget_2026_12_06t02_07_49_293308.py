"""Reports: the reports written so far are numbered as periods (in the order they were written,
per funded challenge and envelope), then one report per period is enforced by a unique index.

Raw SQL because Piccolo adds a composite unique constraint with ALTER TABLE, which SQLite does
not support; a unique index works on SQLite and PostgreSQL alike.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T02:07:49:293308"
VERSION = "1.38.0"
DESCRIPTION = "Reports: existing ones numbered as periods; one report per period"


class Report(Table, tablename="report"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await Report.raw(
            "UPDATE report SET period = (SELECT COUNT(*) FROM report AS earlier"
            " WHERE earlier.envelope = report.envelope AND earlier.challenge = report.challenge"
            " AND earlier.id <= report.id)"
        )
        await Report.raw(
            "CREATE UNIQUE INDEX report_envelope_challenge_period"
            " ON report (envelope, challenge, period)"
        )

    async def run_backwards() -> None:
        await Report.raw("DROP INDEX report_envelope_challenge_period")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
