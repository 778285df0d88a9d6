"""How fast is the search of a network's challenges? (issue 17)

Builds a network of 10,000 published challenges (60 lieux on 6 territories, French titles,
problems and commons drawn from a vocabulary, every licence, some concerned lieux and
consented rounds) in a fresh database, then measures, on SQLite and on PostgreSQL (when a
server answers), for each kind of query:
- `db`: the one full-text statement (`db/search.py`): the first page's ids and the count;
- `service`: the whole search (`services.search.search_challenges`: the network read, the ids,
  the page's summaries; the statuses and envelopes when a filter needs them), nothing kept.

    make bench                      # runs this with the other benchmarks
    .venv/bin/python benchmarks/search.py [--runs 30] [--backend sqlite|postgresql]

PostgreSQL is read from COBUDGET_BENCH_DATABASE_URL (default: the local server's `test`
database, where a fresh database is created and dropped). Target: a few milliseconds (the
`db` statement under 10 ms median for every kind of query).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

CHALLENGES, LIEUX, BATCH = 10_000, 60, 500
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
ROOT = Path(__file__).resolve().parent.parent
TERRITORIES = ("Tarn", "Aveyron", "Lozère", "Cantal", "Gers", "Lot")
LICENCES = ("etalab-2.0", "cc-by-4.0", "cc-by-sa-4.0", "agpl-3.0", "gpl-3.0", "mit")
# Real words of the field, ranked 21st to 80th among 3,000 made-up ones, drawn by Zipf's law
# (a word's frequency falls as 1/rank), as the words of a language are.
REAL = [
    "outil",
    "réservation",
    "salles",
    "partagé",
    "lieux",
    "coopérative",
    "café",
    "atelier",
    "fabrique",
    "vélo",
    "réparation",
    "mutualisation",
    "comptabilité",
    "logiciel",
    "libre",
    "documentation",
    "services",
    "passeport",
    "adhérents",
    "formation",
    "bénévoles",
    "accueil",
    "résidence",
    "artistes",
    "jardin",
    "compost",
    "énergie",
    "solaire",
    "chauffage",
    "mobilité",
    "covoiturage",
    "numérique",
    "inclusion",
    "médiation",
    "culture",
    "théâtre",
    "cinéma",
    "musique",
    "menuiserie",
    "couture",
    "recyclerie",
    "ressourcerie",
    "alimentation",
    "épicerie",
    "circuits",
    "courts",
    "assurance",
    "juridique",
    "statuts",
    "gouvernance",
    "calendrier",
    "commun",
    "annuaire",
    "cartographie",
]
SYLLABLES = "ba be bi bo bu da de di do du fa fe fi fo la le li lo lu ma me mi mo mu na ne ni ra ri"


def _vocabulary(rng: random.Random) -> tuple[list[str], list[float]]:
    syllables = SYLLABLES.split()
    made = {"".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))) for _ in range(3200)}
    words = sorted(made)[:3000]
    rng.shuffle(words)
    for n, word in enumerate(REAL):
        words.insert(20 + n, word)
    return words, [1 / rank for rank in range(1, len(words) + 1)]


KINDS = {
    "one word": {"words": "cooperative"},
    "two words": {"words": "logiciel reservation"},
    "a prefix": {"words": "mutu"},
    "words + filters": {"words": "atelier", "territory": "Tarn", "licence": "mit"},
    "status filter": {"status": "consented"},
    "no result": {"words": "zzyzx introuvable"},
    "no words, page 50": {"page": 50},
}


def _text(rng: random.Random, vocabulary: tuple[list[str], list[float]], n: int) -> str:
    return " ".join(rng.choices(vocabulary[0], vocabulary[1], k=n)).capitalize() + "."


async def _build(slug: str) -> tuple[int, int]:
    """Insert the network directly (the search is measured, not the set-up)."""
    from cobudget.db.tables import (
        BudgetLine,
        Challenge,
        ChallengeVersion,
        ConcernedLieu,
        ConsentRound,
        Lieu,
        Network,
        NetworkLieu,
        RoundPosition,
    )
    from cobudget.services.clock import now

    rng = random.Random(17)
    vocabulary = _vocabulary(rng)
    t = now()
    network = await Network.insert(
        Network(name=f"Mesure {slug}", slug=slug, created_at=t, quorum=1)
    ).returning(Network.id)
    network_id = network[0]["id"]
    lieux = []
    for n in range(LIEUX):
        row = await Lieu.insert(
            Lieu(
                name=f"Lieu {n}",
                slug=f"{slug}-lieu-{n}",
                territory=TERRITORIES[n % len(TERRITORIES)],
                created_at=t,
            )
        ).returning(Lieu.id)
        lieux.append(row[0]["id"])
    await NetworkLieu.insert(
        *(NetworkLieu(network=network_id, lieu=lieu, joined_at=t) for lieu in lieux)
    )
    for start in range(0, CHALLENGES, BATCH):
        count = min(BATCH, CHALLENGES - start)
        made = await Challenge.insert(
            *(
                Challenge(
                    network=network_id, lieu=rng.choice(lieux), created_at=t, current_version=1
                )
                for _ in range(count)
            )
        ).returning(Challenge.id)
        ids = [row["id"] for row in made]
        versions = await ChallengeVersion.insert(
            *(
                ChallengeVersion(
                    challenge=challenge,
                    number=1,
                    title=_text(rng, vocabulary, 5),
                    problem=_text(rng, vocabulary, 40),
                    commons=_text(rng, vocabulary, 25),
                    licence=rng.choice(LICENCES),
                    created_at=t,
                    published_at=t,
                )
                for challenge in ids
            )
        ).returning(ChallengeVersion.id)
        await BudgetLine.insert(
            *(
                BudgetLine(version=v["id"], label="Travail", min_cents=100_000, max_cents=300_000)
                for v in versions
            )
        )
        await ConcernedLieu.insert(
            *(ConcernedLieu(challenge=c, lieu=rng.choice(lieux), declared_at=t) for c in ids[::3])
        )
        rounds = await ConsentRound.insert(
            *(
                ConsentRound(challenge=c, version=1, opened_at=t, deadline=t, quorum=1)
                for c in ids[::4]
            )
        ).returning(ConsentRound.id)
        await RoundPosition.insert(
            *(
                RoundPosition(round=r["id"], lieu=lieux[0], kind="consent", taken_at=t)
                for r in rounds
            )
        )
    return network_id, lieux[0]


def _ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"median {statistics.median(samples) * 1000:7.2f} ms, p95 {p95 * 1000:7.2f} ms"


async def _measure(url: str, runs: int) -> None:
    from cobudget.db import search as db
    from cobudget.db.engine import bind_tables, make_engine, open_pool
    from cobudget.db.migrate import migrate
    from cobudget.domain import search as rules
    from cobudget.domain.permissions import VISITOR
    from cobudget.domain.search import ChallengeStatus
    from cobudget.services.search import ChallengeQuery, search_challenges
    from cobudget.settings import Settings

    var_dir = Path(tempfile.mkdtemp(prefix="cobudget-bench-"))
    settings = Settings(database_url=url, secret_key="bench", var_dir=var_dir)
    await migrate(settings)
    engine = make_engine(url)
    bind_tables(engine)
    if not url.startswith("sqlite"):
        await open_pool(engine, 2)  # as the app keeps its connections
    started = time.perf_counter()
    network_id, _lieu = await _build(f"mesure-{uuid.uuid4().hex[:6]}")
    backend = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    print(f"\n{backend}: {CHALLENGES} challenges built in {time.perf_counter() - started:.1f} s")
    if not url.startswith("sqlite"):
        from cobudget.db.tables import Challenge

        await Challenge.raw("ANALYZE")
    for kind, params in KINDS.items():
        query = ChallengeQuery(
            words=str(params.get("words", "")),
            territory=str(params.get("territory", "")),
            licence=str(params.get("licence", "")),
            status=ChallengeStatus(params["status"]) if "status" in params else None,
            page=int(params.get("page", 1)),
        )
        words = rules.words_of(query.words)
        match = (
            (rules.fts5_match(words) if db.is_sqlite() else rules.tsquery(words)) if words else ""
        )
        filters = db.Filters(
            network_id=network_id, match=match, licence=query.licence, territory=query.territory
        )
        times: dict[str, list[float]] = {"db": [], "service": []}
        found = 0
        for _ in range(runs):
            t0 = time.perf_counter()
            found = (await db.matching_ids(filters, limit=20))[1]
            times["db"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            await search_challenges(VISITOR, network_id, query)
            times["service"].append(time.perf_counter() - t0)
        db_ms, service_ms = _ms(times["db"]), _ms(times["service"])
        print(f"  {kind:<18} {found:>6} found | db {db_ms} | service {service_ms}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"))
    parser.add_argument("--url", help=argparse.SUPPRESS)  # the child process's database
    args = parser.parse_args()
    if args.url:  # child: one database per process (migrations bind the engine once)
        asyncio.run(_measure(args.url, args.runs))
        return 0
    sys.path.insert(0, str(ROOT))
    from tests.support.database import create_postgresql, drop_postgresql

    for backend in [args.backend] if args.backend else ["sqlite", "postgresql"]:
        server_url = os.environ.get("COBUDGET_BENCH_DATABASE_URL", DEFAULT_PG)
        if backend == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="cobudget-bench-"))
            url = f"sqlite:///{folder / 'bench.sqlite3'}"
        else:
            try:
                url = asyncio.run(create_postgresql(server_url, "cobudget_bench"))
            except OSError:
                print(f"PostgreSQL: no server at {server_url}, skipped")
                continue
        try:
            subprocess.run(
                [sys.executable, __file__, "--url", url, "--runs", str(args.runs)], check=True
            )
        finally:
            if backend == "postgresql":
                asyncio.run(drop_postgresql(server_url, url))
    return 0


if __name__ == "__main__":
    sys.exit(main())
