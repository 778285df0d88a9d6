"""Settings built once from the environment and passed in; nothing is read at import time.

Every setting has a safe default so that `make run` works on a fresh machine: an SQLite file
and a secret key under the git-ignored `var/` folder, mail to a local SMTP server.
"""

from __future__ import annotations

import ipaddress
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
    # Login limits (services/limits.py): `login_max_per_account` failed attempts for one email
    # and `login_max_per_address` for one client address within `login_window_seconds` are free;
    # each further attempt waits a delay that doubles from `login_delay_seconds`, up to
    # `login_max_delay_seconds` for an account (short: a guesser cannot lock its owner out for
    # long, and a reset link always works) and the whole window for an address.
    login_max_per_account: int = 5
    login_max_per_address: int = 20
    login_window_seconds: int = 900
    login_delay_seconds: int = 2
    login_max_delay_seconds: int = 60
    # The client address is the direct peer, unless the peer is one of these proxies (addresses
    # or CIDR blocks): then the rightmost X-Forwarded-For hop that is not a trusted proxy.
    trusted_proxies: tuple[str, ...] = ()
    # Other limits, each per rolling hour or day (services/limits.py).
    reset_requests_per_address_per_hour: int = 10
    reset_requests_per_email_per_hour: int = 3
    reset_failures_per_address_per_hour: int = 20
    signups_per_address_per_hour: int = 10
    invitations_per_lieu_per_day: int = 30
    invitations_per_network_per_day: int = 300
    invitations_per_email_per_day: int = 3
    session_max_age_seconds: int = 14 * 24 * 3600
    # Pages for visitors kept per app process, by data version (web/page_cache.py); 0: none.
    page_cache_bytes: int = 32 * 1024 * 1024
    # Connections kept open per app process: PostgreSQL's pool, SQLite's kept connections
    # (0: a connection per query).
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
    # How often the outbox worker looks for reminders, rounds closed at their deadline and
    # daily digests to send (services/notifications.py).
    notification_sweep_seconds: float = 60.0
    outbox_max_attempts: int = 20
    # The engine runs in worker processes (services.computations): how many at once per app
    # process, how long one may take, and how long a request waits for a free worker.
    engine_workers: int = 2
    engine_time_limit_seconds: float = 120.0
    engine_queue_seconds: float = 10.0
    static_dir: Path = PROJECT_ROOT / "node_modules"
    # Documents (receipts of reports, pictures of challenges and lieux; services/documents.py):
    # the folder that holds their files (None: `var_dir / "documents"`), and the largest file
    # of each kind, refused while it is being received.
    documents_dir: Path | None = None
    receipt_max_bytes: int = 10 * 1024 * 1024
    picture_max_bytes: int = 5 * 1024 * 1024
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def documents_path(self) -> Path:
        return self.documents_dir or self.var_dir / "documents"

    @property
    def https(self) -> bool:
        """Served over HTTPS (from `base_url`, so it cannot be forgotten): cookies are Secure
        and `__Host-` prefixed, and responses carry HSTS."""
        return self.base_url.lower().startswith("https://")


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


def _proxies(value: str) -> tuple[str, ...]:
    """Comma-separated addresses or CIDR blocks; a typo stops the start, not the limits."""
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as error:
            raise ValueError(f"COBUDGET_TRUSTED_PROXIES: {item!r} is no address or CIDR") from error
    return items


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    return float(environ.get(name) or default)


def _megabytes(environ: Mapping[str, str], name: str, default: float) -> int:
    return int(float(environ.get(name) or default) * 1024 * 1024)


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
        login_delay_seconds=int(environ.get("COBUDGET_LOGIN_DELAY_SECONDS", "2")),
        login_max_delay_seconds=int(environ.get("COBUDGET_LOGIN_MAX_DELAY_SECONDS", "60")),
        trusted_proxies=_proxies(environ.get("COBUDGET_TRUSTED_PROXIES", "")),
        database_pool_size=int(environ.get("COBUDGET_DATABASE_POOL_SIZE", "10")),
        page_cache_bytes=int(float(environ.get("COBUDGET_PAGE_CACHE_MB", "32")) * 1024 * 1024),
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
        engine_workers=int(environ.get("COBUDGET_ENGINE_WORKERS", "2")),
        engine_time_limit_seconds=float(environ.get("COBUDGET_ENGINE_TIME_LIMIT", "120")),
        documents_dir=Path(environ["COBUDGET_DOCUMENTS_DIR"])
        if environ.get("COBUDGET_DOCUMENTS_DIR")
        else None,
        receipt_max_bytes=_megabytes(environ, "COBUDGET_RECEIPT_MAX_MB", 10),
        picture_max_bytes=_megabytes(environ, "COBUDGET_PICTURE_MAX_MB", 5),
    )
