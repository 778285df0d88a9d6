"""What `make proof` runs against: real app processes, a separate outbox worker, a real SMTP
server that can be slow or down, a fresh database, and a prober that measures how long the
healthy process keeps a visitor waiting. Everything is reached from outside, over HTTP."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path

import httpx
from aiosmtpd.controller import Controller

from tests.support.mail import free_port

CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


@dataclass
class SlowMailbox:
    """An SMTP server's handler that takes `delay` seconds per message, keeping what arrives
    by Message-ID (a message sent twice arrives twice)."""

    delay: float = 0.0
    received: Counter[str] = field(default_factory=Counter)

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.received[str(message["Message-ID"] or message["Subject"])] += 1
        return "250 Message accepted for delivery"


class Smtp:
    """A real SMTP server on a fixed port, which can be stopped (down) and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.mailbox = SlowMailbox()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


class Process:
    """`cobudget run` (or `cobudget worker`) in a process of its own, which the proof can
    freeze (SIGSTOP), thaw, kill -9 and start again."""

    def __init__(self, name: str, env: dict[str, str], var_dir: Path, *, worker: bool) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "COBUDGET_BASE_URL": self.url}
        self.var_dir = var_dir
        self.worker = worker
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["worker"] if self.worker else ["run", "--port", str(self.port)]
        log = (self.var_dir / f"{self.name}.log").open("ab")
        self.popen = subprocess.Popen(
            [sys.executable, "-m", "cobudget.cli", *command],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        if self.worker:
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with suppress(httpx.HTTPError):
                if httpx.get(self.url + "/favicon.ico", timeout=1).status_code == 200:
                    return
            if self.popen.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not start: see {self.var_dir / self.name}.log")

    def signal(self, number: int) -> None:
        assert self.popen is not None
        self.popen.send_signal(number)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        assert self.popen is not None
        self.popen.wait(timeout=10)

    def stop(self) -> None:
        if self.popen is None or self.popen.poll() is not None:
            return
        self.popen.send_signal(signal.SIGCONT)
        self.popen.terminate()
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=10)


@dataclass
class Cluster:
    """One database and the processes on it: `apps` serve, `workers` send the outbox (on
    SQLite the one app sends it itself)."""

    name: str
    database_url: str
    var_dir: Path
    smtp: Smtp
    apps: list[Process]
    workers: list[Process]

    def stop(self) -> None:
        for process in [*self.apps, *self.workers]:
            process.stop()


def environment(
    database_url: str, var_dir: Path, smtp_port: int, *, separate_worker: bool
) -> dict[str, str]:
    env = {
        **os.environ,
        "COBUDGET_DATABASE_URL": database_url,
        "COBUDGET_VAR_DIR": str(var_dir),
        "COBUDGET_SMTP_PORT": str(smtp_port),
        "COBUDGET_SECRET_KEY": "proof-" + uuid.uuid4().hex,
    }
    if separate_worker:
        env["COBUDGET_SEPARATE_WORKER"] = "1"
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "cobudget.cli", "migrate"], env=env, check=True)


class Prober:
    """Asks a page of a process every 50 ms and keeps how long each answer took: the longest is
    how long that process kept a visitor waiting (a 5xx is counted too)."""

    def __init__(self, url: str, path: str) -> None:
        self.url, self.path = url, path
        self.longest = 0.0
        self.statuses: Counter[int] = Counter()
        self._task: asyncio.Task[None] | None = None

    async def _probe(self) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=60) as client:
            while True:
                started = time.monotonic()
                try:
                    status = (await client.get(self.path)).status_code
                except httpx.HTTPError:
                    status = 599
                self.longest = max(self.longest, time.monotonic() - started)
                self.statuses[status] += 1
                await asyncio.sleep(0.05)

    def __enter__(self) -> Prober:
        self._task = asyncio.ensure_future(self._probe())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


async def logged_in(url: str, email: str, password: str) -> tuple[httpx.AsyncClient, str]:
    """A client of one process, logged in, with the CSRF token its writes carry."""
    client = httpx.AsyncClient(base_url=url, timeout=30)
    token = CSRF_INPUT.search((await client.get("/connexion")).text)
    assert token is not None
    response = await client.post(
        "/connexion", data={"email": email, "password": password, "_csrf_token": token.group(1)}
    )
    assert response.status_code in (200, 303), response.text[:500]
    token = CSRF_INPUT.search((await client.get("/connexion")).text) or token
    return client, token.group(1)
