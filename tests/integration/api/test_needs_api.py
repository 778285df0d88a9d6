"""The API's needs (issue 17): a network's and a lieu's active needs, paginated, with their
« nous aussi »; a private network's needs only to who may read the network."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from cobudget.db.tables import Need, Network
from cobudget.services.clock import now
from tests.integration.api.conftest import problem
from tests.integration.conftest import World, log_in
from tests.support import factories


async def test_a_visitor_reads_a_networks_needs_with_their_nous_aussi(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    joined = await factories.make_need(
        world.network_id, world.lieu_id, "Une cuisine", joined_by=(world.other_lieu_id,)
    )
    body = (await client.get(f"/api/networks/{world.network_id}/needs")).json()
    assert body["total"] == 3 and body["page"] == 1
    by_id = {item["id"]: item for item in body["items"]}
    need = by_id[joined]
    assert need["lieu"] == {"id": world.lieu_id, "slug": world.lieu_slug, "name": "La Fabrique"}
    assert (need["min_cents"], need["max_cents"], need["horizon_years"]) == (500_000, 1_500_000, 2)
    assert need["theme"] == "numerique" and need["challenge_id"] is None
    assert [lieu["name"] for lieu in need["joined"]] == ["Le Comptoir"]
    assert need["created_at"].endswith(("+00:00", "Z"))

    lieu = (await client.get(f"/api/lieux/{world.other_lieu_id}/needs")).json()
    assert [item["id"] for item in lieu["items"]] == [world.other_need_id]


async def test_needs_are_paginated_and_archived_ones_left_out(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    for n in range(3):
        await factories.make_need(world.network_id, world.lieu_id, f"Besoin {n}")
    await Need.update({Need.archived_at: now()}).where(Need.id == world.need_id)
    path = f"/api/lieux/{world.lieu_id}/needs"
    pages = [(await client.get(f"{path}?page={n}&per_page=2")).json() for n in (1, 2)]
    assert [p["total"] for p in pages] == [3, 3]
    assert [len(p["items"]) for p in pages] == [2, 1]
    assert world.need_id not in [item["id"] for p in pages for item in p["items"]]
    problem(await client.get(f"{path}?per_page=1000"), 400)


async def test_a_private_networks_needs_are_hidden_but_from_its_coordinators(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await Network.update({Network.is_public: False}).where(Network.id == world.network_id)
    problem(await client.get(f"/api/networks/{world.network_id}/needs"), 404)
    problem(await client.get(f"/api/lieux/{world.other_lieu_id}/needs"), 404)
    await log_in(client, world.emails["coordinator"])
    body = (await client.get(f"/api/networks/{world.network_id}/needs")).json()
    assert body["total"] == 2
