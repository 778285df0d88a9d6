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
    assert body["received_cents"] == 270_000
    challenges = {c["id"]: c for c in body["challenges"]}
    funded = challenges[world.funded_challenge_id]
    assert sum(s["amount_cents"] for s in funded["sources"]) == 150_000
    assert [(r["period"], r["status"]) for r in funded["reports"]] == [(1, "changes_requested")]
    reviewed = challenges[world.reviewed_challenge_id]
    assert [(r["period"], r["status"]) for r in reviewed["reports"]] == [(1, "published")]
    # A visitor writes no report; nothing is spent until a report is validated.
    assert funded["report_action"] == "" and funded["spent_cents"] == 0
    assert funded["unreported_cents"] == 150_000
    report = await client.get(f"/api/reports/{world.report_id}")
    assert report.status_code == 200 and report.json()["status"] == "published"
    assert report.json()["period"] == 1


async def test_drafts_and_unsettled_envelopes_are_refused_as_problems(
    client: AsyncTestClient,
    world: World,  # type: ignore[type-arg]
) -> None:
    draft = await factories.make_report(
        world.settled_envelope_id, world.funded_challenge_id, status="draft", period=2
    )
    hidden = await client.get(f"/api/reports/{draft}")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("application/problem+json")
    assert hidden.json()["detail"] == "Ce compte rendu n’existe pas."
    live = await client.get(f"/api/envelopes/{world.envelope_id}/follow-up")
    assert live.status_code == 404
    assert (await client.get("/api/reports/99999")).status_code == 404
    await log_in(client, world.emails["member"])  # a proposer reads its draft
    assert (await client.get(f"/api/reports/{draft}")).json()["status"] == "draft"
