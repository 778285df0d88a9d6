"""The real app in processes of its own, started as `cobudget run` starts it in production, for
the tests that need a browser or several app processes on one database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx

from tests.support.mail import free_port

# The process behind each URL `app_process` yields, for the tests that freeze one (SIGSTOP).
RUNNING: dict[str, subprocess.Popen[bytes]] = {}


@contextmanager
def app_process(
    database_url: str, smtp_port: int, var_dir: Path, *, demo: bool = False
) -> Iterator[str]:
    """One app process (uvicorn, outbox worker inside) on a free port; yields its URL. With
    `demo`, it loads the demo data into the (empty) database first, as `cobudget run --demo`."""
    port = free_port()
    env = {
        **os.environ,
        "COBUDGET_DATABASE_URL": database_url,
        "COBUDGET_VAR_DIR": str(var_dir),
        "COBUDGET_SMTP_PORT": str(smtp_port),
        "COBUDGET_BASE_URL": f"http://127.0.0.1:{port}",
    }
    log_path = var_dir / f"app-{port}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "cobudget.cli", "run", "--port", str(port)]
        + (["--demo"] if demo else []),
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/favicon.ico", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        process.kill()
        log.close()
        raise RuntimeError(log_path.read_text())
    RUNNING[url] = process
    try:
        yield url
    finally:
        RUNNING.pop(url, None)
        stop(process)
        log.close()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ask the process to end (uvicorn finishes its requests and its outbox worker's turn),
    and kill it if it has not after 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def app_processes(
    count: int, database_url: str, smtp_port: int, var_dir: Path
) -> Iterator[list[str]]:
    """Several app processes on one database and one folder (so one secret key), started one
    after the other (each migrates the schema on start, which must not run twice at once)."""
    with ExitStack() as stack:
        yield [
            stack.enter_context(app_process(database_url, smtp_port, var_dir))
            for _index in range(count)
        ]
