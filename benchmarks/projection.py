"""How fast is the live projection of a large envelope? (issue 6)

Builds an envelope of 300 lieux, 200 consented challenges and 5,000 pledges in a fresh database,
then measures, on SQLite and on PostgreSQL (when a server answers):
- the pledge itself (one `set_pledge`, with its checks, its lock and its audit entry);
- recomputing the projection after it (reading the inputs and running the engine);
- the server time to render the envelope page with its projection, for a visitor and for a
  member of a lieu (who also gets a pledge form per challenge), through the real ASGI app.

    make bench                      # runs this with the other benchmarks
    .venv/bin/python benchmarks/projection.py [--runs 15] [--backend sqlite|postgresql]
        [--rule cofunding|equal_shares]

The rule is `cofunding` by default; `equal_shares` reads the same pledges as support (SPEC
§6.2, `support = pledges`), so the engine runs the Method of Equal Shares on every change.

PostgreSQL is read from COBUDGET_BENCH_DATABASE_URL (default: the local server's `test`
database, where a fresh database is created and dropped). Target: page under 100 ms median.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

LIEUX, CHALLENGES, PLEDGES = 300, 200, 5_000
RIGHTS_CENTS = 1_000_000  # 10 000 € per lieu
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "mesure-mesure-2026"


async def _build(network_slug: str, rule: str) -> tuple[int, list[int], list[int], int]:
    """Insert the large envelope directly (the use cases are measured, not the set-up)."""
    from cobudget.db.tables import (
        BudgetLine,
        Challenge,
        ChallengeVersion,
        ConsentRound,
        Envelope,
        EnvelopeLieu,
        Lieu,
        Membership,
        Network,
        NetworkLieu,
        Pledge,
        RoundPosition,
        User,
    )
    from cobudget.services.clock import now
    from cobudget.services.passwords import hash_password

    moment = now()
    day = dt.timedelta(days=1)
    network = await Network.insert(
        Network(name="Réseau de mesure", slug=network_slug, created_at=moment, is_public=True)
    ).returning(Network.id)
    network_id = network[0]["id"]
    lieu_rows = await Lieu.insert(
        *(
            Lieu(
                slug=f"lieu-{i}", name=f"Lieu {i:03d}", legal_form="association", created_at=moment
            )
            for i in range(LIEUX)
        )
    ).returning(Lieu.id)
    lieux = [r["id"] for r in lieu_rows]
    await NetworkLieu.insert(
        *(NetworkLieu(network=network_id, lieu=lieu, joined_at=moment) for lieu in lieux)
    )
    challenge_rows = await Challenge.insert(
        *(
            Challenge(
                network=network_id, lieu=lieux[i % LIEUX], created_at=moment, current_version=1
            )
            for i in range(CHALLENGES)
        )
    ).returning(Challenge.id)
    challenges = [r["id"] for r in challenge_rows]
    versions = await ChallengeVersion.insert(
        *(
            ChallengeVersion(
                challenge=cid,
                number=1,
                title=f"Défi commun n° {i}",
                problem="Un problème partagé.",
                commons="Un commun.",
                created_at=moment,
                published_at=moment,
            )
            for i, cid in enumerate(challenges)
        )
    ).returning(ChallengeVersion.id)
    await BudgetLine.insert(
        *(
            BudgetLine(version=v["id"], label=label, min_cents=low, max_cents=2 * low)
            for v in versions
            for label, low in (("Développement", 300_000), ("Animation", 100_000))
        )
    )
    rounds = await ConsentRound.insert(
        *(
            ConsentRound(
                challenge=cid,
                version=1,
                opened_at=moment - 20 * day,
                deadline=moment - 6 * day,
                quorum=1,
            )
            for cid in challenges
        )
    ).returning(ConsentRound.id)
    await RoundPosition.insert(
        *(
            RoundPosition(
                round=r["id"],
                lieu=lieux[(i + 1) % LIEUX],
                kind="consent",
                taken_at=moment - 19 * day,
            )
            for i, r in enumerate(rounds)
        )
    )
    envelope = await Envelope.insert(
        Envelope(
            network=network_id,
            title="Grande enveloppe",
            amount_cents=RIGHTS_CENTS * LIEUX,
            rule=rule,
            support="pledges" if rule == "equal_shares" else "approval",
            proposals_from=moment - 40 * day,
            diagnosis_from=moment - 30 * day,
            funding_from=moment - 5 * day,
            funding_until=moment + 25 * day,
            opened_at=moment - 40 * day,
            created_at=moment - 40 * day,
        )
    ).returning(Envelope.id)
    envelope_id = envelope[0]["id"]
    await EnvelopeLieu.insert(*(EnvelopeLieu(envelope=envelope_id, lieu=lieu) for lieu in lieux))
    rng = random.Random(300)
    rows = []
    for index in range(PLEDGES):
        lieu_index = index % LIEUX
        # Each lieu pledges to distinct challenges it does not propose: at most 17 × 450 €.
        challenge_index = (lieu_index * 7 + (index // LIEUX) * 11 + 1) % CHALLENGES
        if challenge_index % LIEUX == lieu_index:
            challenge_index = (challenge_index + 1) % CHALLENGES
        rows.append(
            Pledge(
                envelope=envelope_id,
                challenge=challenges[challenge_index],
                lieu=lieux[lieu_index],
                source="drawing_rights",
                amount_cents=rng.choice([5_000, 10_000, 25_000, 45_000]),
                updated_at=moment,
            )
        )
    for start in range(0, len(rows), 500):
        await Pledge.insert(*rows[start : start + 500])
    user = await User.insert(
        User(
            email="mesure@exemple.fr",
            name="Mesure",
            password_hash=await hash_password(PASSWORD),
            created_at=moment,
        )
    ).returning(User.id)
    await Membership.insert(Membership(user=user[0]["id"], lieu=lieux[0]))
    return envelope_id, lieux, challenges, user[0]["id"]


def _ms(samples: list[float]) -> str:
    p90 = sorted(samples)[max(0, int(len(samples) * 0.9) - 1)]
    return f"median {statistics.median(samples) * 1000:6.1f} ms, p90 {p90 * 1000:6.1f} ms"


async def _measure(url: str, runs: int, rule: str) -> None:
    from litestar.testing import AsyncTestClient

    from cobudget.db.engine import bind_tables, make_engine
    from cobudget.db.migrate import migrate
    from cobudget.domain.permissions import Actor
    from cobudget.engine.canonical import encode_settlement
    from cobudget.engine.settle import settle
    from cobudget.services import envelope_inputs, pledges, projection_cache
    from cobudget.settings import Settings
    from cobudget.web.app import create_app

    var_dir = Path(tempfile.mkdtemp(prefix="cobudget-bench-"))
    settings = Settings(
        database_url=url,
        secret_key="bench",
        var_dir=var_dir,
        outbox_in_app=False,
        database_pool_size=0 if url.startswith("sqlite") else 4,
    )
    await migrate(settings)
    bind_tables(make_engine(url))
    started = time.perf_counter()
    envelope_id, lieux, challenges, user_id = await _build(f"mesure-{uuid.uuid4().hex[:6]}", rule)
    built = time.perf_counter() - started
    actor = Actor(user_id=user_id, member_of=frozenset({lieux[0]}))
    row = await envelope_inputs.envelope_row(envelope_id)
    times: dict[str, list[float]] = {name: [] for name in ("pledge", "full", "incremental")}
    funded = 0
    await projection_cache.current(envelope_id, row=row)
    for run in range(runs):
        started = time.perf_counter()
        await pledges.set_pledge(
            actor,
            envelope_id=envelope_id,
            challenge_id=challenges[-1],
            lieu_id=lieux[0],
            source="drawing_rights",
            amount_cents=10_000 + run * 100,
        )
        times["pledge"].append(time.perf_counter() - started)
        started = time.perf_counter()
        _loaded, incremental, _error = await projection_cache.current(envelope_id, row=row)
        times["incremental"].append(time.perf_counter() - started)
        started = time.perf_counter()
        full = settle((await envelope_inputs.load(envelope_id, row=row)).inputs)
        times["full"].append(time.perf_counter() - started)
        assert incremental is not None and encode_settlement(incremental) == encode_settlement(full)
        funded = sum(1 for c in full.challenges if c.funded)
    pages: dict[str, list[float]] = {"visitor": [], "member_after_pledge": []}
    async with AsyncTestClient(app=create_app(settings), base_url="http://bench.local") as client:
        for _ in range(3):  # warm the templates
            await client.get(f"/enveloppes/{envelope_id}")
        for _ in range(runs):
            started = time.perf_counter()
            response = await client.get(f"/enveloppes/{envelope_id}")
            pages["visitor"].append(time.perf_counter() - started)
            assert response.status_code == 200
        page = await client.get("/connexion")
        token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        await client.post(
            "/connexion",
            data={"email": "mesure@exemple.fr", "password": PASSWORD, "_csrf_token": token},
        )
        token = client.cookies.get("csrftoken", "")
        for run in range(runs):
            posted = await client.post(
                f"/enveloppes/{envelope_id}/contributions",
                data={
                    "challenge": str(challenges[-2]),
                    "unit": f"lieu:{lieux[0]}",
                    "source": "drawing_rights",
                    "amount": f"{200 + run},00",
                    "_csrf_token": token,
                },
                headers={"x-csrftoken": token},
                follow_redirects=False,
            )
            assert posted.status_code == 303, posted.text[:300]
            started = time.perf_counter()
            response = await client.get(f"/enveloppes/{envelope_id}")
            pages["member_after_pledge"].append(time.perf_counter() - started)
            assert response.status_code == 200 and "Contribuer" in response.text
        size = len(response.content)
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(
        f"{backend}, rule {rule}: {LIEUX} lieux, {CHALLENGES} challenges, {PLEDGES} pledges "
        f"(built in {built:.1f} s); {funded} challenges would be funded; {runs} runs each"
    )
    print(f"  one pledge (checks, lock, write, audit)           {_ms(times['pledge'])}")
    print(f"  projection after it, full recompute               {_ms(times['full'])}")
    print(f"  projection after it, incremental (as the page)    {_ms(times['incremental'])}")
    print(f"  envelope page, visitor, nothing changed           {_ms(pages['visitor'])}")
    print(
        f"  envelope page, member, right after a pledge       "
        f"{_ms(pages['member_after_pledge'])}  [{size // 1024} KiB]"
    )
    worst = statistics.median(pages["member_after_pledge"])
    verdict = "met" if worst < 0.1 else "MISSED"
    print(f"  target: page with its projection under 100 ms median -> {verdict}", flush=True)


async def _fresh_postgresql(server_url: str) -> str | None:
    import asyncpg

    name = f"cobudget_bench_{uuid.uuid4().hex[:8]}"
    try:
        connection = await asyncpg.connect(server_url, timeout=3)
    except (OSError, asyncpg.PostgresError):
        return None
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


async def _drop_postgresql(server_url: str, url: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(
            f'DROP DATABASE IF EXISTS "{urlparse(url).path.lstrip("/")}" WITH (FORCE)'
        )
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"))
    parser.add_argument("--rule", choices=("cofunding", "equal_shares"), default="cofunding")
    parser.add_argument("--url", help=argparse.SUPPRESS)  # the child process's database
    args = parser.parse_args()
    if args.url:  # child: one database per process (migrations bind the engine once)
        asyncio.run(_measure(args.url, args.runs, args.rule))
        return 0
    backends = [args.backend] if args.backend else ["sqlite", "postgresql"]
    for backend in backends:
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="cobudget-bench-"))
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
        else:
            server_url = os.environ.get("COBUDGET_BENCH_DATABASE_URL", DEFAULT_PG)
            fresh = asyncio.run(_fresh_postgresql(server_url))
            if fresh is None:
                print(f"PostgreSQL: no server at {server_url}, skipped")
                continue
            url = fresh
        command = [sys.executable, __file__, "--url", url, "--runs", str(args.runs)]
        command += ["--rule", args.rule]
        try:
            subprocess.run(command, check=True)
        finally:
            if backend == "postgresql":
                asyncio.run(_drop_postgresql(server_url, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
