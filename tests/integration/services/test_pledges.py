"""No pledge is lost or counted twice, whatever the concurrency (issue 6): many concurrent
pledges, changes and withdrawals from several lieux, then every total checked to the cent."""

from __future__ import annotations

import asyncio
import random

import pytest

from cobudget.db.tables import AuditEntry, Pledge
from cobudget.domain.errors import Busy, InvalidInput
from cobudget.services import pledges
from tests.support import factories

RIGHTS = 100_000  # 4 000 € among four lieux of weight 1


async def test_sixty_concurrent_pledges_changes_and_withdrawals_add_up_to_the_cent(funding) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(2026)
    lieux, actors = funding["lieux"], funding["actors"]
    requests = []
    for _ in range(60):
        index = rng.randrange(4)
        amount = rng.choice([0, 10_000, 25_000, 40_000, 60_000, 120_000])
        requests.append((index, rng.choice(funding["challenges"]), amount))

    async def pledge(index: int, challenge_id: int, amount: int) -> bool:
        try:
            await pledges.set_pledge(
                actors[index],
                envelope_id=funding["envelope"],
                challenge_id=challenge_id,
                lieu_id=lieux[index],
                source="drawing_rights",
                amount_cents=amount,
            )
        except InvalidInput:
            return False
        except Busy:  # waited its turn on the lieu's row beyond the lock timeout: nothing stored
            return False
        return True

    results = await asyncio.gather(*(pledge(*request) for request in requests))
    accepted = sum(results)
    assert 0 < accepted < 60  # some are refused (beyond the drawing rights), most go through
    rows = await Pledge.select()
    keys = [(row["lieu"], row["challenge"], row["source"]) for row in rows]
    assert len(keys) == len(set(keys))  # one pledge per lieu, challenge and source
    for lieu in lieux:
        assert sum(r["amount_cents"] for r in rows if r["lieu"] == lieu) <= RIGHTS
    for challenge in funding["challenges"]:  # each challenge's maximum is 2 000 €
        assert sum(r["amount_cents"] for r in rows if r["challenge"] == challenge) <= 200_000
    entries = (
        await AuditEntry.select()
        .where(AuditEntry.action == "pledge.set")
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )
    assert len(entries) == accepted  # every accepted request wrote once, no refused one did
    last: dict[tuple[int, int], int] = {}
    for entry in entries:
        last[(entry["after"]["lieu_id"], entry["after"]["challenge_id"])] = entry["after"][
            "amount_cents"
        ]
    assert {(r["lieu"], r["challenge"]): r["amount_cents"] for r in rows} == last


async def test_a_retried_request_with_the_same_key_counts_once(funding) -> None:  # type: ignore[no-untyped-def]
    actor, lieu = funding["actors"][2], funding["lieux"][2]

    async def send() -> None:
        await pledges.set_pledge(
            actor,
            envelope_id=funding["envelope"],
            challenge_id=funding["challenges"][0],
            lieu_id=lieu,
            source="own_funds",
            amount_cents=5_000,
            idempotency_key="requete-42",
        )

    await asyncio.gather(send(), send(), send())
    assert await AuditEntry.count().where(AuditEntry.action == "pledge.set") == 1
    assert await Pledge.count() == 1


async def test_pledges_beyond_rights_or_to_an_unconsented_challenge_are_refused(funding) -> None:  # type: ignore[no-untyped-def]
    actor, lieu = funding["actors"][3], funding["lieux"][3]
    with pytest.raises(InvalidInput) as beyond:
        await pledges.set_pledge(
            actor,
            envelope_id=funding["envelope"],
            challenge_id=funding["challenges"][0],
            lieu_id=lieu,
            source="drawing_rights",
            amount_cents=RIGHTS + 1,
        )
    assert beyond.value.fields == {"amount": "drawing_rights_exceeded"}
    fresh = await factories.make_challenge(await _network_of(funding), lieu, "Pas encore consenti")
    with pytest.raises(InvalidInput) as unconsented:
        await pledges.set_pledge(
            funding["actors"][0],
            envelope_id=funding["envelope"],
            challenge_id=fresh,
            lieu_id=funding["lieux"][0],
            source="own_funds",
            amount_cents=100,
        )
    assert unconsented.value.fields == {"challenge": "challenge_not_consented"}
    assert await Pledge.count() == 0


async def _network_of(funding) -> int:  # type: ignore[no-untyped-def]
    from cobudget.db.tables import Envelope

    row = await Envelope.select(Envelope.network).where(Envelope.id == funding["envelope"]).first()
    return int(row["network"])  # type: ignore[index]


async def test_a_lieu_puts_at_most_its_cap_into_the_challenges_it_proposes(funding) -> None:  # type: ignore[no-untyped-def]
    actor, lieu = funding["actors"][0], funding["lieux"][0]  # lieu 0 proposes challenge A
    with pytest.raises(InvalidInput) as capped:
        await pledges.set_pledge(
            actor,
            envelope_id=funding["envelope"],
            challenge_id=funding["challenges"][0],
            lieu_id=lieu,
            source="drawing_rights",
            amount_cents=RIGHTS // 2 + 1,
        )
    assert capped.value.fields == {"amount": "own_challenge_cap_exceeded"}
    await pledges.set_pledge(
        actor,
        envelope_id=funding["envelope"],
        challenge_id=funding["challenges"][0],
        lieu_id=lieu,
        source="drawing_rights",
        amount_cents=RIGHTS // 2,
    )
    await pledges.set_pledge(
        actor,
        envelope_id=funding["envelope"],  # not its own: no cap
        challenge_id=funding["challenges"][1],
        lieu_id=lieu,
        source="drawing_rights",
        amount_cents=RIGHTS // 2,
    )
    assert sum(r["amount_cents"] for r in await Pledge.select()) == RIGHTS
