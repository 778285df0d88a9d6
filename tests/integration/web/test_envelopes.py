"""Envelopes (SPEC §4): a coordinator configures a draft and sees each lieu's drawing rights;
opening freezes the configuration; explicit moves change the calendar and are audited."""

from __future__ import annotations

import re

from cobudget.db.tables import AuditEntry, Envelope, EnvelopeLieu
from tests.integration.conftest import World, page_text, post_form
from tests.support import factories

FORM = {
    "title": "Enveloppe 2028",
    "amount": "100",
    "rule": "cofunding",
    "min_cofunders": "2",
    "own_challenge_cap_pct": "50",
    "quorum": "3",
    "eligible.association": "on",
    "eligible.scic": "on",
    "proposals_from": "2099-01-01T10:00",
    "diagnosis_from": "2099-02-01T10:00",
    "funding_from": "2099-03-01T10:00",
    "funding_until": "2099-04-01T10:00",
    "diagnosis_during_funding": "on",
}


def plain(text: str) -> str:
    return text.replace("\u202f", " ").replace("\xa0", " ")


async def _create(client, world: World, **changes: str):  # type: ignore[no-untyped-def]
    return await post_form(
        client,
        f"/reseaux/{world.network_slug}/enveloppes/nouvelle",
        {**FORM, **changes},
        form_page=f"/reseaux/{world.network_slug}",
    )


async def test_a_coordinator_configures_a_draft_and_sees_the_drawing_rights(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    third = await factories.make_lieu(world.network_id, "Le Troisième")
    client = await as_role("coordinator")
    response = await _create(client, world)
    assert response.status_code == 303
    envelope_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    page = plain((await client.get(f"/enveloppes/{envelope_id}")).text)
    assert "Brouillon" in page
    # 100 € among three lieux of weight 1, largest remainder, ties by lieu id: 33,34 + 33,33 + 33,33
    assert page.count("33,34 €") == 1 and page.count("33,33 €") == 2 and "100,00 €" in page
    lieux = await EnvelopeLieu.select().where(EnvelopeLieu.envelope == envelope_id)
    assert {row["lieu"] for row in lieux} == {world.lieu_id, world.other_lieu_id, third}
    assert await AuditEntry.exists().where(AuditEntry.action == "envelope.create")
    visitor = await as_role("visitor")
    assert (
        await visitor.get(f"/enveloppes/{envelope_id}")
    ).status_code == 404  # drafts stay inside


async def test_bad_configuration_is_refused_field_by_field(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    before = await Envelope.count()
    cases = [
        ({"amount": "12,345"}, "e-amount", "Deux chiffres après la virgule"),
        ({"amount": "-5"}, "e-amount", "négatif"),
        ({"funding_from": "2098-01-01T10:00"}, "e-funding_from", "vient avant"),
        ({"rule": "loterie"}, "rule", "Choisissez une des options"),
        ({"quorum": "0"}, "e-quorum", "entre 1 et 100"),
        ({"funding_until": "bientôt"}, "e-funding_until", "date et une heure"),
        ({"title": ""}, "e-title", "obligatoire"),
    ]
    for change, marker, message in cases:
        response = await _create(client, world, **change)
        assert response.status_code == 422, change
        assert marker in response.text and message in response.text, change
    assert await Envelope.count() == before


async def test_weights_change_the_drawing_rights_until_the_envelope_opens(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    path = f"/enveloppes/{world.draft_envelope_id}"
    edited = await post_form(
        client,
        f"{path}/modifier",
        {
            **FORM,
            "amount": "90",
            f"weight.{world.lieu_id}": "2",
            f"weight.{world.other_lieu_id}": "1",
        },
        form_page=f"{path}/modifier",
    )
    assert edited.status_code == 303
    page = plain((await client.get(path)).text)
    assert "60,00 €" in page and "30,00 €" in page
    opened = await post_form(client, f"{path}/calendrier", {"move": "open"}, form_page=path)
    assert opened.status_code == 303
    assert "Propositions" in (await client.get(path)).text
    # A form filled in while the envelope was opened comes back with what was typed, no 403.
    frozen = await post_form(client, f"{path}/modifier", {**FORM, "amount": "1"}, form_page=path)
    assert frozen.status_code == 422 and "sa configuration ne change plus" in frozen.text
    assert re.search(r'name="amount" type="text"\s+value="1"', frozen.text)
    # Opened, the envelope offers no configuration form, and its address says why.
    page = await client.get(path)
    assert "Modifier la configuration" not in page.text
    assert "sa configuration ne change plus" in page.text
    explained = await client.get(f"{path}/modifier")
    assert explained.status_code == 200 and "ne change plus" in explained.text
    assert 'action="/enveloppes/' not in explained.text.split("<main")[1]
    row = (
        await Envelope.select(Envelope.amount_cents)
        .where(Envelope.id == world.draft_envelope_id)
        .first()
    )
    assert row == {"amount_cents": 9000}


def _words(response) -> str:  # type: ignore[no-untyped-def]
    """The page's words without its tags (the phase is a badge) and with plain spaces."""
    return re.sub(r"<[^>]+>", "", page_text(response))


async def test_explicit_moves_follow_the_lifecycle_and_are_audited(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    path = f"/enveloppes/{world.envelope_id}"  # in funding
    assert "Contributions" in (await client.get(path)).text
    asked = await post_form(client, f"{path}/calendrier", {"move": "close"}, form_page=path)
    assert asked.status_code == 200 and "Clore les contributions maintenant ?" in page_text(asked)
    assert "Phase : Contributions closes" not in _words(await client.get(path))  # unchanged
    closed = await post_form(
        client, f"{path}/calendrier", {"move": "close", "confirm": "1"}, form_page=path
    )
    assert closed.status_code == 303
    assert "Phase : Contributions closes" in _words(await client.get(path))
    again = await post_form(
        client, f"{path}/calendrier", {"move": "close", "confirm": "1"}, form_page=path
    )
    assert again.status_code == 403 and "pas ouvertes" in again.text
    past = await post_form(
        client,
        f"{path}/calendrier",
        {"move": "reopen", "until": "2020-01-01T10:00"},
        form_page=path,
    )
    assert past.status_code == 403 and "plus tardive" in past.text
    reopened = await post_form(
        client,
        f"{path}/calendrier",
        {"move": "reopen", "until": "2099-01-01T10:00"},
        form_page=path,
    )
    assert reopened.status_code == 303
    assert "Phase : Contributions ouvertes" in _words(await client.get(path))
    actions = [
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.entity == "envelope")
        .where(AuditEntry.action != "envelope.settle")  # the world's settled envelope
        .order_by(AuditEntry.id)
    ]
    assert actions == ["envelope.close", "envelope.reopen"]
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "envelope.reopen")
        .output(load_json=True)
        .first()
    )
    assert (
        entry is not None
        and entry["before"]["phase"] == "closed"
        and entry["after"]["phase"] == "funding"
    )
