"""Who takes part in an envelope (issue 17): the coordinator ticks the lieux of a draft and their
weights, the drawing rights follow; bad choices change nothing; once open, nothing changes; an
envelope where no lieu could receive money is not opened."""

from __future__ import annotations

import re

from cobudget.db.tables import AuditEntry, Envelope, EnvelopeLieu, Lieu
from cobudget.services import envelope_inputs
from tests.integration.conftest import World, page_text, post_form
from tests.integration.web.test_envelopes import FORM
from tests.support import factories


async def _lieux(envelope_id: int) -> dict[int, int]:
    rows = await EnvelopeLieu.select(EnvelopeLieu.lieu, EnvelopeLieu.weight).where(
        EnvelopeLieu.envelope == envelope_id
    )
    return {row["lieu"]: row["weight"] for row in rows}


async def _edit(client, envelope_id: int, **fields: str):  # type: ignore[no-untyped-def]
    path = f"/enveloppes/{envelope_id}"
    return await post_form(
        client, f"{path}/modifier", {**FORM, "lieux_chosen": "1", **fields}, form_page=path
    )


async def test_the_form_offers_every_lieu_of_the_network_ticked_with_its_weight(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    page = (await client.get(f"/reseaux/{world.network_slug}/enveloppes/nouvelle")).text
    assert 'name="lieux_chosen" value="1"' in page
    for lieu in (world.lieu_id, world.other_lieu_id):
        assert f'name="lieu.{lieu}" checked' in page
        assert re.search(rf'name="weight\.{lieu}" type="number"\s+value="1"', page)


async def test_a_coordinator_creates_an_envelope_with_the_lieux_and_weights_chosen(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/enveloppes/nouvelle",
        {
            **FORM,
            "lieux_chosen": "1",
            f"lieu.{world.lieu_id}": "on",
            f"weight.{world.lieu_id}": "3",
            f"weight.{world.other_lieu_id}": "7",  # not ticked: not taking part
        },
        form_page=f"/reseaux/{world.network_slug}",
    )
    assert response.status_code == 303, response.text
    envelope_id = int(response.headers["location"].split("?")[0].rsplit("/", 1)[1])
    assert await _lieux(envelope_id) == {world.lieu_id: 3}
    page = page_text(await client.get(f"/enveloppes/{envelope_id}"))
    assert "Le Comptoir" not in page.split('id="droits"')[1]
    assert page.count("100,00 €") >= 2  # the amount, and the one lieu's drawing rights


async def test_a_draft_gains_and_loses_lieux_and_the_preview_follows(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    third = await factories.make_lieu(world.network_id, "Le Troisième")  # joined after the draft
    client = await as_role("coordinator")
    envelope = world.draft_envelope_id
    form = (await client.get(f"/enveloppes/{envelope}/modifier")).text
    assert f'name="lieu.{third}" >' in form  # offered, not ticked: the draft did not change
    assert await _lieux(envelope) == {world.lieu_id: 1, world.other_lieu_id: 1}
    response = await _edit(
        client,
        envelope,
        **{f"lieu.{world.lieu_id}": "on", f"lieu.{third}": "on", f"weight.{third}": "3"},
    )
    assert response.status_code == 303, response.text
    assert await _lieux(envelope) == {world.lieu_id: 1, third: 3}
    page = page_text(await client.get(f"/enveloppes/{envelope}"))
    # 100 € split 1:3 → 25 € and 75 €
    assert "25,00 €" in page and "75,00 €" in page
    entry = (
        await AuditEntry.select(AuditEntry.before, AuditEntry.after)
        .where(AuditEntry.action == "envelope.configure")
        .order_by(AuditEntry.id, ascending=False)
        .first()
        .output(load_json=True)
    )
    assert entry is not None
    assert entry["before"]["weights"] == {str(world.lieu_id): 1, str(world.other_lieu_id): 1}
    assert entry["after"]["weights"] == {str(world.lieu_id): 1, str(third): 3}
    # The engine reads the envelope's lieux, not the network's.
    loaded = await envelope_inputs.load(envelope)
    assert loaded.members == frozenset({world.lieu_id, third})
    weighted = {lieu.id: lieu.weight for lieu in loaded.inputs.lieux if lieu.weight}
    assert weighted == {world.lieu_id: 1, third: 3}


async def test_bad_choices_are_refused_and_change_nothing(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    outsider_network = await factories.make_network("Réseau Voisin")
    outsider = await factories.make_lieu(outsider_network, "Lieu Voisin")
    client = await as_role("coordinator")
    envelope = world.draft_envelope_id
    before = await _lieux(envelope)
    ticked = {f"lieu.{world.lieu_id}": "on"}
    cases = [
        ({}, "Cochez au moins un lieu"),
        ({**ticked, f"weight.{world.lieu_id}": "0"}, "entre 1 et 100"),
        ({**ticked, f"weight.{world.lieu_id}": "101"}, "entre 1 et 100"),
        ({**ticked, f"weight.{world.lieu_id}": "deux"}, "nombre entier"),
        ({**ticked, f"lieu.{outsider}": "on"}, "ne fait pas partie du réseau"),
        ({"lieu.99999999999999": "on"}, "Choisissez une des options"),
    ]
    for fields, message in cases:
        response = await _edit(client, envelope, **fields)
        assert response.status_code == 422, fields
        assert message in page_text(response), (fields, message)
    assert await _lieux(envelope) == before
    assert not await AuditEntry.exists().where(AuditEntry.action == "envelope.configure")


async def test_once_open_the_lieux_no_longer_change(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    envelope = world.envelope_id  # in funding
    before = await _lieux(envelope)
    response = await _edit(client, envelope, **{f"lieu.{world.lieu_id}": "on"})
    assert response.status_code == 422
    assert "sa configuration ne change plus" in response.text
    assert await _lieux(envelope) == before


async def test_an_envelope_no_lieu_could_receive_money_from_is_not_opened(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    client = await as_role("coordinator")
    envelope = world.draft_envelope_id
    path = f"/enveloppes/{envelope}"
    # Only SCOP may receive money; the lieux are an association and a SCIC.
    response = await post_form(
        client,
        f"{path}/modifier",
        {
            key: value
            for key, value in {**FORM, "eligible.scop": "on"}.items()
            if key not in ("eligible.association", "eligible.scic")
        },
        form_page=path,
    )
    assert response.status_code == 303, response.text
    page = page_text(await client.get(path))
    assert "aucun ne pourrait recevoir son argent" in page  # warned on the draft's page
    refused = await post_form(client, f"{path}/calendrier", {"move": "open"}, form_page=path)
    assert refused.status_code == 422
    assert "Aucun lieu de l’enveloppe n’a une forme juridique éligible" in page_text(refused)
    row = await Envelope.select(Envelope.opened_at).where(Envelope.id == envelope).first()
    assert row == {"opened_at": None}
    assert not await AuditEntry.exists().where(AuditEntry.action == "envelope.open")
    # A lieu that becomes a SCOP makes it possible.
    await Lieu.update({Lieu.legal_form: "scop"}).where(Lieu.id == world.other_lieu_id)
    opened = await post_form(client, f"{path}/calendrier", {"move": "open"}, form_page=path)
    assert opened.status_code == 303
    assert await AuditEntry.exists().where(AuditEntry.action == "envelope.open")


async def test_a_lieu_outside_the_envelope_cannot_pledge_in_it(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    """Only the envelope's lieux have drawing rights and pledge: the member's lieu taken out
    of an envelope in funding (as if it had been left out of the draft) is refused."""
    await EnvelopeLieu.delete().where(
        (EnvelopeLieu.envelope == world.envelope_id) & (EnvelopeLieu.lieu == world.lieu_id)
    )
    client = await as_role("member")
    path = f"/enveloppes/{world.envelope_id}"
    response = await post_form(
        client,
        f"{path}/contributions",
        {
            "unit": f"lieu:{world.lieu_id}",
            "challenge": str(world.consented_challenge_id),
            "source": "drawing_rights",
            "amount": "10",
        },
        form_page=path,
    )
    assert response.status_code == 403


async def test_a_form_that_cannot_be_read_shows_the_lieux_and_weights_to_coordinators_only(
    as_role, world: World
) -> None:  # type: ignore[no-untyped-def]
    """A field name that is not an id makes the form unreadable: the answer is the refusal
    (401, 403), not the coordinator's form with the network's lieux and their weights."""
    envelopes_before = await Envelope.count()
    for role, status in (("visitor", 401), ("member", 403), ("lieu_admin", 403)):
        client = await as_role(role)
        for path, form_page in (
            (
                f"/reseaux/{world.network_slug}/enveloppes/nouvelle",
                f"/reseaux/{world.network_slug}",
            ),
            (f"/enveloppes/{world.envelope_id}/modifier", f"/enveloppes/{world.envelope_id}"),
        ):
            response = await post_form(
                client, path, {**FORM, "lieux_chosen": "1", "lieu.abc": "on"}, form_page=form_page
            )
            assert response.status_code == status, (role, path, response.status_code)
            assert 'name="weight.' not in response.text
    assert await Envelope.count() == envelopes_before
