"""How fast are the main pages, beside a bare Litestar + Jinja page in the same run? (issue 15)

Starts the real app as production starts it (`python -m cobudget.cli run --port P`, one process,
its access log on, started by tests/proof/cluster.Process as `make proof` does) and a bare
Litestar app defined here (one route rendering a Jinja page of about 21 KB, run by uvicorn in its
own process, access log off), measured before and after the app's pages. Each main page is driven
at 16 connections, as a visitor and logged in (a lieu admin or member, a coordinator: a session
cookie from posting /connexion with its CSRF token, sent as a Cookie header), by `wrk` (Debian's
package: `apt-get install -y wrk`), one thread, in a process of its own:

- home `/`, the network `/reseaux/{slug}` (it is also the network's list of challenges: the app
  has no separate page for them), an envelope with its live projection `/enveloppes/{id}`, a
  challenge with its rounds `/defis/{id}`, a settled envelope's follow-up
  `/enveloppes/{id}/suivi`, a lieu `/lieux/{slug}`, the personal space `/mon-espace` (logged in
  only);
- on (1) the demo data (`cobudget demo`) and (2) a large network inserted directly into the
  database: 300 lieux, 200 challenges, 500 rounds with 5,000 positions, an envelope in funding
  with 5,000 pledges (the one of benchmarks/projection.py), and a settled envelope where 1,000
  pledges funded 50 of the challenges, with a validated report each (settling it released the
  1,251 pledges of the funding envelope to those 50 challenges, as SPEC §4 says).

It prints, per page and role, requests/s, p50, p99 and the share of bare Litestar's requests/s
measured in the same run, as a Markdown table (docs/performance.md keeps the figures).

    make bench                      # runs this with the other benchmarks
    .venv/bin/python benchmarks/pages.py [--seconds 5] [--only demo|large]
        [--backend sqlite|postgresql]

SQLite by default (a fresh file). `--backend postgresql` creates a fresh database on the server
of COBUDGET_BENCH_DATABASE_URL (default: the local server's `test` database) and drops it after.
The app runs with COBUDGET_SEPARATE_WORKER=1 (no outbox worker: nothing is sent while measuring).

The machine has 2 cores: wrk shares them with the app (or the bare app; never both apps at once);
wrk with one thread takes a small part of one core. Without wrk on PATH the script stops and says
how to install it.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from cobudget.domain.permissions import Actor

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CONNECTIONS = 16
DEMO_PASSWORD = "communs-demo-2026"
LARGE_SLUG = "reseau-de-mesure"

# wrk prints one line the script reads: requests, microseconds, p50 and p99, errors.
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write
    + e.timeout))
end
"""


# ---------------------------------------------------------------------------------------------
# The reference: a bare Litestar + Jinja app, one page of about 21 KB.

