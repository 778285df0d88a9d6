"""Settings built once from the environment and passed in; nothing is read at import time.

Every setting has a safe default so that `make run` works on a fresh machine: an SQLite file
and a secret key under the git-ignored `var/` folder, mail to a local SMTP server.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Settings:
    database_url: str
    secret_key: str
    var_dir: Path = PROJECT_ROOT / "var"
    base_url: str = "http://127.0.0.1:8000"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = "Cobudget des communs <ne-pas-repondre@cobudget.localhost>"
    # One SMTP conversation (connect, send, quit) may not take longer than this; the outbox's
    # claim on a message lasts longer (services/outbox.py).
    smtp_timeout_seconds: float = 30.0
    # Login limits: at most `login_max_per_account` failed attempts for one email and
    # `login_max_per_address` for one client address within `login_window_seconds`.
    login_max_per_account: int = 5
    login_max_per_address: int = 20
    login_window_seconds: int = 900
    session_max_age_seconds: int = 14 * 24 * 3600
    # PostgreSQL connection pool per app process (0: a connection per query, as tests use).
    database_pool_size: int = 10
    # No wait on the database is endless (issue 14; db/engine.py): past these, a request is
    # answered 503 « réessayez » and a frozen session's rows are freed. Seconds, 0 = no limit.
    # PostgreSQL lock_timeout, and SQLite's busy timeout:
    database_lock_timeout_seconds: float = 3.0
    database_statement_timeout_seconds: float = 20.0
    # PostgreSQL ends a session left idle inside a transaction (a frozen process) after this:
    database_idle_in_transaction_seconds: float = 10.0
    # A connection from the PostgreSQL pool:
    database_acquire_timeout_seconds: float = 5.0
    # SQLite: this process's turn to write (its writers queue; a rush of 200 takes seconds):
    database_write_queue_seconds: float = 15.0
    # The outbox worker runs inside the app process unless a separate `cobudget worker` does.
    outbox_in_app: bool = True
    outbox_poll_seconds: float = 2.0
    outbox_max_attempts: int = 20
    secure_cookies: bool = False
    static_dir: Path = PROJECT_ROOT / "node_modules"
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _secret_key(var_dir: Path) -> str:
    """Read the secret key from `var/secret_key`, creating it (mode 600) on first run."""
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    return float(environ.get(name) or default)


def load_settings(environ: Mapping[str, str]) -> Settings:
    var_dir = Path(environ.get("COBUDGET_VAR_DIR", str(PROJECT_ROOT / "var")))
    database_url = (
        environ.get("COBUDGET_DATABASE_URL") or f"sqlite:///{var_dir / 'cobudget.sqlite3'}"
    )
    return Settings(
        database_url=database_url,
        secret_key=environ.get("COBUDGET_SECRET_KEY") or _secret_key(var_dir),
        var_dir=var_dir,
        base_url=environ.get("COBUDGET_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
        smtp_host=environ.get("COBUDGET_SMTP_HOST", "127.0.0.1"),
        smtp_port=int(environ.get("COBUDGET_SMTP_PORT", "1025")),
        mail_from=environ.get("COBUDGET_MAIL_FROM", Settings.mail_from),
        login_max_per_account=int(environ.get("COBUDGET_LOGIN_MAX_PER_ACCOUNT", "5")),
        login_max_per_address=int(environ.get("COBUDGET_LOGIN_MAX_PER_ADDRESS", "20")),
        database_pool_size=int(environ.get("COBUDGET_DATABASE_POOL_SIZE", "10")),
        database_lock_timeout_seconds=_seconds(environ, "COBUDGET_DATABASE_LOCK_TIMEOUT", 3.0),
        database_statement_timeout_seconds=_seconds(
            environ, "COBUDGET_DATABASE_STATEMENT_TIMEOUT", 20.0
        ),
        database_idle_in_transaction_seconds=_seconds(
            environ, "COBUDGET_DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", 10.0
        ),
        database_acquire_timeout_seconds=_seconds(
            environ, "COBUDGET_DATABASE_ACQUIRE_TIMEOUT", 5.0
        ),
        database_write_queue_seconds=_seconds(
            environ, "COBUDGET_DATABASE_WRITE_QUEUE_TIMEOUT", 15.0
        ),
        smtp_timeout_seconds=_seconds(environ, "COBUDGET_SMTP_TIMEOUT", 30.0),
        outbox_in_app=not _flag(environ.get("COBUDGET_SEPARATE_WORKER", "")),
        secure_cookies=_flag(environ.get("COBUDGET_SECURE_COOKIES", "")),
    )
