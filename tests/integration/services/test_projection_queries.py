"""The projection an envelope page shows is built once per state of the envelope and kind of
reader (issue 15): every visitor gets the same one, a member of a lieu gets its own, and any
change of the pledges (or, once settled, of a name it shows) makes a new one."""

from __future__ import annotations

from cobudget.db.tables import Lieu, Pledge
from cobudget.domain.permissions import Actor
from cobudget.services.clock import now
from cobudget.services.queries.projection import page_projection
from tests.integration.conftest import World


async def test_a_built_projection_serves_readers_alike_until_a_pledge_changes_it(
    world: World,
) -> None:
    _view, first = await page_projection(Actor(user_id=None), world.envelope_id)
    _view, again = await page_projection(Actor(user_id=None), world.envelope_id)
    assert again is first
    member = Actor(user_id=1, member_of=frozenset({world.lieu_id}))
    _view, mine = await page_projection(member, world.envelope_id)
    assert mine is not first and [unit.unit for unit in mine.units] == [f"lieu:{world.lieu_id}"]
    await Pledge.insert(
        Pledge(
            envelope=world.envelope_id,
            challenge=world.consented_challenge_id,
            lieu=world.lieu_id,
            source="drawing_rights",
            amount_cents=12_345,
            updated_at=now(),
        )
    )
    _view, after = await page_projection(Actor(user_id=None), world.envelope_id)
    assert after is not first
    pledged = {c.id: c.pledged_cents for c in after.challenges}
    assert pledged[world.consented_challenge_id] == 12_345
    assert {c.id: c.pledged_cents for c in first.challenges}[world.consented_challenge_id] == 0


async def test_a_settlement_is_decoded_and_built_once_but_shows_the_names_of_now(
    world: World,
) -> None:
    _view, first = await page_projection(Actor(user_id=None), world.settled_envelope_id)
    _view, again = await page_projection(Actor(user_id=None), world.settled_envelope_id)
    assert again is first and first.settled
    await Lieu.update({Lieu.name: "La Fabrique renommée"}).where(Lieu.id == world.lieu_id)
    _view, renamed = await page_projection(Actor(user_id=None), world.settled_envelope_id)
    assert renamed is not first
    assert "La Fabrique renommée" in {lieu.name for lieu in renamed.lieux}
    assert renamed.leftover_cents == first.leftover_cents
