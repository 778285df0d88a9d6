"""`make proof`: the service under abuse and faults, from outside (issue 14).

Starts, each on its own ports and its own fresh database:
- PostgreSQL: two app processes and two separate outbox workers;
- SQLite (the embedded default): one app process, which sends its outbox itself;
with a real SMTP server that can be slow or down. Then runs the scenarios of `scenarios.py` over
HTTP and prints a table: requests, answers by status, writes lost or doubled, mails sent /
received / received twice, and the longest wait of the healthy process. Exits 1 on any loss,
duplicate, 5xx other than a clear "réessayez" (503 with Retry-After), or a wait over 5 s.

    .venv/bin/python -m tests.proof [--backend both|postgresql|sqlite] [--smtp-delay 9]

PostgreSQL is reached at COBUDGET_TEST_DATABASE_URL (default: the local server's `test`
database), where a fresh database is created, then dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.proof import scenarios
from tests.proof.cluster import (
    Cluster,
    Process,
    Smtp,
    environment,
    migrate,
)
from tests.proof.scenarios import Row
from tests.support.database import create_postgresql, drop_postgresql

DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
STALL_LIMIT = 5.0


def _cluster(name: str, database_url: str, var_dir: Path, smtp: Smtp) -> Cluster:
    postgresql = database_url.startswith("postgres")
    env = environment(database_url, var_dir, smtp.port, separate_worker=postgresql)
    migrate(env)
    apps = [Process(f"{name}-app{i}", env, var_dir, worker=False) for i in (1, 2)[: 1 + postgresql]]
    workers = [Process(f"{name}-worker{i}", env, var_dir, worker=True) for i in (1, 2)]
    cluster = Cluster(name, database_url, var_dir, smtp, apps, workers if postgresql else [])
    for process in [*cluster.apps, *cluster.workers]:
        process.start()
    return cluster


async def _run(cluster: Cluster, smtp_delay: float, only: str) -> list[Row]:
    from cobudget.db.engine import bind_tables, make_engine

    bind_tables(make_engine(cluster.database_url))
    several = len(cluster.apps) > 1
    steps: list[tuple[str, Callable[[], Awaitable[Row]]]] = [
        ("pledges", lambda: scenarios.pledges_with_chaos(cluster, chaos=several)),
        ("close", lambda: scenarios.close_and_settle_in_a_rush(cluster)),
        ("lock", lambda: scenarios.held_lock(cluster)),
        ("login", lambda: scenarios.login_guesses(cluster)),
        ("oversized", lambda: scenarios.oversized_inputs(cluster)),
        ("verification", lambda: scenarios.big_verification(cluster)),
        ("mail", lambda: scenarios.slow_and_down_mail(cluster, smtp_delay)),
    ]
    rows = []
    for name, step in steps:
        if (only and only not in name) or (name == "lock" and not several):
            continue
        started = time.monotonic()
        try:
            row = await step()
        except Exception as error:  # a scenario that breaks is a failure, shown as such
            row = Row(name, unanswered=1, notes=[repr(error)[:200]])
        row.notes.append(f"{time.monotonic() - started:.0f} s")
        print(f"  {cluster.name}: {row.scenario} — done", flush=True)
        rows.append(row)
    return rows


def _table(results: list[tuple[str, Row]]) -> str:
    header = (
        "| base | scénario | requêtes | réponses | perdues | doublées | e-mails env./reçus/2× "
        "| attente max | notes |\n| --- | --- | ---: | --- | ---: | ---: | --- | ---: | --- |"
    )
    lines = [header]
    for backend, row in results:
        statuses = " ".join(f"{s}×{n}" for s, n in sorted(row.statuses.items()))
        mails = "/".join(map(str, row.mails)) if row.mails else "–"
        stall = f"{row.stall:.2f} s" if row.stall is not None else "–"
        lines.append(
            f"| {backend} | {row.scenario} | {row.requests} | {statuses} | {row.lost} "
            f"| {row.doubled} | {mails} | {stall} | {'; '.join(row.notes)} |"
        )
    return "\n".join(lines)


def _failed(row: Row) -> bool:
    return bool(row.lost or row.doubled or row.errors or (row.stall or 0) > STALL_LIMIT)


async def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--backend", choices=["both", "postgresql", "sqlite"], default="both")
    parser.add_argument("--smtp-delay", type=float, default=9.0)
    parser.add_argument("--only", default="", help="run the scenarios whose name holds this")
    args = parser.parse_args(argv)
    server = os.environ.get("COBUDGET_TEST_DATABASE_URL") or DEFAULT_PG
    results: list[tuple[str, Row]] = []
    with tempfile.TemporaryDirectory(prefix="cobudget-proof-") as tmp:
        smtp = Smtp()
        smtp.start()
        try:
            backends = ["postgresql", "sqlite"] if args.backend == "both" else [args.backend]
            for backend in backends:
                var_dir = Path(tmp) / backend
                var_dir.mkdir()
                if backend == "postgresql":
                    url = await create_postgresql(server, "cobudget_proof")
                else:
                    url = f"sqlite:///{var_dir / 'proof.sqlite3'}"
                cluster = await asyncio.to_thread(_cluster, backend, url, var_dir, smtp)
                try:
                    for row in await _run(cluster, args.smtp_delay, args.only):
                        results.append((backend, row))
                finally:
                    cluster.stop()
                    if backend == "postgresql":
                        await drop_postgresql(server, url)
        finally:
            smtp.stop()
    print(_table(results))
    failed = [f"{backend}: {row.scenario}" for backend, row in results if _failed(row)]
    if failed:
        print("ÉCHEC : " + ", ".join(failed))
        return 1
    print("Tout a tenu : aucune perte, aucun doublon, aucune erreur 5xx, aucune attente > 5 s.")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
