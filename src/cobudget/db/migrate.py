"""Bring a database up to date with Piccolo's migrations (`cobudget migrate`).

Piccolo prints its own progress, with emoji and, when some migrations are new, a count it
calls "already complete" that is in fact the total, beside "not yet run": two contradictory
lines on every first start. Its output is kept aside (and shown only if a migration fails);
what happened is returned as counts, which the start log says in one line.
"""

from __future__ import annotations

import contextlib
import io
import os

import msgspec

from cobudget.settings import Settings


class Migrated(msgspec.Struct, frozen=True):
    """How many migrations the database holds now, and how many of them this run applied."""

    total: int
    applied_now: int


async def migrate(settings: Settings) -> Migrated:
    """Run every pending migration forwards.

    Piccolo finds the engine through PICCOLO_CONF (see `db.piccolo_conf`), which is imported
    once per process: call this once per process, before any other database work.
    """
    os.environ["COBUDGET_DATABASE_URL"] = settings.database_url
    os.environ["PICCOLO_CONF"] = "cobudget.db.piccolo_conf"
    from piccolo.apps.migrations.commands.forwards import ForwardsMigrationManager
    from piccolo.apps.migrations.tables import Migration

    manager = ForwardsMigrationManager(app_name="cobudget")
    said = io.StringIO()
    with contextlib.redirect_stdout(said):
        await manager.create_migration_table()
        app = manager.get_app_config(app_name="cobudget")
        known = manager.get_migration_ids(
            manager.get_migration_modules(app.resolved_migrations_folder_path)
        )
        before = set(await Migration.get_migrations_which_ran(app_name="cobudget"))
        result = await manager.run_migrations(app)
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{said.getvalue()}")
    return Migrated(total=len(known), applied_now=len(set(known) - before))
