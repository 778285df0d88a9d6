"""No page's number of queries grows with the data (issue 15).

Every page and API read, for a visitor and for each role, on the demo, then on the demo grown
with more of everything its pages list (`tests/support/growth.py`): the count of statements a
request runs must be the same, and small. The second request of a page is the one counted: the
first may fill the projection cache, which later requests read (its own tests check it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.engine import queries_run
from cobudget.db.tables import (
    Challenge,
    ConsentRound,
    Envelope,
    Lieu,
    Network,
    Report,
    RoundPosition,
)
from cobudget.services.clock import now
from cobudget.services.demo import DEMO_PASSWORD, load_demo
from cobudget.settings import Settings
from tests.integration.conftest import log_in
from tests.support.growth import grow

ROLES = {
    "visitor": None,
    "member": "membre.fabrique@demo.cobudget.fr",
    "lieu admin": "fabrique@demo.cobudget.fr",
    "coordinator": "coordination@demo.cobudget.fr",
    "cofunder": "departement@demo.cobudget.fr",
    "site admin": "admin@demo.cobudget.fr",
}

# The most statements any page may run, visitor or logged in (the session and the actor
# included). A page over it reads something per row, or reads too much.
MOST_QUERIES = 15  # 13 when issue 15 ended; 15 with the discussion; still 15 with the status
# badge (issue 18: one statement more on the challenge page, one less for a co-funder, whose
# organisations the discussion no longer reads again)


@dataclass(frozen=True)
class Demo:
    network_id: int
    network: str
    lieu: str
    lieu_id: int
    funding: int
    settled: int
    challenge: int
    report: int

    def paths(self) -> list[str]:
        return [
            "/",
            f"/reseaux/{self.network}",
            f"/reseaux/{self.network}?q=atelier&licence=etalab-2.0",  # a search (issue 17)
            f"/reseaux/{self.network}?statut=consented",
            f"/reseaux/{self.network}?enveloppe={self.funding}&statut=consented&q=atelier",
            f"/reseaux/{self.network}/gerer",
            f"/reseaux/{self.network}/journal",
            f"/reseaux/{self.network}/journal?quoi=contributions&du=2026-01-01&page=1",
            f"/reseaux/{self.network}/diagnostic",
            f"/enveloppes/{self.funding}",
            f"/enveloppes/{self.funding}/comparaison",
            f"/enveloppes/{self.funding}/modifier",  # open: says why it no longer changes
            f"/enveloppes/{self.settled}",
            f"/enveloppes/{self.settled}/suivi",
            f"/enveloppes/{self.settled}/verification",
            f"/enveloppes/{self.funding}/recus",  # the journal of receipts (issue 20)
            f"/enveloppes/{self.settled}/recus?page=1",
            f"/enveloppes/{self.settled}/recus/verifier?code=0000-0000-0000-0000",
            f"/api/envelopes/{self.settled}/receipts",
            f"/defis/{self.challenge}",
            f"/defis/{self.challenge}/versions/1",
            f"/defis/{self.challenge}/discussion",
            f"/lieux/{self.lieu}",
            f"/lieux/{self.lieu}/personnes",
            f"/reseaux/{self.network}/besoins",
            f"/reseaux/{self.network}/besoins?theme=numerique&horizon=2",
            f"/reseaux/{self.network}/donnees/besoins.csv",
            f"/rapports/{self.report}",
            "/admin/reseaux",
            "/admin/personnes",
            "/mon-espace",
            "/mon-espace/notifications",
            "/api/networks",
            f"/api/networks/{self.network_id}",
            f"/api/networks/{self.network_id}/lieux",
            f"/api/networks/{self.network_id}/challenges",
            f"/api/networks/{self.network_id}/challenges?q=atelier&status=consented",
            f"/api/networks/{self.network_id}/envelopes",
            f"/api/lieux/{self.lieu_id}",
            f"/api/lieux/{self.lieu_id}/needs",
            f"/api/networks/{self.network_id}/needs",
            f"/api/challenges/{self.challenge}",
            f"/api/challenges/{self.challenge}/rounds",
            f"/api/challenges/{self.challenge}/discussion",
            f"/api/envelopes/{self.funding}",
            f"/api/envelopes/{self.funding}/projection",
            f"/api/envelopes/{self.settled}/settlement",
            f"/api/envelopes/{self.settled}/follow-up",
            f"/api/reports/{self.report}",
            "/api/me",
        ]


async def _demo() -> Demo:
    assert await load_demo() is True
    network = await Network.select(Network.id, Network.slug).first()
    assert network is not None
    envelopes = await Envelope.select(Envelope.id, Envelope.settled_at).order_by(Envelope.id)
    settled = next(row["id"] for row in envelopes if row["settled_at"] is not None)
    funding = next(row["id"] for row in envelopes if row["settled_at"] is None)
    # The consented challenge with the most rounds (an amended one): its page has the most to
    # read, and more consented rounds keep its shape.
    challenges = {
        row["id"]
        for row in await Challenge.select(Challenge.id).where(Challenge.current_version > 0)
    }
    per_challenge: dict[int, list[int]] = {}
    for row in await ConsentRound.select(ConsentRound.id, ConsentRound.challenge).order_by(
        ConsentRound.id
    ):
        if row["challenge"] in challenges:
            per_challenge.setdefault(row["challenge"], []).append(row["id"])
    objected = {
        row["round"]
        for row in await RoundPosition.select(RoundPosition.round).where(
            RoundPosition.kind == "objection"
        )
    }
    closed = {
        row["id"]
        for row in await ConsentRound.select(ConsentRound.id).where(
            ConsentRound.closed_at.is_not_null() | (ConsentRound.deadline < now())
        )
    }
    consented = [
        c for c, ids in per_challenge.items() if ids[-1] in closed and ids[-1] not in objected
    ]
    challenge = max(consented, key=lambda c: (len(per_challenge[c]), -c))
    lieu = await Lieu.select(Lieu.id, Lieu.slug).where(Lieu.slug == "la-fabrique-du-bourg").first()
    assert lieu is not None
    report = await Report.select(Report.id).where(Report.status != "draft").first()
    assert report is not None
    return Demo(
        network_id=network["id"],
        network=network["slug"],
        lieu=lieu["slug"],
        lieu_id=lieu["id"],
        funding=funding,
        settled=settled,
        challenge=challenge,
        report=report["id"],
    )


@pytest.fixture
async def clients(session_settings: Settings, db: str) -> AsyncIterator[dict[str, AsyncTestClient]]:  # type: ignore[type-arg]
    """A client per role, of an app that keeps no page: visitors' pages are counted as made."""
    from cobudget.web.app import create_app

    app = create_app(replace(session_settings, page_cache_bytes=0))
    async with (
        AsyncTestClient(app=app, base_url="http://testserver.local") as visitor,
        AsyncTestClient(app=app, base_url="http://testserver.local") as member,
        AsyncTestClient(app=app, base_url="http://testserver.local") as lieu_admin,
        AsyncTestClient(app=app, base_url="http://testserver.local") as coordinator,
        AsyncTestClient(app=app, base_url="http://testserver.local") as cofunder,
        AsyncTestClient(app=app, base_url="http://testserver.local") as site_admin,
    ):
        yield dict(
            zip(
                ROLES,
                (visitor, member, lieu_admin, coordinator, cofunder, site_admin),
                strict=True,
            )
        )


