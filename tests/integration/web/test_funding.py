"""Funding an envelope through HTTP (SPEC §4, §6): pledges and support move the live projection,
every refusal says why and changes nothing, hidden pledges stay hidden, settling stores the
settlement once (even if it crashes half-way), anyone verifies it, the rules are compared, a
next round carries over what the coordinator chooses, and everyone concerned is told."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import (
    AuditEntry,
    Envelope,
    EnvelopeLieu,
    OutboxMessage,
    Pledge,
    SettlementRecord,
    Support,
)
from cobudget.domain.permissions import Actor
from cobudget.services import envelope_inputs, settlements
from cobudget.services.clock import now
from cobudget.settings import Settings
from cobudget.web.context import SESSION_COOKIE
from tests.conftest import csrf_token
from tests.integration.conftest import World, log_in, post_form
from tests.integration.conftest import page_text as _t
from tests.support import factories

HTMX = {"HX-Request": "true"}


async def _pledge(
    client: AsyncTestClient,  # type: ignore[type-arg]
    envelope_id: int,
    challenge_id: int,
    unit: str,
    amount: str,
    source: str = "drawing_rights",
    **extra: str,
):  # type: ignore[no-untyped-def]
    return await post_form(
        client,
        f"/enveloppes/{envelope_id}/contributions",
        {"challenge": str(challenge_id), "unit": unit, "source": source, "amount": amount, **extra},
        form_page=f"/enveloppes/{envelope_id}",
    )


async def _amounts(envelope_id: int) -> dict[tuple[int | None, int | None, int, str], int]:
    return {
        (r["lieu"], r["org"], r["challenge"], r["source"]): r["amount_cents"]
        for r in await Pledge.select().where(Pledge.envelope == envelope_id)
    }


async def _org_of(network_id: int) -> int:
    from cobudget.db.tables import CofundingOrg

    row = (
        await CofundingOrg.select(CofundingOrg.id).where(CofundingOrg.network == network_id).first()
    )
    assert row is not None
    return int(row["id"])


async def test_a_member_pledges_and_the_projection_moves_in_place(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    page = await client.get(f"/enveloppes/{world.envelope_id}")
    assert "Projection en direct" in _t(page) and "Un commun consenti" in _t(page)
    await log_in(client, world.emails["member"])
    page = await client.get(f"/enveloppes/{world.envelope_id}")
    assert "Pour La Fabrique, sur ses droits de tirage (en euros)" in _t(page)
    assert "La Fabrique : 30 000,00 € de droits de tirage restant à promettre." in _t(page)

    token = await csrf_token(client, f"/enveloppes/{world.envelope_id}")
    response = await client.post(
        f"/enveloppes/{world.envelope_id}/contributions",
        data={
            "challenge": str(world.consented_challenge_id),
            "unit": f"lieu:{world.lieu_id}",
            "source": "drawing_rights",
            "amount": "600",
            "_csrf_token": token,
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    assert 'id="projection"' in _t(response)
    assert "600,00 € promis ; minimum 1 000,00 €" in _t(response)
    assert await _amounts(world.envelope_id) == {
        (world.lieu_id, None, world.consented_challenge_id, "drawing_rights"): 60_000
    }
    # The other lieu proposes it, so one co-funding lieu is not enough (min_cofunders = 2).
    assert "1 lieu contribue hors porteurs ; il en faut au moins 2." in _t(response)
    assert "29 400,00 € de droits de tirage restant à promettre" in _t(response)

    # A co-funder adds its own funds; a change then a withdrawal update the same pledge.
    await log_in(client, world.emails["cofunder"])
    org = await _org_of(world.network_id)
    response = await _pledge(
        client, world.envelope_id, world.consented_challenge_id, f"org:{org}", "500", "own_funds"
    )
    assert response.status_code == 303
    await log_in(client, world.emails["lieu_admin"])
    unit = f"lieu:{world.lieu_id}"
    assert (
        await _pledge(client, world.envelope_id, world.consented_challenge_id, unit, "750,50")
    ).status_code == 303
    amounts = await _amounts(world.envelope_id)
    assert amounts[(world.lieu_id, None, world.consented_challenge_id, "drawing_rights")] == 75_050
    assert amounts[(None, org, world.consented_challenge_id, "own_funds")] == 50_000
    # A withdrawal asks first, changing nothing; the confirmed post withdraws.
    asked = await _pledge(
        client, world.envelope_id, world.consented_challenge_id, unit, "750,50", withdraw="1"
    )
    assert asked.status_code == 200 and "Retirer cette contribution ?" in _t(asked)
    assert 'name="confirm" value="1"' in asked.text and 'name="withdraw" value="1"' in asked.text
    amounts = await _amounts(world.envelope_id)
    assert amounts[(world.lieu_id, None, world.consented_challenge_id, "drawing_rights")] == 75_050
    assert (
        await _pledge(
            client,
            world.envelope_id,
            world.consented_challenge_id,
            unit,
            "750,50",
            withdraw="1",
            confirm="1",
        )
    ).status_code == 303
    amounts = await _amounts(world.envelope_id)
    assert amounts[(world.lieu_id, None, world.consented_challenge_id, "drawing_rights")] == 0
    page = await client.get(f"/enveloppes/{world.envelope_id}")
    assert "500,00 € promis" in _t(page) and "1 contribution" in _t(page)
    listed = await client.get(
        f"/enveloppes/{world.envelope_id}/defis/{world.consented_challenge_id}/contributions"
    )
    assert "Département Test" in _t(listed) and "Retenu si l’enveloppe fermait" in _t(listed)


@pytest.mark.parametrize(
    ("role", "challenge", "unit", "amount", "source", "status", "message"),
    [
        (
            "member",
            "consented",
            "lieu",
            "40 000",
            "drawing_rights",
            422,
            "dépasse les droits de tirage",
        ),
        (
            "member",
            "open_round",
            "lieu",
            "100",
            "drawing_rights",
            422,
            "Seul un défi qui a reçu le consentement",
        ),
        (
            "member",
            "consented",
            "lieu",
            "dix euros",
            "drawing_rights",
            422,
            "Indiquez un montant en euros",
        ),
        ("member", "consented", "lieu", "-5", "drawing_rights", 422, "ne peut pas être négatif"),
        ("member", "consented", "lieu", "100", "cash", 422, "Choisissez une des options"),
        ("member", "consented", "other_lieu", "100", "drawing_rights", 403, "refusée"),
        (
            "member",
            "consented",
            "nobody",
            "100",
            "drawing_rights",
            422,
            "au nom de qui vous contribuez",
        ),
        ("cofunder", "consented", "org", "100", "drawing_rights", 422, "pas de droits de tirage"),
        ("coordinator", "consented", "lieu", "100", "drawing_rights", 403, "refusée"),
        ("member", "999999", "lieu", "100", "drawing_rights", 404, "n’existe pas"),
    ],
)
async def test_a_refused_pledge_says_why_and_changes_nothing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    role: str,
    challenge: str,
    unit: str,
    amount: str,
    source: str,
    status: int,
    message: str,
) -> None:
    await log_in(client, world.emails[role])
    challenge_id = {
        "consented": world.consented_challenge_id,
        "open_round": world.challenge_id,
    }.get(challenge, challenge)
    units = {
        "lieu": f"lieu:{world.lieu_id}",
        "other_lieu": f"lieu:{world.other_lieu_id}",
        "org": f"org:{await _org_of(world.network_id)}",
        "nobody": "personne",
    }
    before = await AuditEntry.count()
    response = await _pledge(client, world.envelope_id, challenge_id, units[unit], amount, source)  # type: ignore[arg-type]
    assert response.status_code == status, response.text
    assert message in _t(response)
    assert await Pledge.count().where(Pledge.envelope == world.envelope_id) == 0
    assert await AuditEntry.count() == before


async def test_pledges_are_refused_outside_funding_and_drawing_rights_under_matching(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    await log_in(client, world.emails["member"])
    unit = f"lieu:{world.lieu_id}"
    closed = await _pledge(
        client, world.closed_envelope_id, world.consented_challenge_id, unit, "10"
    )
    assert closed.status_code == 422 and "ne sont pas ouvertes" in _t(closed)
    matching = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], rule="matching"
    )
    refused = await _pledge(client, matching, world.consented_challenge_id, unit, "10")
    assert refused.status_code == 422 and "ne contribuent pas sur leurs droits de tirage" in _t(
        refused
    )
    # Under matching lieux pledge their own funds, which only their admins may commit.
    own = await _pledge(client, matching, world.consented_challenge_id, unit, "10", "own_funds")
    assert own.status_code == 403
    assert "administrent ce lieu" in _t(own)
    assert await Pledge.count().where(Pledge.envelope == matching) == 0
    await log_in(client, world.emails["lieu_admin"])
    own = await _pledge(client, matching, world.consented_challenge_id, unit, "10", "own_funds")
    assert own.status_code == 303
    assert await Pledge.count().where(Pledge.envelope == matching) == 1


async def test_equal_shares_lieux_give_approvals_that_the_projection_counts(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    await log_in(client, world.emails["member"])
    path = f"/enveloppes/{world.es_envelope_id}"
    page = await client.get(path)
    assert "Soutenir ce défi pour La Fabrique" in _t(page)
    assert "Sur les droits de tirage" not in _t(page)  # support, not drawing-right pledges
    data = {"challenge": str(world.consented_challenge_id), "unit": f"lieu:{world.lieu_id}"}
    response = await post_form(client, f"{path}/soutiens", {**data, "points": "1"}, form_page=path)
    assert response.status_code == 303
    page = await client.get(path)
    assert "1 lieu soutient ce défi." in _t(
        page
    ) and "Retirer le soutien donné pour La Fabrique" in _t(page)
    # Support is one row per lieu and challenge; approval means 0 or 1.
    again = await post_form(client, f"{path}/soutiens", {**data, "points": "1"}, form_page=path)
    assert again.status_code == 303 and await Support.count() == 1
    five = await post_form(client, f"{path}/soutiens", {**data, "points": "5"}, form_page=path)
    assert five.status_code == 422 and "entre 0 et 1" in _t(five)
    cofunding = await post_form(
        client, f"/enveloppes/{world.envelope_id}/soutiens", {**data, "points": "1"}, form_page=path
    )
    assert cofunding.status_code == 422 and "ne se répartit pas par soutiens" in _t(cofunding)
    withdrawn = await post_form(client, f"{path}/soutiens", {**data, "points": "0"}, form_page=path)
    assert withdrawn.status_code == 303 and await Support.count() == 0


async def test_equal_shares_shows_each_lieus_rights_raise_and_payment_and_one_leftover(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    # Issue 13, point 7. 1 500 € for two lieux (750 € of drawing rights each). La Fabrique alone
    # supports the consented challenge (1 000 €): add-one raises every lieu's budget by 250 €,
    # and La Fabrique pays 1 000 €, its drawing rights and its raise; 500 € are left over.
    envelope_id = await factories.make_envelope(
        world.network_id,
        [world.lieu_id, world.other_lieu_id],
        rule="equal_shares",
        amount_cents=150_000,
    )
    await log_in(client, world.emails["member"])
    path = f"/enveloppes/{envelope_id}"
    data = {"challenge": str(world.consented_challenge_id), "unit": f"lieu:{world.lieu_id}"}
    response = await post_form(client, f"{path}/soutiens", {**data, "points": "1"}, form_page=path)
    assert response.status_code == 303

    api = (await client.get(f"/api/envelopes/{envelope_id}/projection")).json()
    lieux = {lieu["name"]: lieu for lieu in api["lieux"]}
    figures = {
        name: (lieu["drawing_rights_cents"], lieu["raise_cents"], lieu["spent_cents"])
        for name, lieu in lieux.items()
    }
    assert figures == {"La Fabrique": (75_000, 25_000, 100_000), "Le Comptoir": (75_000, 25_000, 0)}
    assert all(lieu["unspent_cents"] is None for lieu in api["lieux"])
    assert api["leftover_cents"] == 50_000
    paid = sum(lieu["spent_cents"] for lieu in api["lieux"])
    envelope_money = sum(c["drawing_rights_cents"] + c["match_cents"] for c in api["challenges"])
    assert paid == envelope_money == api["amount_cents"] - api["leftover_cents"]
    assert api["lieu_totals"] == {
        "drawing_rights_cents": 150_000,
        "raise_cents": 50_000,
        "spent_cents": 100_000,
    }

    # The page shows the same figures, and no column of "unspent" next to the leftover.
    page = _t(await client.get(path))
    table = page[
        page.index('id="droits-projection"') : page.index(
            "</table>", page.index('id="droits-projection"')
        )
    ]
    rows = {
        name: tuple(cells)
        for name, *cells in (
            [
                re.sub(r"<[^>]+>", "", cell).strip()
                for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)
            ]
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        )
    }
    assert rows["La Fabrique"] == ("750,00 €", "250,00 €", "1 000,00 €")
    assert rows["Le Comptoir"] == ("750,00 €", "250,00 €", "0,00 €")
    assert rows["Total"] == ("1 500,00 €", "500,00 €", "1 000,00 €")
    assert "Hausse commune" in table and "Non dépensé" not in page
    assert "le seul reliquat est celui de l’enveloppe (500,00 €)" in page


async def test_hidden_pledges_show_totals_only_until_closing(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    envelope_id = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], hide_pledges=True
    )
    await log_in(client, world.emails["member"])
    unit = f"lieu:{world.lieu_id}"
    assert (
        await _pledge(client, envelope_id, world.consented_challenge_id, unit, "321")
    ).status_code == 303
    mine = await client.get(f"/enveloppes/{envelope_id}")
    assert "321,00 €" in _t(mine) and "1 contribution" in _t(mine)  # a lieu sees its own
    client.cookies.clear()
    visitor = await client.get(f"/enveloppes/{envelope_id}")
    assert "321,00 € promis" in _t(visitor)  # the total stays visible
    assert "restent cachées jusqu’à la clôture" in _t(visitor)
    assert "1 contribution" not in _t(visitor)  # whose it is does not
    listed = f"/enveloppes/{envelope_id}/defis/{world.consented_challenge_id}/contributions"
    assert "La Fabrique" not in _t(await client.get(listed))
    await Envelope.update({Envelope.funding_until: now() - dt.timedelta(minutes=1)}).where(
        Envelope.id == envelope_id
    )
    after = await client.get(f"/enveloppes/{envelope_id}")
    assert "1 contribution" in _t(after) and "La Fabrique" in _t(await client.get(listed))


async def _closed_envelope_with_pledges(world: World) -> int:
    """A closed cofunding envelope where the consented challenge reached its threshold with two
    co-funding lieux... made possible by a third lieu of the network."""
    third = await factories.make_lieu(world.network_id, "La Troisième")
    envelope_id = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id, third], amount_cents=3_000_000
    )
    for lieu, amount in ((world.lieu_id, 70_000), (third, 50_000)):
        await Pledge.insert(
            Pledge(
                envelope=envelope_id,
                challenge=world.consented_challenge_id,
                lieu=lieu,
                source="drawing_rights",
                amount_cents=amount,
                updated_at=now(),
            )
        )
    await Envelope.update({Envelope.funding_until: now() - dt.timedelta(minutes=1)}).where(
        Envelope.id == envelope_id
    )
    return envelope_id


async def test_the_coordinator_settles_once_and_anyone_verifies(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    tmp_path: Path,
) -> None:
    envelope_id = await _closed_envelope_with_pledges(world)
    await log_in(client, world.emails["coordinator"])
    page = await client.get(f"/enveloppes/{envelope_id}")
    assert "Régler l’enveloppe et publier la répartition" in _t(page)
    before = await OutboxMessage.count()
    asked = await post_form(client, f"/enveloppes/{envelope_id}/repartition", {})
    assert asked.status_code == 200 and "Régler l’enveloppe et publier la répartition ?" in _t(
        asked
    )
    assert "ne se refait pas" in _t(asked)
    assert await SettlementRecord.count().where(SettlementRecord.envelope == envelope_id) == 0
    assert await OutboxMessage.count() == before
    response = await post_form(client, f"/enveloppes/{envelope_id}/repartition", {"confirm": "1"})
    assert response.status_code == 303
    record = await SettlementRecord.select().where(SettlementRecord.envelope == envelope_id).first()
    assert record is not None and len(record["digest"]) == 64
    page = await client.get(f"/enveloppes/{envelope_id}")
    assert "Répartition publiée" in _t(page) and record["digest"] in _t(page)
    assert "Financé : 1 200,00 €" in _t(page)
    # Everyone concerned is told: members of the envelope's lieux, co-funders, coordinators.
    messages = await OutboxMessage.select().where(OutboxMessage.id > before)
    addresses = {m["to_address"] for m in messages}
    assert {
        world.emails["member"],
        world.emails["cofunder"],
        world.emails["coordinator"],
    } <= addresses
    assert all("Répartition publiée" in m["subject"] for m in messages)

    twice = await post_form(client, f"/enveloppes/{envelope_id}/repartition", {"confirm": "1"})
    assert twice.status_code == 403 and "déjà réglée" in _t(twice)
    assert await SettlementRecord.count() == 2  # this one and the world's settled envelope

    client.cookies.clear()
    verified = await client.get(f"/enveloppes/{envelope_id}/verification")
    assert verified.status_code == 200 and "le calcul donne exactement la même répartition" in _t(
        verified
    )
    inputs = await client.get(f"/enveloppes/{envelope_id}/donnees-reglement.json")
    settlement = await client.get(f"/enveloppes/{envelope_id}/reglement.json")
    assert inputs.status_code == settlement.status_code == 200
    assert json.loads(settlement.content)["inputs_digest"] == record["digest"]
    (tmp_path / "donnees.json").write_bytes(inputs.content)
    (tmp_path / "reglement.json").write_bytes(settlement.content)
    offline = subprocess.run(
        [sys.executable, "-m", "cobudget.cli", "verify", "donnees.json", "reglement.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert offline.returncode == 0, offline.stdout + offline.stderr
    missing = await client.get(f"/enveloppes/{world.envelope_id}/reglement.json")
    assert missing.status_code == 404


async def test_a_crash_half_way_through_settling_leaves_the_envelope_closed_and_unsettled(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    envelope_id = await _closed_envelope_with_pledges(world)
    coordinator = Actor(user_id=None, coordinator_of=frozenset({world.network_id}))

    async def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk full, after the settlement row was written")

    original = settlements.audit.record
    monkeypatch.setattr(settlements.audit, "record", crash)
    with pytest.raises(RuntimeError):
        await settlements.settle(settings, coordinator, envelope_id=envelope_id)
    row = await envelope_inputs.envelope_row(envelope_id)
    assert row["settled_at"] is None
    assert not await SettlementRecord.exists().where(SettlementRecord.envelope == envelope_id)
    monkeypatch.setattr(settlements.audit, "record", original)
    digest = await settlements.settle(settings, coordinator, envelope_id=envelope_id)
    assert (await settlements.verify(Actor(), envelope_id)).identical
    assert (await envelope_inputs.envelope_row(envelope_id))["settled_at"] is not None
    assert len(digest) == 64


async def test_the_three_rules_are_compared_on_the_same_pledges(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    envelope_id = await _closed_envelope_with_pledges(world)
    await log_in(client, world.emails["coordinator"])
    page = await client.get(f"/enveloppes/{envelope_id}/comparaison")
    assert page.status_code == 200
    for label in ("Cofinancement", "Parts égales", "Abondement"):
        assert label in _t(page)
    assert "1 200,00 €" in _t(page)  # what cofunding gives the consented challenge
    await log_in(client, world.emails["member"])
    refused = await client.get(f"/enveloppes/{envelope_id}/comparaison")
    assert refused.status_code == 403  # before settlement: coordinators only


async def test_a_next_round_carries_the_leftover_unspent_rights_and_chosen_challenges(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    envelope_id = await _closed_envelope_with_pledges(world)
    unfunded = await factories.make_consented_challenge(
        world.network_id, world.lieu_id, world.other_lieu_id, "Un commun pas encore financé"
    )
    left_out = await factories.make_consented_challenge(
        world.network_id, world.lieu_id, world.other_lieu_id, "Un commun laissé de côté"
    )
    await settlements.settle(
        settings,
        Actor(user_id=None, coordinator_of=frozenset({world.network_id})),
        envelope_id=envelope_id,
    )
    await log_in(client, world.emails["coordinator"])
    form = await client.get(f"/enveloppes/{envelope_id}/tour-suivant")
    assert "Reporter le reliquat (28 800,00 €)" in _t(form)
    response = await post_form(
        client,
        f"/enveloppes/{envelope_id}/tour-suivant",
        {
            "title": "Tour 2",
            "extra_amount": "0",
            "carry_leftover": "on",
            "split": "unspent",
            f"carry.{unfunded}": "on",
        },
    )
    assert response.status_code == 303
    new_id = int(re.search(r"/enveloppes/(\d+)", response.headers["location"]).group(1))  # type: ignore[union-attr]
    row = await envelope_inputs.envelope_row(new_id)
    assert row["amount_cents"] == 2_880_000 and row["previous_envelope"] == envelope_id
    loaded = await envelope_inputs.load(new_id)
    from cobudget.engine.drawing_rights import drawing_rights

    rights = drawing_rights(loaded.inputs.amount_cents, loaded.inputs.lieux)
    record = await settlements.stored(envelope_id)
    assert record is not None
    unspent = {lieu.lieu_id: lieu.unspent_cents for lieu in record.decoded.lieux}
    assert {k: v for k, v in rights.items() if v} == {k: v for k, v in unspent.items() if v}
    ids = {c.id for c in loaded.inputs.challenges}
    assert unfunded in ids  # carried over
    assert left_out not in ids  # not chosen
    assert world.consented_challenge_id not in ids  # funded already
    bad = await post_form(
        client,
        f"/enveloppes/{envelope_id}/tour-suivant",
        {"title": "", "extra_amount": "-3", "split": "weights"},
    )
    assert bad.status_code == 422 and "Ce champ est obligatoire." in _t(bad)
    assert await EnvelopeLieu.count() == 5 * 2 + 3 + 3  # nothing more was written


async def test_everyone_concerned_hears_when_funding_opens_at_its_date(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    await log_in(client, world.emails["coordinator"])
    path = f"/enveloppes/{world.draft_envelope_id}/calendrier"
    assert (await post_form(client, path, {"move": "open"})).status_code == 303
    topic = f"envelope:{world.draft_envelope_id}:funding"
    messages = await OutboxMessage.select().where(OutboxMessage.topic == topic)
    assert {world.emails["member"], world.emails["lieu_admin"], world.emails["cofunder"]} <= {
        m["to_address"] for m in messages
    }
    row = await envelope_inputs.envelope_row(world.draft_envelope_id)
    assert all(m["next_attempt_at"] == row["funding_from"] for m in messages)
    # Advancing twice brings funding to now: the waiting messages follow.
    assert (await post_form(client, path, {"move": "advance"})).status_code == 303
    assert (await post_form(client, path, {"move": "advance"})).status_code == 303
    row = await envelope_inputs.envelope_row(world.draft_envelope_id)
    messages = await OutboxMessage.select().where(OutboxMessage.topic == topic)
    assert all(
        abs(m["next_attempt_at"] - row["funding_from"]) < dt.timedelta(seconds=1) for m in messages
    )
    assert all(m["next_attempt_at"] <= now() for m in messages)


async def test_fifty_concurrent_pledge_requests_through_http_add_up_to_the_cent(
    client: AsyncTestClient,
    settings: Settings,  # type: ignore[type-arg]
) -> None:
    network_id = await factories.make_network("Réseau Concurrent")
    lieux, sessions = [], []
    for index in range(4):
        lieu = await factories.make_lieu(network_id, f"Lieu {index}")
        user = await factories.make_user(f"c{index}@exemple.fr")
        await factories.add_member(user, lieu)
        lieux.append(lieu)
    challenges = [
        await factories.make_consented_challenge(network_id, lieux[0], lieux[1], "Défi A"),
        await factories.make_consented_challenge(network_id, lieux[1], lieux[2], "Défi B"),
    ]
    rights = 100_000
    envelope_id = await factories.make_envelope(network_id, lieux, amount_cents=4 * rights)
    for index in range(4):
        client.cookies.clear()
        await log_in(client, f"c{index}@exemple.fr")
        token = await csrf_token(client, f"/enveloppes/{envelope_id}")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        assert SESSION_COOKIE in cookie
        sessions.append({"Cookie": cookie, "x-csrftoken": token, "_token": token})
    client.cookies.clear()
    rng = random.Random(7)
    requests = [
        (rng.randrange(4), rng.choice(challenges), rng.choice([0, 100, 250, 400, 600, 1200]))
        for _ in range(56)
    ]
    # Two withdrawals (always accepted) are retried with the same key, as after a timeout on
    # the way back: each counts once.
    requests[0], requests[1] = (0, challenges[0], 0), (1, challenges[1], 0)
    requests += [requests[0], requests[1]]

    async def send(number: int, index: int, challenge_id: int, euros: int) -> int:
        session = sessions[index]
        response = await client.post(
            f"/enveloppes/{envelope_id}/contributions",
            data={
                "challenge": str(challenge_id),
                "unit": f"lieu:{lieux[index]}",
                "source": "drawing_rights",
                "amount": str(euros),
                "request_key": f"key-{number % 56}",
                "_csrf_token": session["_token"],
            },
            headers={"Cookie": session["Cookie"], "x-csrftoken": session["x-csrftoken"]},
            follow_redirects=False,
        )
        return response.status_code

    statuses = await asyncio.gather(
        *(send(number, *request) for number, request in enumerate(requests))
    )
    assert set(statuses) <= {303, 422}, statuses
    assert statuses.count(303) > 10
    rows = await Pledge.select()
    keys = [(r["lieu"], r["challenge"], r["source"]) for r in rows]
    assert len(keys) == len(set(keys))
    for lieu in lieux:
        assert sum(r["amount_cents"] for r in rows if r["lieu"] == lieu) <= rights
    entries = (
        await AuditEntry.select()
        .where(AuditEntry.action == "pledge.set")
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )
    assert len(entries) == statuses[:56].count(303)  # the two retries wrote nothing more
    last: dict[tuple[int, int], int] = {}
    for entry in entries:
        last[(entry["after"]["lieu_id"], entry["after"]["challenge_id"])] = entry["after"][
            "amount_cents"
        ]
    assert {(r["lieu"], r["challenge"]): r["amount_cents"] for r in rows} == last
    # The projection's totals are the sums of the recorded pledges, to the cent.
    loaded = await envelope_inputs.load(envelope_id)
    for challenge_id in challenges:
        assert sum(
            p.amount_cents for p in loaded.inputs.pledges if p.challenge_id == challenge_id
        ) == sum(r["amount_cents"] for r in rows if r["challenge"] == challenge_id)


async def test_closing_freezes_positions_a_later_objection_does_not_change_the_settlement(
    world: World, settings: Settings
) -> None:
    from cobudget.db.tables import RoundPosition

    envelope_id = await _closed_envelope_with_pledges(world)
    # After closing, a new round opens on the challenge and an objection stands in it.
    round_id = await factories.make_round(world.consented_challenge_id, 1, days=5)
    await RoundPosition.insert(
        RoundPosition(
            round=round_id, lieu=world.lieu_id, kind="objection", text="Trop tard.", taken_at=now()
        )
    )
    loaded = await envelope_inputs.load(envelope_id)
    assert {c.id: c.consented for c in loaded.inputs.challenges}[world.consented_challenge_id]
    # The envelope still in funding sees the objection now.
    live = await envelope_inputs.load(world.envelope_id)
    assert not {c.id: c.consented for c in live.inputs.challenges}[world.consented_challenge_id]
    await settlements.settle(
        settings,
        Actor(user_id=None, coordinator_of=frozenset({world.network_id})),
        envelope_id=envelope_id,
    )
    record = await settlements.stored(envelope_id)
    assert record is not None
    funded = {c.challenge_id for c in record.decoded.challenges if c.funded}
    assert world.consented_challenge_id in funded
