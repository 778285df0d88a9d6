"""The actor of a request comes from its session in one query, with every role of the person,
and a session counts only until its expiry and while it is open."""

from __future__ import annotations

import datetime as dt

from cobudget.db.engine import queries_run
from cobudget.db.tables import CofunderPerson, User, WebSession
from cobudget.domain.permissions import VISITOR
from cobudget.services.actors import load_actor, session_actor
from cobudget.services.clock import now
from cobudget.services.sessions import close_session, open_session
from tests.integration.conftest import World
from tests.support import factories


async def _user(world: World, role: str) -> int:
    row = await User.select(User.id).where(User.email == world.emails[role]).first()
    assert row is not None
    return int(row["id"])


async def test_a_session_gives_the_person_with_every_role_in_one_query(world: World) -> None:
    coordinator = await _user(world, "coordinator")
    # A coordinator who is also an admin of one lieu, a member of another and a co-funder.
    await factories.add_member(coordinator, world.lieu_id, admin=True)
    await factories.add_member(coordinator, world.other_lieu_id)
    org = await CofunderPerson.select(CofunderPerson.org).first()
    assert org is not None
    await CofunderPerson.insert(CofunderPerson(user=coordinator, org=org["org"]))
    token = await open_session(coordinator, 3600)
    before = queries_run()
    actor = await session_actor(token)
    assert queries_run() - before == 1
    assert actor.user_id == coordinator and not actor.is_site_admin
    assert actor.coordinator_of == {world.network_id}
    assert actor.member_of == {world.lieu_id, world.other_lieu_id}
    assert actor.lieu_admin_of == {world.lieu_id}
    assert actor.cofunder_of == {org["org"]}
    assert await load_actor(coordinator) == actor


async def test_each_role_of_the_world_is_read_from_its_session(world: World) -> None:
    for role in ("member", "lieu_admin", "cofunder", "site_admin"):
        user = await _user(world, role)
        actor = await session_actor(await open_session(user, 3600))
        assert actor.user_id == user
        assert actor.is_site_admin == (role == "site_admin")
        assert actor.member_of == ({world.lieu_id} if role in ("member", "lieu_admin") else set())
        assert actor.lieu_admin_of == ({world.lieu_id} if role == "lieu_admin" else set())
        assert bool(actor.cofunder_of) == (role == "cofunder")
        assert not actor.coordinator_of


async def test_a_session_counts_until_its_expiry_and_no_longer(world: World) -> None:
    token = await open_session(await _user(world, "member"), 3600)
    row = await WebSession.select(WebSession.expires_at).first()
    assert row is not None
    expiry: dt.datetime = row["expires_at"]
    assert (await session_actor(token, expiry)).user_id is not None
    assert await session_actor(token, expiry + dt.timedelta(microseconds=1)) == VISITOR
    assert await session_actor(token, now() + dt.timedelta(hours=2)) == VISITOR


async def test_a_closed_unknown_or_missing_session_is_the_visitor(world: World) -> None:
    token = await open_session(await _user(world, "member"), 3600)
    assert await session_actor(token + "x") == VISITOR
    assert await session_actor(None) == VISITOR
    assert await session_actor("") == VISITOR
    await close_session(token)
    assert await session_actor(token) == VISITOR
    assert await load_actor(None) == VISITOR
    assert await load_actor(999_999) == VISITOR
