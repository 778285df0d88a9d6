"""`cobudget run --demo`, as `make run` starts it, twice on the same folder with a real SMTP
server: no start delivers any email (the demo's are recorded as sent), a real action after the
start still sends its own, and each start says what it did in one line per step (issue 18)."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from cobudget.services.demo import LIEUX, PEOPLE
from cobudget.services.demo_challenges import STORIES
from tests.support.database import backend
from tests.support.mail import Mailbox, free_port
from tests.support.processes import stop

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')
PERSON = "fabrique@demo.cobudget.fr"


async def _start(
    var_dir: Path, smtp_port: int, log_path: Path
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "COBUDGET_VAR_DIR": str(var_dir),
        "COBUDGET_SMTP_PORT": str(smtp_port),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("COBUDGET_DATABASE_URL", None)  # the demo's own SQLite file in the folder
    env.pop("COBUDGET_BASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "cobudget.cli", "run", "--demo", "--port", str(port)],
        env=env,
        stdout=log_path.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    async with httpx.AsyncClient(base_url=url, timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/favicon.ico")).status_code == 200:
                    return process, url
            except httpx.HTTPError:
                await asyncio.sleep(0.2)
    process.kill()
    raise AssertionError(log_path.read_text())


async def _ask_for_a_password_reset(url: str) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        token = CSRF_INPUT.search((await client.get("/mot-de-passe-oublie")).text)
        assert token is not None
        sent = await client.post(
            "/mot-de-passe-oublie", data={"email": PERSON, "_csrf_token": token.group(1)}
        )
        assert sent.status_code == 200


async def _start_and_act(var_dir: Path, smtp: tuple[Mailbox, int], log_path: Path) -> list[str]:
    """Start, let the outbox worker take its turns, act once; return the log's lines."""
    mailbox, port = smtp
    process, url = await _start(var_dir, port, log_path)
    try:
        await asyncio.sleep(5)  # the worker's first sweep and two of its turns (every 2 s)
        assert mailbox.messages == [], [str(m["Subject"]) for m in mailbox.messages]
        await _ask_for_a_password_reset(url)
        # The worker sends due messages oldest first: the reset arriving alone shows that no
        # demo email was waiting before it.
        await mailbox.wait_for(PERSON, timeout=30)
        assert [m["To"] for m in mailbox.messages] == [PERSON]
    finally:
        stop(process)
    return [line for line in log_path.read_text().splitlines() if line.strip()]


pytestmark = pytest.mark.skipif(
    backend() != "sqlite",
    # The demo itself on PostgreSQL: tests/integration/services/test_demo.py.
    reason="the start's log and mail are the same on any database: once, on SQLite",
)


async def test_starting_the_demo_twice_sends_no_email_and_logs_one_line_per_step(
    smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    mailbox = smtp[0]
    mailbox.clear()
    var_dir = tmp_path / "var"
    first = await _start_and_act(var_dir, smtp, tmp_path / "first.log")
    mailbox.clear()
    second = await _start_and_act(var_dir, smtp, tmp_path / "second.log")

    database = f"Base de données : {var_dir / 'cobudget.sqlite3'}"
    opened = re.compile(r"Cobudget des communs : ouvrez http://127\.0\.0\.1:\d+/")
    logins = "Comptes de démonstration (mot de passe communs-demo-2026)"
    loaded = re.compile(
        rf"Données de démonstration chargées en \d+,\d s : 1 réseau, {len(LIEUX)} lieux, "
        rf"{len(PEOPLE)} comptes, {len(STORIES)} défis, 2 enveloppes ; leurs e-mails sont "
        "notés envoyés, aucun ne part."
    )
    migrations = re.compile(r"Migrations : (\d+) appliquées, dont (\d+) à ce démarrage ;")
    for log, new in ((first, True), (second, False)):
        start = log[:5]
        assert start[0] == database, log
        counts = migrations.match(start[1])
        assert counts is not None, log
        total, now = int(counts.group(1)), int(counts.group(2))
        assert total > 20 and now == (total if new else 0)
        if new:
            assert loaded.fullmatch(start[2]), log
        else:
            assert start[2].startswith("Données de démonstration : la base contient déjà"), log
        assert opened.fullmatch(start[3]) and start[4].startswith(logins), log
        # No Piccolo chatter, no uvicorn start-up lines, nothing said twice.
        text = "\n".join(log)
        for noise in ("migrations already complete", "not yet run", "Uvicorn running", "🚀"):
            assert noise not in text, log
        assert len(set(start)) == len(start)
