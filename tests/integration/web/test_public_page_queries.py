"""The public, personal and coordination pages read their data in a fixed number of queries
(issue 15): counted for each role on the small world, then again once the network has more
lieux, challenges, envelopes, members, invitations and journal entries; the counts must not
move. A logged-in request costs at most two queries more than a visitor's (session + actor).
The app keeps no page for visitors here (`page_cache_bytes=0`): their pages are counted as made."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.engine import queries_run
from cobudget.db.tables import AuditEntry, Invitation, Pledge
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.integration.conftest import World, client_with, log_in
from tests.support import factories

# (role, path) of every page these modules serve; {net}, {lieu}, {net_id}, {lieu_id} are the
# test world's network and lieu.
PAGES: tuple[tuple[str, str], ...] = (
    *(
        (role, path)
        for role in ("visitor", "member", "lieu_admin", "cofunder", "coordinator", "site_admin")
        for path in (
            "/",
            "/reseaux/{net}",
            "/lieux/{lieu}",
            "/api/networks",
            "/api/networks/{net_id}",
            "/api/networks/{net_id}/lieux",
            "/api/lieux/{lieu_id}",
        )
    ),
    *(
        (role, "/mon-espace")
        for role in ("member", "lieu_admin", "cofunder", "coordinator", "site_admin")
    ),
    ("site_admin", "/reseaux/{net}/gerer"),
    *(
        ("coordinator", path)
        for path in (
            "/reseaux/{net}/gerer",
            "/reseaux/{net}/journal",
            "/reseaux/{net}/lieux/inviter",
            "/reseaux/{net}/cofinanceurs/inviter",
        )
    ),
    *(
        ("lieu_admin", path)
        for path in ("/lieux/{lieu}/modifier", "/lieux/{lieu}/personnes/inviter")
    ),
    ("site_admin", "/admin/reseaux/nouveau"),
)


@pytest.fixture
async def uncached(settings: Settings) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """A client of an app that keeps no page for visitors: their pages are counted as made."""
    async with client_with(settings, page_cache_bytes=0) as client:
        yield client


async def _counts(client: AsyncTestClient, world: World) -> dict[tuple[str, str], int]:  # type: ignore[type-arg]
    """The statements each page runs, by (role, path), for the pages that answer 200."""
    counts: dict[tuple[str, str], int] = {}
    current = ""
    for role, template in PAGES:
        if role != current:
            client.cookies.clear()
            if role != "visitor":
                await log_in(client, world.emails[role])
            current = role
        path = template.format(
            net=world.network_slug,
            lieu=world.lieu_slug,
            net_id=world.network_id,
            lieu_id=world.lieu_id,
        )
        before = queries_run()
        response = await client.get(path)
        counts[(role, template)] = queries_run() - before
        assert response.status_code == 200, (role, path, response.status_code)
    return counts


async def _grow(world: World) -> None:
    """More of everything the pages list: lieux (with members), challenges (with rounds),
    envelopes (one with pledges, one settled), cofunders, coordinators, invitations, journal."""
    lieux = [
        await factories.make_lieu(world.network_id, f"Lieu en plus {index}") for index in range(6)
    ]
    for index, lieu in enumerate(lieux):
        person = await factories.make_user(f"personne{index}@exemple.fr", f"Personne {index}")
        await factories.add_member(person, lieu, admin=index % 2 == 0)
        await factories.add_member(person, world.lieu_id)
        challenge = await factories.make_challenge(
            world.network_id, lieu, f"Un défi en plus {index}", versions=2
        )
        await factories.make_round(challenge, 2)
    for index in range(3):
        person = await factories.make_user(f"cofinanceur{index}@exemple.fr", f"Cofi {index}")
        await factories.make_cofunder(world.network_id, f"Organisation {index}", person)
        coordinator = await factories.make_user(f"coord{index}@exemple.fr", f"Coord {index}")
        await factories.add_coordinator(coordinator, world.network_id)
    funding = await factories.make_envelope(world.network_id, [world.lieu_id, *lieux])
    await Pledge.insert(
        *(
            Pledge(
                envelope=funding,
                challenge=world.consented_challenge_id,
                lieu=lieu,
                source="drawing_rights",
                amount_cents=10_000,
                updated_at=now(),
            )
            for lieu in lieux
        )
    )
    await factories.make_envelope(world.network_id, [world.lieu_id, *lieux], phase="closed")
    funded = await factories.make_consented_challenge(
        world.network_id, world.lieu_id, lieux[0], "Un autre commun financé"
    )
    settled = await factories.make_settled_envelope(
        world.network_id,
        [world.lieu_id, world.other_lieu_id],
        pledges=((funded, world.other_lieu_id, 90_000),),
    )
    await factories.make_report(settled, funded, deliverables=(("Un guide", "https://ex.fr"),))
    moment = now()
    for index in range(5):
        await Invitation.insert(
            Invitation(
                token_hash=f"{index:064d}",
                kind="lieu_admin",
                email=f"invite{index}@exemple.fr",
                network=world.network_id,
                lieu=lieux[index],
                created_at=moment,
                expires_at=moment,
            )
        )
    await AuditEntry.insert(
        *(
            AuditEntry(
                at=moment,
                action="lieu.edit",
                entity="lieu",
                entity_id=world.lieu_id,
                network=world.network_id,
                after={"name": f"Nom {index}"},
            )
            for index in range(10)
        )
    )


async def test_no_page_reads_more_as_the_network_grows(
    uncached: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    small = await _counts(uncached, world)
    await _grow(world)
    large = await _counts(uncached, world)
    grown = {page: (small[page], large[page]) for page in small if small[page] != large[page]}
    assert not grown, grown
    # And few: the network page, the largest, reads its lieux, co-funders, coordinators,
    # challenges (four kinds of rows) and envelopes, and the person's session and roles; and
    # the facts of its challenges' status badges (issue 18: `search_facts`, three statements,
    # kept by data version where pages are kept at all).
    assert max(large.values()) <= 15, large


async def test_a_logged_in_request_reads_the_session_and_actor_in_two_queries_at_most(
    uncached: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    counts = await _counts(uncached, world)
    visitor = counts[("visitor", "/")]
    for role in ("member", "lieu_admin", "cofunder", "coordinator", "site_admin"):
        assert counts[(role, "/")] - visitor <= 2, (role, counts[(role, "/")], visitor)
