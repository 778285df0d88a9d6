"""The follow-up through the API: the money trail of a settled envelope and its reports, with
the pages' visibility (a draft report is its proposers' only; no trail before settlement)."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from tests.integration.conftest import World, log_in
from tests.support import factories


async def test_the_trail_and_the_reports_read_as_json(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    trail = await client.get(f"/api/envelopes/{world.settled_envelope_id}/follow-up")
    assert trail.status_code == 200
    body = trail.json()
    assert body["received_cents"] == 150_000
    [challenge] = body["challenges"]
    assert challenge["id"] == world.funded_challenge_id
    assert sum(s["amount_cents"] for s in challenge["sources"]) == 150_000
    assert {r["status"] for r in challenge["reports"]} == {"published", "changes_requested"}
    report = await client.get(f"/api/reports/{world.report_id}")
    assert report.status_code == 200 and report.json()["status"] == "published"


async def test_drafts_and_unsettled_envelopes_are_refused_as_problems(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    draft = await factories.make_report(
        world.settled_envelope_id, world.funded_challenge_id, status="draft"
    )
    hidden = await client.get(f"/api/reports/{draft}")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    assert hidden.json()["detail"] == "Ce rapport n’existe pas."
    live = await client.get(f"/api/envelopes/{world.envelope_id}/follow-up")
    assert live.status_code == 404
    assert (await client.get("/api/reports/99999")).status_code == 404
    await log_in(client, world.emails["member"])  # a proposer reads its draft
    assert (await client.get(f"/api/reports/{draft}")).json()["status"] == "draft"
