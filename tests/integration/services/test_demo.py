"""The demo data loads into an empty database, once, and every page it leads to renders."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from cobudget.db.tables import Challenge, Envelope, Lieu, User
from cobudget.services.demo import DEMO_PASSWORD, load_demo
from tests.integration.conftest import log_in, page_text


async def test_demo_network_has_every_role_and_challenges_in_every_state(
    client: AsyncTestClient,
) -> None:  # type: ignore[type-arg]
    assert await load_demo() is True
    assert await load_demo() is False  # never over existing data
    assert await Lieu.count() == 12 and await User.count() == 9
    network = await client.get("/reseaux/reseau-des-tiers-lieux-du-massif-demo")
    assert network.status_code == 200 and "Un outil de réservation partagé" in network.text
    outcomes = []
    for row in await Challenge.select(Challenge.id, Challenge.current_version):
        page = await client.get(f"/defis/{row['id']}")
        if not row["current_version"]:
            assert page.status_code == 404  # the draft is its proposers' only
            continue
        assert page.status_code == 200
        outcomes += [label for label in ("Consenti", "À amender", "En cours") if label in page.text]
    assert sorted(set(outcomes)) == ["Consenti", "En cours", "À amender"]
    # An envelope in funding with its live projection, and a settled one with its follow-up.
    ids = {row["title"]: row["id"] for row in await Envelope.select(Envelope.id, Envelope.title)}
    funding = await client.get(f"/enveloppes/{ids['Enveloppe 2027 — communs des tiers-lieux']}")
    assert "Projection en direct" in funding.text and "Serait financé" in funding.text
    settled = ids["Enveloppe 2026 — communs numériques"]
    follow_up = await client.get(f"/enveloppes/{settled}/suivi")
    assert "Une cartographie ouverte des tiers-lieux" in follow_up.text
    assert "Carte des tiers-lieux du Massif" in follow_up.text
    # Its validated report is one the checks of SPEC §7 accept.
    trail = (await client.get(f"/api/envelopes/{settled}/follow-up")).json()
    for challenge in trail["challenges"]:
        assert challenge["spent_cents"] <= challenge["received_cents"]
        assert all(line["spent_cents"] <= line["max_cents"] for line in challenge["lines"])
    assert trail["spent_cents"] == 350_000
    verified = await client.get(f"/enveloppes/{settled}/verification")
    assert "le calcul donne exactement la même répartition" in page_text(verified)
    await log_in(client, "coordination@demo.cobudget.fr", DEMO_PASSWORD)
    assert (
        await client.get("/reseaux/reseau-des-tiers-lieux-du-massif-demo/gerer")
    ).status_code == 200
