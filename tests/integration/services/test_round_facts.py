"""The rounds of a challenge read in a batch (the challenge page) are the rounds the write use
cases read one by one: same round, same proposers and members, same position history."""

from __future__ import annotations

import datetime as dt

from cobudget.db.tables import CoProposer, RoundPosition
from cobudget.services import rounds
from cobudget.services.clock import now
from tests.integration.conftest import World
from tests.support import factories


async def test_a_challenges_rounds_read_together_are_those_read_one_by_one(world: World) -> None:
    challenge_id = world.challenge_id
    await CoProposer.update({CoProposer.accepted_at: now()}).where(
        CoProposer.challenge == challenge_id
    )
    older = await factories.make_round(challenge_id, 1, days=5, opened_days_ago=20)
    newer = await factories.make_round(challenge_id, 2)
    for round_id, kind in ((older, "objection"), (newer, "consent"), (newer, "concern")):
        number = 2 if kind == "concern" else 1
        await RoundPosition.insert(
            RoundPosition(
                round=round_id,
                lieu=world.other_lieu_id,
                number=number,
                kind=kind,
                text="Pourquoi ?",
                taken_at=now() - dt.timedelta(days=19 if round_id == older else 0),
            )
        )

    together = await rounds.facts_of_challenge(challenge_id)

    assert [known.round.id for known in together] == [newer, older, world.round_id]
    assert together == [await rounds.facts(known.round.id) for known in together]
    assert await rounds.latest_round(challenge_id) == together[0]
    assert together[0].round.proposer_lieu_ids == {world.other_lieu_id, world.lieu_id}
    assert [p.kind.value for p in together[0].positions] == ["consent", "concern"]
    assert await rounds.facts_of_challenge(world.fresh_challenge_id) == []
