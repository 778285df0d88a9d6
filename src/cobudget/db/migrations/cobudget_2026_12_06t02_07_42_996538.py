from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer
from piccolo.columns.column_types import Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-06T02:07:42:996538"
VERSION = "1.38.0"
DESCRIPTION = "Reports: numbered periods; spending says what paid for it (envelope or own funds)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(
        migration_id=ID, app_name="cobudget", description=DESCRIPTION
    )

    manager.add_column(
        table_class_name="Report",
        tablename="report",
        column_name="period",
        db_column_name="period",
        column_class_name="Integer",
        column_class=Integer,
        params={
            "default": 1,
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    manager.add_column(
        table_class_name="ReportSpending",
        tablename="report_spending",
        column_name="paid_from",
        db_column_name="paid_from",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 20,
            "default": "envelope",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )

    return manager
