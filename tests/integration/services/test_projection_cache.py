"""The incremental projection equals a full read and settle, after every change of a random
sequence: pledges set, changed and withdrawn through the service, support given and withdrawn,
rows written by another process (straight into the database), a new position in a round."""

from __future__ import annotations

import random

import pytest

from cobudget.db.tables import Pledge, RoundPosition
from cobudget.domain.errors import InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.engine import canonical
from cobudget.engine.errors import InvalidEnvelope
from cobudget.engine.settle import settle
from cobudget.services import envelope_inputs, pledges, projection_cache
from cobudget.services.clock import now
from tests.support import factories


async def _full(envelope_id: int) -> tuple[bytes, bytes | str]:
    loaded = await envelope_inputs.load(envelope_id)
    try:
        result: bytes | str = canonical.encode_settlement(settle(loaded.inputs))
    except InvalidEnvelope as error:
        result = f"{error.item}: {error.reason}"
    return canonical.encode_input(loaded.inputs), result


async def _incremental(envelope_id: int) -> tuple[bytes, bytes | str]:
    row = await envelope_inputs.envelope_row(envelope_id)
    loaded, settlement, error = await projection_cache.current(envelope_id, row=row)
    result = canonical.encode_settlement(settlement) if settlement else str(error)
    return canonical.encode_input(loaded.inputs), result


@pytest.mark.parametrize(
    ("rule", "seed"), [("cofunding", 1), ("cofunding", 2), ("equal_shares", 3)]
)
async def test_incremental_projection_equals_a_full_recompute(
    db: str, rule: str, seed: int
) -> None:
    rng = random.Random(seed)
    network_id = await factories.make_network(f"Réseau {rule} {seed}")
    lieux, actors = [], []
    for index in range(5):
        lieu = await factories.make_lieu(network_id, f"Lieu {index}")
        user = await factories.make_user(f"p{seed}-{index}@exemple.fr")
        await factories.add_member(user, lieu)
        lieux.append(lieu)
        actors.append(
            Actor(user_id=user, member_of=frozenset({lieu}), lieu_admin_of=frozenset({lieu}))
        )
    challenges = [
        await factories.make_consented_challenge(network_id, lieux[i], lieux[(i + 1) % 5], f"D{i}")
        for i in range(4)
    ]
    envelope_id = await factories.make_envelope(
        network_id, lieux, amount_cents=500_000, rule=rule, support="approval"
    )
    assert await _incremental(envelope_id) == await _full(envelope_id)
    before = dict(projection_cache.STATS)
    funder = await factories.make_user(f"org{seed}@exemple.fr")
    org = await factories.make_cofunder(network_id, f"Fondation {seed}", funder)
    org_actor = Actor(user_id=funder, cofunder_of=frozenset({org}))
    kinds = ["pledge", "pledge", "pledge", "org", "direct", "position"]
    if rule == "equal_shares":
        kinds = ["support", "support", "own", "org", "direct", "position"]
    for _step in range(40):
        kind = rng.choice(kinds)
        index = rng.randrange(5)
        challenge = rng.choice(challenges)
        try:
            if kind == "pledge":
                await pledges.set_pledge(
                    actors[index],
                    envelope_id=envelope_id,
                    challenge_id=challenge,
                    lieu_id=lieux[index],
                    source="drawing_rights",
                    amount_cents=rng.choice([0, 1_000, 5_000, 20_000, 40_000]),
                )
            elif kind == "own":
                await pledges.set_pledge(
                    actors[index],
                    envelope_id=envelope_id,
                    challenge_id=challenge,
                    lieu_id=lieux[index],
                    source="own_funds",
                    amount_cents=rng.choice([0, 2_000, 7_000]),
                )
            elif kind == "org":  # a co-funder's own funds, the first time or again
                await pledges.set_pledge(
                    org_actor,
                    envelope_id=envelope_id,
                    challenge_id=challenge,
                    org_id=org,
                    source="own_funds",
                    amount_cents=rng.choice([0, 4_000, 9_000]),
                )
            elif kind == "support":
                await pledges.set_support(
                    actors[index],
                    envelope_id=envelope_id,
                    challenge_id=challenge,
                    lieu_id=lieux[index],
                    points=rng.choice([0, 1, 1]),
                )
            elif kind == "direct":  # another process, or an import: no audit entry
                # One pledge per unit, challenge and source (a unique index): changed if any.
                amount = rng.choice([100, 3_000])
                changed = await (
                    Pledge.update({Pledge.amount_cents: amount, Pledge.updated_at: now()})
                    .where(Pledge.envelope == envelope_id)
                    .where(Pledge.challenge == challenge)
                    .where(Pledge.lieu == lieux[index])
                    .where(Pledge.source == "own_funds")
                    .returning(Pledge.id)
                )
                if not changed:
                    await Pledge.insert(
                        Pledge(
                            envelope=envelope_id,
                            challenge=challenge,
                            lieu=lieux[index],
                            source="own_funds",
                            amount_cents=amount,
                            updated_at=now(),
                        )
                    )
            else:  # a position in a new round changes which challenges are consented
                round_id = await factories.make_round(challenge, 1, days=3, quorum=1)
                await RoundPosition.insert(
                    RoundPosition(
                        round=round_id,
                        lieu=lieux[(index + 2) % 5],
                        kind=rng.choice(["consent", "objection"]),
                        taken_at=now(),
                    )
                )
        except InvalidInput:
            pass  # refused (beyond rights, not consented any more): nothing changed
        assert await _incremental(envelope_id) == await _full(envelope_id), (_step, kind)
    # Most changes were applied incrementally, not by reading everything again.
    assert projection_cache.STATS["delta"] - before["delta"] > 10