async def _counts(
    clients: dict[str, AsyncTestClient],  # type: ignore[type-arg]
    paths: list[str],
) -> dict[tuple[str, str], tuple[int, int]]:
    """(path, role) -> (status, statements run by its second request)."""
    counts = {}
    for role, client in clients.items():
        for path in paths:
            await client.get(path)
            before = queries_run()
            response = await client.get(path)
            counts[path, role] = (response.status_code, queries_run() - before)
    return counts


async def test_no_page_reads_more_as_the_network_grows(
    clients: dict[str, AsyncTestClient],  # type: ignore[type-arg]
) -> None:
    demo = await _demo()
    for role, email in ROLES.items():
        if email:
            await log_in(clients[role], email, DEMO_PASSWORD)
    paths = demo.paths()
    small = await _counts(clients, paths)
    await grow(demo.network_id, by=12, more_rounds_for=(demo.challenge,))
    large = await _counts(clients, paths)

    table = "\n".join(
        f"{path:<48} {role:<12} {small[path, role][0]} {small[path, role][1]:>4} → "
        f"{large[path, role][1]:>4}"
        for path in paths
        for role in ROLES
    )
    print("\npage, role, status, statements on the demo → grown\n" + table)
    assert all(status < 500 for status, _ in [*small.values(), *large.values()]), table
    grows = [key for key in small if large[key][1] != small[key][1]]
    assert not grows, "these pages read more as the data grows:\n" + "\n".join(
        f"{path} as {role}: {small[path, role][1]} → {large[path, role][1]}" for path, role in grows
    )
    heavy = [key for key in large if large[key][1] > MOST_QUERIES]
    assert not heavy, f"over {MOST_QUERIES} statements:\n" + "\n".join(
        f"{path} as {role}: {large[path, role][1]}" for path, role in heavy
    )
