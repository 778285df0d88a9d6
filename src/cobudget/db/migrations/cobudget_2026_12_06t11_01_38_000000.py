"""Notifications (issue 16): one preference per person and kind, and an event that must be told
once (a reminder, a round closed at its deadline) stored once per person, even when two workers
notice it at the same moment. Raw SQL, as in the other unique indexes: a unique index (partial
where the key may be empty) works on SQLite and PostgreSQL alike."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-06T11:01:38:000000"
VERSION = "1.38.0"
DESCRIPTION = "Notifications: one preference per kind; an event told once per person"


class Notification(Table, tablename="notification"):
    pass


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    async def run() -> None:
        await Notification.raw(
            'CREATE UNIQUE INDEX notification_one_per_key ON notification ("user", key)'
            " WHERE key IS NOT NULL"
        )
        await Notification.raw(
            "CREATE UNIQUE INDEX notification_preference_one_per_kind"
            ' ON notification_preference ("user", kind)'
        )
        await Notification.raw(
            "CREATE INDEX notification_digest_waiting ON notification (delivery, digested_at)"
        )

    async def run_backwards() -> None:
        await Notification.raw("DROP INDEX notification_one_per_key")
        await Notification.raw("DROP INDEX notification_preference_one_per_kind")
        await Notification.raw("DROP INDEX notification_digest_waiting")

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
