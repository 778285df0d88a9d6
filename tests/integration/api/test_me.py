"""`GET /api/me`: what waits for the person logged in, as « Mon espace » lists it (issue 16);
a visitor gets a 401 problem."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from cobudget.services.clock import now
from tests.integration.api.conftest import problem
from tests.integration.conftest import World, log_in
from tests.integration.web.test_my_space import consent_for_the_test_lieu

Client = AsyncTestClient  # type: ignore[type-arg]


async def test_a_visitor_gets_a_401_problem(client: Client, world: World) -> None:
    problem(await client.get("/api/me"), 401)


async def test_a_member_reads_the_items_of_its_lieu_with_links_and_deadlines(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["member"])
    me = (await client.get("/api/me")).json()
    assert me["email"] == world.emails["member"]
    [group] = me["groups"]
    assert group["kind"] == "lieu" and group["id"] == world.lieu_id
    position = next(item for item in group["items"] if item["kind"] == "position")
    assert position["link"] == f"/defis/{world.challenge_id}#tour"
    assert position["deadline"] > now().isoformat()[:10]
    assert {"co_proposal", "report_changes"} <= {item["kind"] for item in group["items"]}
    envelope = next(e for e in group["envelopes"] if e["id"] == world.envelope_id)
    assert envelope["rights_cents"] == envelope["left_cents"] == 3_000_000

    await consent_for_the_test_lieu(client, world)
    [group] = (await client.get("/api/me")).json()["groups"]
    assert "position" not in {item["kind"] for item in group["items"]}


async def test_a_coordinator_reads_the_networks_items_and_envelopes(
    client: Client, world: World
) -> None:
    await log_in(client, world.emails["coordinator"])
    [group] = (await client.get("/api/me")).json()["groups"]
    assert group["kind"] == "network" and group["slug"] == world.network_slug
    assert {"review", "settle"} <= {item["kind"] for item in group["items"]}
    assert world.draft_envelope_id in {e["id"] for e in group["envelopes"]}
