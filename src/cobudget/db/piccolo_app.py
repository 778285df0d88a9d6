"""Piccolo's description of our app, used by its migration commands."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from cobudget.db.tables import ALL_TABLES

APP_CONFIG = AppConfig(
    app_name="cobudget",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
