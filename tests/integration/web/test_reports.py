"""Follow-up through HTTP (SPEC §7): the proposers of a funded challenge write one report per
period, saved as a draft then published (publishing again updates it, never adds one); a
coordinator asks for changes then validates, and only then does the next period open; only
validated spending counts as spent, published spending is shown apart; a report that is empty,
takes a line above its maximum or spends more than the challenge received is refused with its
sentence, and every refusal, for every role, changes nothing."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import AuditEntry, Deliverable, OutboxMessage, Report, ReportSpending
from tests.integration.conftest import World, log_in, post_form
from tests.integration.conftest import page_text as _t
from tests.support import factories

OTHER_MEMBER = "membre.comptoir@exemple.fr"  # a member of the other lieu: not a proposer


def _new(world: World, challenge: int | None = None) -> str:
    return (
        f"/enveloppes/{world.settled_envelope_id}/defis/"
        f"{challenge or world.funded_challenge_id}/rapports/nouveau"
    )


async def _state() -> tuple[object, ...]:
    """Everything a report write could change."""
    return (
        await Report.select(
            Report.id, Report.period, Report.status, Report.progress, Report.delivery
        ).order_by(Report.id),
        await ReportSpending.select(
            ReportSpending.report,
            ReportSpending.budget_line,
            ReportSpending.amount_cents,
            ReportSpending.paid_from,
        ).order_by(ReportSpending.id),
        await Deliverable.select(Deliverable.report, Deliverable.url).order_by(Deliverable.id),
        await OutboxMessage.count(),
        await AuditEntry.count(),
    )


async def _fresh(world: World) -> int:
    """The funded challenge with no report yet (the world's one is removed); its line."""
    await Report.delete().where(Report.id == world.draft_report_id)
    return await factories.budget_line_of(world.funded_challenge_id)


@pytest.fixture
async def other_member(world: World) -> int:
    """A member of the other lieu, which proposes the world's challenge in review."""
    user = await factories.make_user(OTHER_MEMBER, "Léa Comptoir")
    await factories.add_member(user, world.other_lieu_id)
    return user


def _report_id(response) -> int:  # type: ignore[no-untyped-def]
    return int(re.search(r"/rapports/(\d+)", response.headers["location"]).group(1))  # type: ignore[union-attr]


async def test_one_report_per_period_published_once_and_counted_once_validated(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    line = await _fresh(world)
    await log_in(client, world.emails["member"])
    form = await client.get(_new(world))
    assert form.status_code == 200 and "période 1" in _t(form)
    data = {
        f"spending.{line}": "600,50",
        f"own_funds.{line}": "100",
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
    report_id = _report_id(saved)
    # « Écrire » again takes up the draft in progress instead of starting another report.
    again = await client.get(_new(world), follow_redirects=False)
    assert (
        again.status_code == 303 and again.headers["location"] == f"/rapports/{report_id}/modifier"
    )
    client.cookies.clear()
    assert (await client.get(f"/rapports/{report_id}")).status_code == 404  # a draft is private
    trail = await client.get(f"/enveloppes/{world.settled_envelope_id}/suivi")
    assert "Le logiciel de réservation" not in _t(trail)  # drafts count for nothing

    # « Publier » from the challenge publishes that same report: one report, one email.
    await log_in(client, world.emails["lieu_admin"])
    before = await OutboxMessage.count()
    published = await post_form(client, _new(world), {**data, "publish": "1"})
    assert published.status_code == 303 and _report_id(published) == report_id
    assert await Report.count().where(Report.challenge == world.funded_challenge_id) == 1
    coordinators = await OutboxMessage.select().where(OutboxMessage.id > before)
    assert [m["to_address"] for m in coordinators] == [world.emails["coordinator"]]
    # Publishing once more is refused until a coordinator has reviewed it: nothing changes.
    state = await _state()
    twice = await post_form(client, _new(world), {**data, "publish": "1"})
    assert twice.status_code == 403 and "attend la validation" in _t(twice)
    edited = await post_form(client, f"/rapports/{report_id}/modifier", data)
    assert edited.status_code == 403 and "ne se modifie plus" in _t(edited)
    assert await _state() == state

    client.cookies.clear()
    page = await client.get(f"/rapports/{report_id}")
    assert "Facture 2027-014" in _t(page) and "600,50 €" in _t(page) and "100,00 €" in _t(page)
    assert "Période 1" in _t(page)
    trail = _t(await client.get(f"/enveloppes/{world.settled_envelope_id}/suivi"))
    # Awaiting validation: shown apart, not counted as spent.
    assert 'id="trail-spent">0,00 €' in trail and 'id="trail-pending">600,50 €' in trail
    pending = trail.split('class="pending-deliverables"', 1)[1].split("</ul>", 1)[0]
    assert "Le logiciel de réservation" in pending and "en attente de validation" in pending

    await log_in(client, world.emails["coordinator"])
    validated = await post_form(
        client, f"/rapports/{report_id}/revue", {"decision": "validate", "comment": ""}
    )
    assert validated.status_code == 303
    client.cookies.clear()
    trail = _t(await client.get(f"/enveloppes/{world.settled_envelope_id}/suivi"))
    assert 'id="trail-spent">600,50 €' in trail and 'id="trail-pending">0,00 €' in trail
    assert "Le logiciel de réservation" in trail.split('class="deliverables"', 1)[1]

    # Validated: the next period opens, as a new report.
    await log_in(client, world.emails["member"])
    follow_up = _t(await client.get(f"/enveloppes/{world.settled_envelope_id}/suivi"))
    assert "Écrire le compte rendu de la période 2" in follow_up
    second = await client.get(_new(world))
    assert second.status_code == 200 and "période 2" in _t(second)
    started = await post_form(
        client, _new(world), {"progress": "La deuxième version avance.", "publish": "0"}
    )
    assert started.status_code == 303 and _report_id(started) != report_id
    periods = await Report.select(Report.period).where(
        Report.challenge == world.funded_challenge_id
    )
    assert sorted(r["period"] for r in periods) == [1, 2]


BAD_REPORTS = [
    # (what is wrong, form fields with LINE for the budget line, status, words of the message)
    ("unknown line", {"spending.999999": "10"}, 422, "n’appartient pas à la version financée"),
    ("negative", {"spending.LINE": "-10"}, 422, "ne peut pas être négatif"),
    ("not an amount", {"own_funds.LINE": "dix"}, 422, "Indiquez un montant en euros"),
    ("licence", {"deliverable.0.licence": "other"}, 422, "doit être sous licence libre"),
    ("link", {"deliverable.0.url": "forge.exemple.fr sans schéma"}, 422, "commençant par https://"),
    ("delivery", {"delivery": "abandonné"}, 422, "Choisissez une des options"),
    (
        "empty",
        {"deliverable.0.title": "", "deliverable.0.url": "", "progress": " "},
        422,
        "Un compte rendu dit au moins une chose",
    ),
    # The line's maximum is 2 000 €, what the challenge received 1 500 €.
    ("above the line's maximum", {"spending.LINE": "2 100"}, 422, "il lui reste 2 000,00 €"),
    (
        "above the maximum with own funds",
        {"spending.LINE": "1 000", "own_funds.LINE": "1 000,01"},
        422,
        "dépasseraient son maximum",
    ),
    ("above what was received", {"spending.LINE": "1 600"}, 422, "il en reste 1 500,00 €"),
]
ROLES = {
    "proposer member": "member",
    "other member": OTHER_MEMBER,
    "coordinator": "coordinator",
    "visitor": None,
}


@pytest.mark.parametrize("who", list(ROLES))
@pytest.mark.parametrize(("wrong", "fields", "status", "message"), BAD_REPORTS)
async def test_a_bad_report_is_refused_for_every_role_and_changes_nothing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    other_member: int,
    who: str,
    wrong: str,
    fields: dict[str, str],
    status: int,
    message: str,
) -> None:
    line = await _fresh(world)
    email = ROLES[who]
    if email is not None:
        await log_in(client, world.emails.get(email, email))
    data = {
        "deliverable.0.title": "Un guide",
        "deliverable.0.url": "https://exemple.fr/guide",
        "deliverable.0.licence": "etalab-2.0",
        "delivery": "in_progress",
        "publish": "1",
        **{name.replace("LINE", str(line)): value for name, value in fields.items()},
    }
    before = await _state()
    response = await post_form(client, _new(world), data)
    if who == "proposer member":
        assert response.status_code == status and message in _t(response), wrong
        # In the summary at the top, and again next to its field (a line the form lacks has
        # no field to stand by).
        assert _t(response).count(message) == (1 if wrong == "unknown line" else 2), wrong
    else:
        assert response.status_code == (401 if who == "visitor" else 403)
    assert await _state() == before


async def test_own_funds_beyond_what_was_received_are_declared_apart(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    line = await _fresh(world)
    await log_in(client, world.emails["member"])
    response = await post_form(
        client,
        _new(world),
        {f"spending.{line}": "1 500", f"own_funds.{line}": "500", "publish": "1"},
    )
    assert response.status_code == 303
    rows = await ReportSpending.select(ReportSpending.paid_from, ReportSpending.amount_cents)
    assert sorted((r["paid_from"], r["amount_cents"]) for r in rows) == [
        ("envelope", 150_000),
        ("own_funds", 50_000),
    ]


async def test_earlier_reports_count_against_the_maximum_and_what_was_received(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    line = await _fresh(world)
    await factories.make_report(
        world.settled_envelope_id,
        world.funded_challenge_id,
        status="validated",
        spending=((line, 120_000),),
        own_funds=((line, 20_000),),
    )
    await log_in(client, world.emails["member"])
    before = await _state()
    over_line = await post_form(client, _new(world), {f"own_funds.{line}": "700", "publish": "1"})
    assert over_line.status_code == 422 and "il lui reste 600,00 €" in _t(over_line)
    over_received = await post_form(
        client, _new(world), {f"spending.{line}": "400", "publish": "1"}
    )
    assert over_received.status_code == 422 and "il en reste 300,00 €" in _t(over_received)
    assert await _state() == before
    accepted = await post_form(
        client, _new(world), {f"spending.{line}": "300", f"own_funds.{line}": "300", "publish": "1"}
    )
    assert accepted.status_code == 303


async def test_a_report_awaiting_validation_counts_against_the_maximum_too(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    # Reports written before periods existed: period 1 awaits validation while period 2 was
    # sent back; editing period 2 counts what period 1 holds.
    line = await _fresh(world)
    await factories.make_report(
        world.settled_envelope_id, world.funded_challenge_id, spending=((line, 100_000),)
    )
    second = await factories.make_report(
        world.settled_envelope_id, world.funded_challenge_id, status="changes_requested", period=2
    )
    await log_in(client, world.emails["member"])
    before = await _state()
    refused = await post_form(
        client, f"/rapports/{second}/modifier", {f"spending.{line}": "600", "publish": "1"}
    )
    assert refused.status_code == 422 and "il en reste 500,00 €" in _t(refused)
    assert await _state() == before


async def test_no_report_on_a_challenge_the_envelope_did_not_fund(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    await log_in(client, world.emails["member"])
    before = await _state()
    response = await post_form(
        client, _new(world, world.consented_challenge_id), {"progress": "x", "publish": "1"}
    )
    assert response.status_code == 422 and "n’a pas été financé" in _t(response)
    assert (await client.get(_new(world, world.consented_challenge_id))).status_code == 422
    assert await _state() == before


async def test_a_coordinator_asks_for_changes_then_validates(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    other_member: int,
) -> None:
    await log_in(client, world.emails["coordinator"])
    path = f"/rapports/{world.report_id}"
    page = await client.get(path)
    assert "Valider le compte rendu" in _t(page)
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
    assert {m["to_address"] for m in told} == {OTHER_MEMBER}
    assert all("Modifications demandées" in m["subject"] for m in told)
    twice = await post_form(client, f"{path}/revue", {"decision": "validate", "comment": ""})
    assert twice.status_code == 403 and "Seul un compte rendu publié" in _t(twice)

    await log_in(client, OTHER_MEMBER)
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


async def test_a_lieu_page_shows_what_it_pledged_received_and_produced(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    line = await _fresh(world)
    await factories.make_report(
        world.settled_envelope_id,
        world.funded_challenge_id,
        status="validated",
        spending=((line, 90_000),),
        deliverables=(("Un atelier ouvert", "https://exemple.fr/atelier"),),
    )
    await factories.make_report(
        world.settled_envelope_id,
        world.funded_challenge_id,
        period=2,
        deliverables=(("Un brouillon de guide", "https://exemple.fr/guide"),),
    )
    proposer = _t(await client.get("/lieux/la-fabrique"))
    assert "Promis, reçu, produit" in proposer
    assert "1 500,00 € (Un commun financé)" in proposer and "Un atelier ouvert" in proposer
    assert "Un brouillon de guide" not in proposer  # awaiting validation
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