BARE_TEMPLATE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{ title }} · Cobudget des communs</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/app.css"><script src="/static/htmx.min.js" defer></script>
</head>
<body><a class="skip" href="#contenu">Aller au contenu</a>
<header class="container"><nav aria-label="Principale"><ul><li><a href="/">Cobudget des
communs</a></li></ul><ul><li><a href="/connexion">Se connecter</a></li><li><a
href="/langue/en">English</a></li></ul></nav></header>
<main id="contenu" class="container"><hgroup><h1>{{ title }}</h1><p>Les défis communs du
réseau, avec ce que chacun demande et les lieux qui le portent.</p></hgroup>
<ul class="cards">
{% for card in cards %}<li><article aria-labelledby="defi-{{ card.id }}">
<h3 id="defi-{{ card.id }}"><a href="/defis/{{ card.id }}">{{ card.title }}</a></h3>
<p>Porté par {{ card.lieu }} · de 3 000,00 € à 6 000,00 € · plusieurs lieux concernés.
Un commun partagé entre les tiers-lieux du réseau, sous licence libre, que chacun peut
reprendre, adapter et améliorer pour ses propres usages.</p></article></li>
{% endfor %}</ul></main>
<footer class="container"><p>Cobudget des communs · logiciel libre sous AGPL-3.0-or-later ·
<a href="/api">API</a> · <a href="/schema">OpenAPI</a></p></footer></body></html>
"""
BARE_CARDS = 54  # about 21 KB of HTML: markup and text, three values a card


def bare_app() -> object:
    """One route that renders the template above with fresh context, like a page would."""
    from jinja2 import DictLoader, Environment, select_autoescape
    from litestar import Litestar, get
    from litestar.plugins.jinja import JinjaTemplateEngine
    from litestar.response import Template
    from litestar.template import TemplateConfig

    environment = Environment(
        loader=DictLoader({"page.html": BARE_TEMPLATE}), autoescape=select_autoescape()
    )

    @get("/")
    async def page() -> Template:
        cards = [
            {"id": i, "title": f"Défi commun n° {i}", "lieu": f"Tiers-lieu n° {i:03d}"}
            for i in range(BARE_CARDS)
        ]
        return Template(template_name="page.html", context={"title": "Référence", "cards": cards})

    return Litestar(
        route_handlers=[page],
        signature_namespace={"Template": Template},  # annotations are strings here
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(environment)),
    )


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(bare_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# The large network, inserted directly (the pages are measured, not the set-up).


async def build_large(url: str) -> dict[str, object]:
    """The envelope of benchmarks/projection.py (300 lieux, 200 challenges with a consented
    round each, 5,000 pledges), plus older rounds and positions up to 500 rounds and 5,000
    positions, a coordinator, and a settled envelope with 50 validated reports."""
    from projection import _build

    from cobudget.db.engine import bind_tables, make_engine
    from cobudget.db.tables import (
        ConsentRound,
        Coordinator,
        Envelope,
        OutboxMessage,
        RoundPosition,
        User,
    )
    from cobudget.domain.permissions import Actor
    from cobudget.services.clock import now
    from cobudget.services.passwords import hash_password

    bind_tables(make_engine(url))
    envelope_id, lieux, challenges, _member = await _build(LARGE_SLUG, "cofunding")
    envelope = await Envelope.select(Envelope.network).where(Envelope.id == envelope_id).first()
    assert envelope is not None
    network_id = envelope["network"]
    moment, day = now(), dt.timedelta(days=1)
    # The latest round of a challenge is its highest id: the round `_build` made becomes the
    # oldest, the first 100 challenges get a second one, and every challenge then a third,
    # consented (500 rounds); ten positions each, objections in the older rounds only.
    first = [row["id"] for row in await ConsentRound.select(ConsentRound.id)]
    await ConsentRound.update(
        {
            ConsentRound.opened_at: moment - 75 * day,
            ConsentRound.deadline: moment - 65 * day,
            ConsentRound.closed_at: moment - 65 * day,
        },
        force=True,
    )
    middle = await _rounds(challenges[:100], moment - 45 * day)
    latest = await _rounds(challenges, moment - 20 * day)
    positions = _positions(first, lieux, 9, objection=True, at=moment - 70 * day)  # 1 + 9 each
    positions += _positions(middle, lieux, 10, objection=True, at=moment - 40 * day)
    positions += _positions(latest, lieux, 10, objection=False, at=moment - 19 * day)
    for start in range(0, len(positions), 500):
        await RoundPosition.insert(*positions[start : start + 500])
    password_hash = await hash_password("mesure-mesure-2026")
    coordinator = await User.insert(
        User(
            email="coordination@mesure.fr",
            name="Coordination",
            password_hash=password_hash,
            created_at=moment,
        )
    ).returning(User.id)
    await Coordinator.insert(Coordinator(network=network_id, user=coordinator[0]["id"]))
    settled_id = await _settled_with_reports(
        network_id,
        lieux,
        challenges[150:],
        Actor(user_id=None, coordinator_of=frozenset({network_id})),
    )
    await OutboxMessage.delete(force=True)  # nothing to send while measuring
    return {
        "network": LARGE_SLUG,
        "envelope": envelope_id,
        "settled": settled_id,
        "challenge": challenges[0],
        "lieu": "lieu-0",
        "member": ("mesure@exemple.fr", "mesure-mesure-2026"),
        "coordinator": ("coordination@mesure.fr", "mesure-mesure-2026"),
    }


async def _rounds(challenges: list[int], opened: dt.datetime) -> list[int]:
    """A closed round on version 1 of each challenge, open for 14 days from `opened`."""
    from cobudget.db.tables import ConsentRound

    deadline = opened + dt.timedelta(days=14)
    rows = await ConsentRound.insert(
        *(
            ConsentRound(
                challenge=cid,
                version=1,
                opened_at=opened,
                deadline=deadline,
                quorum=1,
                closed_at=deadline,
            )
            for cid in challenges
        )
    ).returning(ConsentRound.id)
    return [row["id"] for row in rows]


def _positions(
    rounds: list[int], lieux: list[int], per_round: int, *, objection: bool, at: dt.datetime
) -> list[object]:
    """`per_round` positions of distinct lieux in each round; round i (of challenge i, proposed
    by lieu i) hears lieux i+2, i+3…, never its proposer; one objection first if `objection`,
    and a concern in three."""
    from cobudget.db.tables import RoundPosition

    def kind(k: int) -> tuple[str, str]:
        if objection and k == 0:
            return "objection", "Le budget ne dit pas qui maintiendra l’outil."
        if k % 3 == 1:
            return "concern", "Une réserve sur l’hébergement."
        return "consent", ""

    return [
        RoundPosition(
            round=round_id,
            lieu=lieux[(index + 2 + k) % len(lieux)],
            kind=kind(k)[0],
            text=kind(k)[1],
            taken_at=at,
        )
        for index, round_id in enumerate(rounds)
        for k in range(per_round)
    ]


async def _settled_with_reports(
    network_id: int, lieux: list[int], funded: list[int], actor: Actor
) -> int:
    """A closed envelope where 20 lieux pledge 250 € to each of `funded` (50 challenges), settled
    by the real service, and one validated report per funded challenge."""
    from cobudget.db.tables import (
        BudgetLine,
        Deliverable,
        Envelope,
        EnvelopeLieu,
        Pledge,
        Report,
        ReportSpending,
    )
    from cobudget.services import settlements
    from cobudget.services.clock import now
    from cobudget.settings import Settings

    moment, day, count = now(), dt.timedelta(days=1), len(lieux)
    rows = await Envelope.insert(
        Envelope(
            network=network_id,
            title="Enveloppe réglée",
            amount_cents=1_000_000 * count,
            rule="cofunding",
            min_cofunders=1,
            proposals_from=moment - 40 * day,
            diagnosis_from=moment - 30 * day,
            funding_from=moment - 5 * day,
            funding_until=moment - 1 * day,
            opened_at=moment - 40 * day,
            created_at=moment - 40 * day,
        )
    ).returning(Envelope.id)
    envelope_id = rows[0]["id"]
    await EnvelopeLieu.insert(*(EnvelopeLieu(envelope=envelope_id, lieu=lieu) for lieu in lieux))
    pledges = []
    for index, challenge in enumerate(funded):
        proposer = lieux[(150 + index) % count]
        givers = [lieu for lieu in lieux[index * 5 % count :][:21] if lieu != proposer][:20]
        pledges += [
            Pledge(
                envelope=envelope_id,
                challenge=challenge,
                lieu=lieu,
                source="drawing_rights",
                amount_cents=25_000,
                updated_at=moment - 3 * day,
            )
            for lieu in givers
        ]
    for start in range(0, len(pledges), 500):
        await Pledge.insert(*pledges[start : start + 500])
    await settlements.settle(
        Settings(database_url="", secret_key="bench"), actor, envelope_id=envelope_id
    )
    lines = (
        await BudgetLine.select(BudgetLine.id, BudgetLine.version.challenge)
        .where(BudgetLine.version.challenge.is_in(funded))
        .where(BudgetLine.version.number == 1)
    )
    line_of = {row["version.challenge"]: row["id"] for row in lines}
    reports = await Report.insert(
        *(
            Report(
                envelope=envelope_id,
                challenge=challenge,
                status="validated",
                delivery="delivered",
                progress="Le commun est en service dans les lieux du réseau.",
                created_at=moment,
                published_at=moment,
                reviewed_at=moment,
            )
            for challenge in funded
        )
    ).returning(Report.id, Report.challenge)
    await ReportSpending.insert(
        *(
            ReportSpending(
                report=row["id"],
                budget_line=line_of[row["challenge"]],
                amount_cents=300_000,
                receipt=f"Facture {row['id']}",
            )
            for row in reports
        )
    )
    await Deliverable.insert(
        *(
            Deliverable(report=row["id"], title="Code source", url="https://exemple.fr/code")
            for row in reports
        )
    )
    return int(envelope_id)


# ---------------------------------------------------------------------------------------------
# Processes: the app, the bare app, wrk.


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        if process.poll() is not None:
            break
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer: see {log}")


@contextmanager
def running(command: list[str], env: dict[str, str], probe: str, log: Path) -> Iterator[None]:
    with log.open("ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_for(probe, process, log)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@dataclass(frozen=True)
class Result:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk(url: str, seconds: int, script: Path, cookie: str = "") -> Result:
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s"]
    command += ["-s", str(script)]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, micros, p50, p99, status, failed = (int(x) for x in line.split()[1:])
    return Result(requests / (micros / 1e6), p50 / 1000, p99 / 1000, status + failed)


def log_in(base: str, email: str, password: str) -> str:
    """A Cookie header for a session of `email`, as a browser gets one."""
    from tests.proof.cluster import CSRF_INPUT

    with httpx.Client(base_url=base, timeout=30) as client:
        token = CSRF_INPUT.search(client.get("/connexion").text)
        assert token is not None
        response = client.post(
            "/connexion",
            data={"email": email, "password": password, "_csrf_token": token.group(1)},
        )
        assert response.status_code in (200, 303), response.text[:300]
        assert "Se déconnecter" in client.get("/mon-espace").text, f"{email} is not logged in"
        return "; ".join(f"{name}={value}" for name, value in client.cookies.items())


# ---------------------------------------------------------------------------------------------
# One dataset: its database, its app, its pages, measured.


@dataclass(frozen=True)
class Dataset:
    name: str
    pages: list[tuple[str, str]]  # (label, path)
    accounts: dict[str, tuple[str, str]]  # role -> (email, password)


def demo_dataset() -> Dataset:
    from cobudget.domain.validation import slugify
    from cobudget.services.demo import LIEUX, NETWORK

    return Dataset(
        "demo",
        _pages(slugify(str(NETWORK["name"])), 2, 1, 7, slugify(str(LIEUX[0][0]))),
        {
            "lieu admin": ("fabrique@demo.cobudget.fr", DEMO_PASSWORD),
            "coordinator": ("coordination@demo.cobudget.fr", DEMO_PASSWORD),
        },
    )


def _pages(
    network: str, envelope: int, settled: int, challenge: int, lieu: str
) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("network (its challenges)", f"/reseaux/{network}"),
        ("envelope + live projection", f"/enveloppes/{envelope}"),
        ("challenge + rounds", f"/defis/{challenge}"),
        ("follow-up", f"/enveloppes/{settled}/suivi"),
        ("lieu", f"/lieux/{lieu}"),
        ("my space", "/mon-espace"),
    ]


def prepare(dataset: str, url: str, env: dict[str, str]) -> Dataset:
    """Migrate and fill the database, each step in a process of its own (as the CLI does)."""
    cli = [sys.executable, "-m", "cobudget.cli"]
    if dataset == "demo":
        subprocess.run([*cli, "demo"], env=env, check=True, capture_output=True)
        return demo_dataset()
    subprocess.run([*cli, "migrate"], env=env, check=True, capture_output=True)
    built = subprocess.run(
        [sys.executable, __file__, "--build-large", url],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    ids = json.loads(built.stdout.strip().splitlines()[-1])
    pages = _pages(ids["network"], ids["envelope"], ids["settled"], ids["challenge"], ids["lieu"])
    return Dataset(
        "large",
        pages,
        {"lieu member": tuple(ids["member"]), "coordinator": tuple(ids["coordinator"])},
    )


def measure(dataset_name: str, url: str, seconds: int, folder: Path) -> list[str]:
    """The table rows of one dataset: the bare app, every page and role, the bare app again."""
    from tests.proof.cluster import Process, environment
    from tests.support.mail import free_port

    script = folder / "report.lua"
    script.write_text(WRK_SCRIPT)
    var_dir = folder / f"var-{dataset_name}"
    var_dir.mkdir()
    # The app as `make proof` starts it: `cobudget run` on a free port, its own secret key, and
    # no outbox worker (nothing is sent while measuring; the SMTP port is never dialled).
    env = environment(url, var_dir, free_port(), separate_worker=True)
    started = time.perf_counter()
    dataset = prepare(dataset_name, url, env)
    print(f"{dataset_name}: data ready in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    bare_port = free_port()
    bare_url = f"http://127.0.0.1:{bare_port}/"
    bare_command = [sys.executable, __file__, "--bare", str(bare_port)]

    def reference() -> tuple[int, Result]:
        with running(bare_command, env, bare_url, folder / "bare.log"):
            size = len(httpx.get(bare_url).content)
            wrk(bare_url, 1, script)  # warm-up
            return size, wrk(bare_url, seconds, script)

    bare_size, before = reference()
    measured: list[tuple[str, str, int, Result]] = []
    app = Process(f"app-{dataset_name}", env, var_dir, worker=False)
    app.start()
    base = app.url
    try:
        cookies = {"visitor": ""} | {
            role: log_in(base, email, password)
            for role, (email, password) in dataset.accounts.items()
        }
        for label, path in dataset.pages:
            for role, cookie in cookies.items():
                if path == "/mon-espace" and not cookie:
                    continue
                headers = {"Cookie": cookie} if cookie else {}
                for _warm in range(3):
                    response = httpx.get(base + path, headers=headers, timeout=60)
                assert response.status_code == 200, f"{path} as {role}: {response.status_code}"
                result = wrk(base + path, seconds, script, cookie)
                measured.append((f"{label} `{path}`", role, len(response.content), result))
                print(dataset_name, *measured[-1], file=sys.stderr, flush=True)
    finally:
        app.stop()
    _size, after = reference()
    # The reference is measured before and after the pages (the machine's load drifts); the
    # shares are of the mean of the two.
    bare = Result(
        (before.requests_per_s + after.requests_per_s) / 2,
        (before.p50_ms + after.p50_ms) / 2,
        (before.p99_ms + after.p99_ms) / 2,
        before.errors + after.errors,
    )
    label = (
        f"bare Litestar + Jinja (before {before.requests_per_s:,.0f}, "
        f"after {after.requests_per_s:,.0f} requests/s)"
    )
    return [_row(dataset_name, label, "—", bare_size, bare, bare)] + [
        _row(dataset_name, page, role, size, result, bare) for page, role, size, result in measured
    ]


def _row(dataset: str, page: str, role: str, size: int, result: Result, bare: Result) -> str:
    share = 100 * result.requests_per_s / bare.requests_per_s
    errors = f" ({result.errors} errors)" if result.errors else ""
    return (
        f"| {dataset} | {page} | {role} | {size / 1024:.0f} KiB | {result.requests_per_s:,.1f}"
        f"{errors} | {result.p50_ms:,.0f} ms | {result.p99_ms:,.0f} ms | {share:.1f} % |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per page and role")
    parser.add_argument("--only", choices=("demo", "large"))
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--bare", type=int, help=argparse.SUPPRESS)  # child: the bare app
    parser.add_argument("--build-large", help=argparse.SUPPRESS)  # child: fill a database
    args = parser.parse_args()
    if args.bare:
        serve_bare(args.bare)
        return 0
    if args.build_large:
        print(json.dumps(asyncio.run(build_large(args.build_large))))
        return 0
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk", file=sys.stderr)
        return 1
    sys.path.insert(0, str(ROOT))
    from tests.support.database import create_postgresql, drop_postgresql

    folder = Path(tempfile.mkdtemp(prefix="cobudget-bench-pages-"))
    server = os.environ.get("COBUDGET_BENCH_DATABASE_URL", DEFAULT_PG)
    rows = []
    for dataset in [args.only] if args.only else ["demo", "large"]:
        if args.backend == "sqlite":
            url = f"sqlite:///{folder / f'{dataset}.sqlite3'}"
        else:
            url = asyncio.run(create_postgresql(server, "cobudget_bench"))
        try:
            rows += measure(dataset, url, args.seconds, folder)
        finally:
            if args.backend == "postgresql":
                asyncio.run(drop_postgresql(server, url))
    shutil.rmtree(folder)  # kept when a step fails: its logs say why
    print(
        f"\n{'SQLite' if args.backend == 'sqlite' else 'PostgreSQL'}, one app process, "
        f"{CONNECTIONS} connections (wrk, 1 thread), {args.seconds} s per page and role, "
        f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n"
    )
    print("| data | page | as | size | requests/s | p50 | p99 | share of bare Litestar |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
