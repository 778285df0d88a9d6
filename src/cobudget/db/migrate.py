"""Bring a database up to date with Piccolo's migrations (`cobudget migrate`)."""

from __future__ import annotations

import os

from cobudget.settings import Settings


async def migrate(settings: Settings) -> None:
    """Run every pending migration forwards.

    Piccolo finds the engine through PICCOLO_CONF (see `db.piccolo_conf`), which is imported
    once per process: call this once per process, before any other database work.
    """
    os.environ["COBUDGET_DATABASE_URL"] = settings.database_url
    os.environ["PICCOLO_CONF"] = "cobudget.db.piccolo_conf"
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="cobudget", migration_id="all", fake=False)
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
