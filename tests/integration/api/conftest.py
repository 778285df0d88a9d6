"""Helpers for the API tests: read a problem, and a draft challenge of the test lieu."""

from __future__ import annotations

from typing import Any

from cobudget.db.tables import BudgetLine, Challenge, ChallengeVersion
from cobudget.services.clock import now

PROBLEM = "application/problem+json"


def problem(response: Any, status: int) -> dict[str, Any]:
    """The response's JSON problem, after checking its status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"], body
    return body


async def make_draft_challenge(network_id: int, lieu_id: int) -> int:
    """A challenge its proposers have saved but not published (version 1 is a draft)."""
    rows = await Challenge.insert(
        Challenge(network=network_id, lieu=lieu_id, created_at=now(), current_version=0)
    ).returning(Challenge.id)
    challenge_id = int(rows[0]["id"])
    version = await ChallengeVersion.insert(
        ChallengeVersion(
            challenge=challenge_id,
            number=1,
            title="Un brouillon",
            problem="Pas encore publié.",
            commons="Un commun à venir.",
            users="Les lieux",
            created_at=now(),
        )
    ).returning(ChallengeVersion.id)
    await BudgetLine.insert(
        BudgetLine(version=version[0]["id"], label="Étude", min_cents=10_000, max_cents=20_000)
    )
    return challenge_id
