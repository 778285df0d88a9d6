"""Follow-up through HTTP (SPEC §7): the proposers of a funded challenge write, publish and
amend reports; a coordinator asks for changes then validates; everyone concerned is told; the
money trail shows the same numbers as a picture and as a table; every refusal changes nothing."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import Deliverable, OutboxMessage, Report, ReportSpending
from cobudget.services import settlements
from tests.integration.conftest import World, log_in, post_form
from tests.support import factories


def _t(response) -> str:  # type: ignore[no-untyped-def]
    return str(response.text).replace("\u202f", " ").replace("\xa0", " ")


def _new(world: World, challenge: int | None = None) -> str:
    return (
        f"/enveloppes/{world.settled_envelope_id}/defis/"
        f"{challenge or world.funded_challenge_id}/rapports/nouveau"
    )


async def _counts() -> tuple[int, int, int]:
    return await Report.count(), await ReportSpending.count(), await Deliverable.count()


async def test_proposers_write_a_draft_then_publish_and_the_trail_counts_it(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    line = await factories.budget_line_of(world.funded_challenge_id)
    await log_in(client, world.emails["member"])
    form = await client.get(_new(world))
    assert form.status_code == 200 and "Dépenses par ligne budgétaire" in _t(form)
    data = {
        f"spending.{line}": "600,50",
        f"receipt.{line}": "Facture 2027-014",
        "deliverable.0.title": "Le logiciel de réservation",
        "deliverable.0.url": "https://forge.exemple.fr/reservation",
        "deliverable.0.licence": "agpl-3.0",
        "progress": "La première version tourne dans deux lieux.",
        "delivery": "in_progress",
        "publish": "0",
    }
    saved = await post_form(client, _new(world), data)
    assert saved.status_code == 303
    report_id = int(re.search(r"/rapports/(\d+)", saved.headers["location"]).group(1))  # type: ignore[union-attr]
    client.cookies.clear()
    assert (await client.get(f"/rapports/{report_id}")).status_code == 404  # a draft is private
    trail = await client.get(f"/enveloppes/{world.settled_envelope_id}/suivi")
    assert "Le logiciel de réservation" not in _t(trail)  # drafts count for nothing

    await log_in(client, world.emails["lieu_admin"])
    before = await OutboxMessage.count()
    published = await post_form(client, f"/rapports/{report_id}/modifier", {**data, "publish": "1"})
    assert published.status_code == 303
    coordinators = await OutboxMessage.select().where(OutboxMessage.id > before)
    assert [m["to_address"] for m in coordinators] == [world.emails["coordinator"]]
    client.cookies.clear()
    page = await client.get(f"/rapports/{report_id}")
    assert "Facture 2027-014" in _t(page) and "600,50 €" in _t(page)
    assert "GNU Affero" in _t(page) or "AGPL" in _t(page)
    trail = await client.get(f"/enveloppes/{world.settled_envelope_id}/suivi")
    assert "Le logiciel de réservation" in _t(trail)
    assert "Rapporté comme dépensé" in _t(trail) and "600,50 €" in _t(trail)
    # Published: no more edits until a coordinator asks for changes.
    await log_in(client, world.emails["member"])
    again = await post_form(client, f"/rapports/{report_id}/modifier", data)
    assert again.status_code == 403 and "ne se modifie plus" in _t(again)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("spending.999999", "10", "n’appartient pas à la version financée"),
        ("spending.LINE", "-10", "ne peut pas être négatif"),
        ("spending.LINE", "dix", "Indiquez un montant en euros"),
        ("deliverable.0.licence", "other", "sous licence libre"),
        ("deliverable.0.url", "forge.exemple.fr sans schéma", "commençant par https://"),
        ("delivery", "abandonné", "Choisissez une des options"),
    ],
)
async def test_a_bad_report_says_why_and_writes_nothing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    field: str,
    value: str,
    message: str,
) -> None:
    line = await factories.budget_line_of(world.funded_challenge_id)
    await log_in(client, world.emails["member"])
    data = {
        "deliverable.0.title": "Un guide",
        "deliverable.0.url": "https://exemple.fr/guide",
        "deliverable.0.licence": "etalab-2.0",
        "delivery": "in_progress",
        "publish": "1",
        field.replace("LINE", str(line)): value,
    }
    before = await _counts()
    response = await post_form(client, _new(world), data)
    assert response.status_code == 422 and message in _t(response)
    assert await _counts() == before


async def test_no_report_on_a_challenge_the_envelope_did_not_fund(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    await log_in(client, world.emails["member"])
    before = await _counts()
    response = await post_form(
        client, _new(world, world.consented_challenge_id), {"progress": "x", "publish": "1"}
    )
    assert response.status_code == 422 and "n’a pas été financé" in _t(response)
    assert (await client.get(_new(world, world.consented_challenge_id))).status_code == 422
    assert await _counts() == before


async def test_a_coordinator_asks_for_changes_then_validates(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    await log_in(client, world.emails["coordinator"])
    path = f"/rapports/{world.report_id}"
    page = await client.get(path)
    assert "Valider le rapport" in _t(page)
    empty = await post_form(client, f"{path}/revue", {"decision": "request_changes", "comment": ""})
    assert empty.status_code == 422 and "obligatoire" in _t(empty)
    before = await OutboxMessage.count()
    sent_back = await post_form(
        client,
        f"{path}/revue",
        {"decision": "request_changes", "comment": "Joignez la facture de l’hébergeur."},
    )
    assert sent_back.status_code == 303
    told = await OutboxMessage.select().where(OutboxMessage.id > before)
    assert {m["to_address"] for m in told} == {world.emails["member"], world.emails["lieu_admin"]}
    assert all("Modifications demandées" in m["subject"] for m in told)
    twice = await post_form(client, f"{path}/revue", {"decision": "validate", "comment": ""})
    assert twice.status_code == 403 and "Seul un rapport publié" in _t(twice)

    await log_in(client, world.emails["member"])
    form = await client.get(f"{path}/modifier")
    assert "Joignez la facture de l’hébergeur." in _t(form)
    republished = await post_form(
        client,
        f"{path}/modifier",
        {"progress": "Facture jointe.", "delivery": "delivered", "publish": "1"},
    )
    assert republished.status_code == 303

    await log_in(client, world.emails["coordinator"])
    validated = await post_form(client, f"{path}/revue", {"decision": "validate", "comment": ""})
    assert validated.status_code == 303
    page = await client.get(path)
    assert "Validé" in _t(page) and "Livré" in _t(page)


async def test_the_trail_picture_and_table_show_the_same_numbers_and_flag_overspending(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    line = await factories.budget_line_of(world.funded_challenge_id)
    # The line's maximum is 2 000 €: 2 100 € reported is flagged (not refused).
    await factories.make_report(
        world.settled_envelope_id,
        world.funded_challenge_id,
        spending=((line, 210_000),),
        deliverables=(
            ("Une carte", "https://exemple.fr/carte"),
            ("Un guide", "https://exemple.fr/g"),
        ),
    )
    page = await client.get(f"/enveloppes/{world.settled_envelope_id}/suivi")
    assert page.status_code == 200
    text = _t(page)
    assert "au-dessus du maximum" in text
    record = await settlements.stored(world.settled_envelope_id)
    assert record is not None
    received = sum(c.total_cents for c in record.decoded.challenges if c.funded)
    svg = text.split('<svg id="trail-svg"', 1)[1].split("</svg>", 1)[0]
    table = text.split('<table id="trail-table"', 1)[1].split("</table>", 1)[0]
    money_bands = [
        int(a) for a in re.findall(r'class="band band-money"[^>]*data-amount="(\d+)"', svg)
    ]
    rows = [int(a) for a in re.findall(r'<tr data-amount="(\d+)"', table)]
    assert sum(money_bands) == sum(rows) == received == 150_000
    assert sorted(money_bands) == sorted(rows)
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    spent_bands = [
        int(a) for a in re.findall(r'class="band band-spent"[^>]*data-amount="(\d+)"', svg)
    ]
    assert sum(spent_bands) == 210_000  # shared between the two deliverables


async def test_a_lieu_page_shows_what_it_pledged_received_and_produced(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    line = await factories.budget_line_of(world.funded_challenge_id)
    await factories.make_report(
        world.settled_envelope_id,
        world.funded_challenge_id,
        spending=((line, 90_000),),
        deliverables=(("Un atelier ouvert", "https://exemple.fr/atelier"),),
    )
    proposer = _t(await client.get("/lieux/la-fabrique"))
    assert "Promis, reçu, produit" in proposer
    assert "1 500,00 € (Un commun financé)" in proposer and "Un atelier ouvert" in proposer
    funder = _t(await client.get("/lieux/le-comptoir"))
    assert "Promis, reçu, produit" in funder and "1 500,00 €" in funder


async def test_a_lieu_page_keeps_a_private_networks_envelopes_private(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    # The lieux are in a public network, and also in a private one that settled an envelope:
    # a visitor reads the lieu through the public network, not the private one's money.
    from cobudget.db.tables import Envelope, NetworkLieu
    from cobudget.services.queries.lieu_record import lieu_record

    private = await factories.make_network("Réseau discret", public=False)
    lieux = [world.lieu_id, world.other_lieu_id]
    await NetworkLieu.insert(*(NetworkLieu(network=private, lieu=lieu) for lieu in lieux))
    await Envelope.update({Envelope.network: private}).where(
        Envelope.id == world.settled_envelope_id
    )
    visitor = _t(await client.get("/lieux/la-fabrique"))
    assert "Promis, reçu, produit" not in visitor and "Un commun financé" not in visitor
    # Read with the private network, the same record is there.
    assert [r.envelope_id for r in await lieu_record(world.lieu_id, [private])] == [
        world.settled_envelope_id
    ]
