"""Funded elsewhere means released (SPEC §4, issue 13): when a settled envelope funds a
challenge, the pledges other open envelopes hold on it are released at once and visibly, their
drawing rights come back, nobody can pledge to it there again, and no next round carries it.
Settling twice at once gives one settlement and one clear refusal."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import AuditEntry, Envelope, Pledge, SettlementRecord
from cobudget.domain.errors import NotAllowed
from cobudget.domain.permissions import Actor
from cobudget.services import next_rounds, settlements
from cobudget.settings import Settings
from tests.integration.conftest import World, log_in, post_form
from tests.integration.conftest import page_text as _t
from tests.support import factories


def _coordinator(world: World) -> Actor:
    return Actor(user_id=None, coordinator_of=frozenset({world.network_id}))


async def _pledge(
    client: AsyncTestClient,  # type: ignore[type-arg]
    envelope_id: int,
    challenge_id: int,
    unit: str,
    amount: str,
):  # type: ignore[no-untyped-def]
    return await post_form(
        client,
        f"/enveloppes/{envelope_id}/contributions",
        {
            "challenge": str(challenge_id),
            "unit": unit,
            "source": "drawing_rights",
            "amount": amount,
        },
        form_page=f"/enveloppes/{envelope_id}",
    )


async def _closed_with_pledge(world: World, challenge_id: int, lieu_id: int, cents: int) -> int:
    """A closed envelope (min_cofunders 1) where the lieu (not a proposer) pledged to the
    challenge: settling it funds the challenge."""
    envelope_id = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], phase="closed"
    )
    await Envelope.update({Envelope.min_cofunders: 1}).where(Envelope.id == envelope_id)
    await Pledge.insert(
        Pledge(
            envelope=envelope_id,
            challenge=challenge_id,
            lieu=lieu_id,
            source="drawing_rights",
            amount_cents=cents,
            updated_at=factories.now(),
        )
    )
    return envelope_id


async def test_settling_releases_the_pledges_other_envelopes_hold_on_what_it_funded(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    challenge = world.consented_challenge_id
    unit = f"lieu:{world.lieu_id}"
    await log_in(client, world.emails["member"])
    assert (await _pledge(client, world.envelope_id, challenge, unit, "500")).status_code == 303
    before = (await client.get(f"/api/envelopes/{world.envelope_id}/projection")).json()
    lieu = next(row for row in before["lieux"] if row["id"] == world.lieu_id)
    assert lieu["left_cents"] == 3_000_000 - 50_000

    # Another envelope of the network funds the challenge.
    closed = await _closed_with_pledge(world, challenge, world.lieu_id, 150_000)
    await settlements.settle(settings, _coordinator(world), envelope_id=closed)

    row = await Pledge.select().where(Pledge.envelope == world.envelope_id).first()
    assert row is not None
    assert (row["amount_cents"], row["released_cents"], row["released_for"]) == (0, 50_000, closed)
    released = (
        await AuditEntry.select()
        .where(AuditEntry.action == "pledge.release")
        .output(load_json=True)
    )
    assert [entry["after"]["released_cents"] for entry in released] == [50_000]

    # The drawing rights are free again, and the lieu reads why.
    after = (await client.get(f"/api/envelopes/{world.envelope_id}/projection")).json()
    lieu = next(row for row in after["lieux"] if row["id"] == world.lieu_id)
    assert lieu["left_cents"] == 3_000_000 and lieu["pledged_cents"] == 0
    assert challenge not in [c["id"] for c in after["challenges"]]
    page = await client.get(f"/enveloppes/{world.envelope_id}")
    assert "Vos contributions libérées" in _t(page)
    assert "La Fabrique : 500,00 € libérés sur « Un commun consenti »" in _t(page)

    # Nobody pledges to it here again.
    again = await _pledge(client, world.envelope_id, challenge, unit, "100")
    assert again.status_code == 422 and "ne fait pas partie de cette enveloppe" in _t(again)
    assert await Pledge.count().where(Pledge.envelope == world.envelope_id) == 1

    # Another lieu's people do not see this lieu's released pledge.
    await log_in(client, world.emails["cofunder"])
    assert "Vos contributions libérées" not in _t(
        await client.get(f"/enveloppes/{world.envelope_id}")
    )


async def test_a_next_round_never_carries_a_challenge_funded_since(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
) -> None:
    """Settled without funding it, then funded by another envelope: not offered, refused."""
    challenge = await factories.make_consented_challenge(
        world.network_id, world.lieu_id, world.other_lieu_id, "Un commun financé ailleurs"
    )
    first = await factories.make_envelope(
        world.network_id, [world.lieu_id, world.other_lieu_id], phase="closed"
    )
    await settlements.settle(settings, _coordinator(world), envelope_id=first)
    carry = await next_rounds.what_carries(first)
    assert challenge in [cid for cid, _title in carry.unfunded]

    funder = await _closed_with_pledge(world, challenge, world.other_lieu_id, 150_000)
    await settlements.settle(settings, _coordinator(world), envelope_id=funder)
    carry = await next_rounds.what_carries(first)
    assert challenge not in [cid for cid, _title in carry.unfunded]

    await log_in(client, world.emails["coordinator"])
    form = await client.get(f"/enveloppes/{first}/tour-suivant")
    assert "Un commun financé ailleurs" not in _t(form)
    response = await post_form(
        client,
        f"/enveloppes/{first}/tour-suivant",
        {"title": "Tour 2", "extra_amount": "0", "split": "weights", f"carry.{challenge}": "on"},
    )
    assert response.status_code == 422
    assert await Envelope.count().where(Envelope.previous_envelope == first) == 0


async def test_two_settles_at_once_give_one_settlement_and_one_clear_refusal(
    world: World, settings: Settings
) -> None:
    closed = await _closed_with_pledge(world, world.consented_challenge_id, world.lieu_id, 150_000)
    results = await asyncio.gather(
        settlements.settle(settings, _coordinator(world), envelope_id=closed),
        settlements.settle(settings, _coordinator(world), envelope_id=closed),
        return_exceptions=True,
    )
    digests = [r for r in results if isinstance(r, str)]
    refusals = [r for r in results if isinstance(r, NotAllowed)]
    assert len(digests) == 1 and len(refusals) == 1, results
    assert refusals[0].reason == "already_settled"
    assert await SettlementRecord.count().where(SettlementRecord.envelope == closed) == 1
    with pytest.raises(NotAllowed):
        await settlements.settle(settings, _coordinator(world), envelope_id=closed)
