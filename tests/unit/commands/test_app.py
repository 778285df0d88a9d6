"""The start log's first line says where the data lives, and never a database password."""

from __future__ import annotations

from pathlib import Path

from cobudget.commands.app import where_data_lives
from cobudget.settings import Settings


def test_the_sqlite_file_is_named_by_its_path() -> None:
    settings = Settings(database_url="sqlite:////srv/cobudget/var/cobudget.sqlite3", secret_key="k")
    assert where_data_lives(settings) == "/srv/cobudget/var/cobudget.sqlite3"
    assert Path(where_data_lives(settings)).is_absolute()


def test_a_postgresql_url_is_shown_without_its_password() -> None:
    url = "postgresql://cobudget:s3cret@db.example:5432/cobudget"
    shown = where_data_lives(Settings(database_url=url, secret_key="k"))
    assert shown == "postgresql://cobudget@db.example:5432/cobudget" and "s3cret" not in shown
