"""A lieu's public profile (issue 17): a postal address and a public contact (email, phone),
each optional; empty for the lieux already there."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T14:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "A lieu's address and public contact"


def _params(**extra: object) -> dict[str, object]:
    return {
        "default": "",
        "null": False,
        "primary_key": False,
        "unique": False,
        "index": False,
        "index_method": IndexMethod.btree,
        "choices": None,
        "db_column_name": None,
        "secret": False,
        **extra,
    }


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="cobudget", description=DESCRIPTION)

    manager.add_column(
        table_class_name="Lieu",
        tablename="lieu",
        column_name="address",
        db_column_name="address",
        column_class_name="Text",
        column_class=Text,
        params=_params(),
        schema=None,
    )
    for name, length in (("contact_email", 254), ("contact_phone", 30)):
        manager.add_column(
            table_class_name="Lieu",
            tablename="lieu",
            column_name=name,
            db_column_name=name,
            column_class_name="Varchar",
            column_class=Varchar,
            params=_params(length=length),
            schema=None,
        )

    return manager
