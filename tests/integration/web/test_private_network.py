"""A private network's things answer a reader who may not read them exactly as unknown ones
(issue 14): the same status and the same message, on every page and API route that names one,
so that ids cannot be probed; and nothing is computed for them first (the verification)."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import Network
from cobudget.services import computations
from tests.integration.conftest import World, page_text

UNKNOWN = 987654

# The GET routes that name a thing of a network, as (template, the world's id to put in it).
ROUTES = [
    "/reseaux/{network}",
    "/reseaux/{network}/diagnostic",
    "/reseaux/{network}/journal",
    "/lieux/{lieu}",
    "/defis/{challenge}",
    "/defis/{challenge}/versions/1",
    "/defis/{challenge}/comparer",
    "/enveloppes/{envelope}",
    "/enveloppes/{settled}/verification",
    "/enveloppes/{settled}/comparaison",
    "/enveloppes/{settled}/suivi",
    "/enveloppes/{settled}/reglement.json",
    "/enveloppes/{settled}/donnees-reglement.json",
    "/enveloppes/{settled}/donnees/challenges.csv",
    "/enveloppes/{settled}/defis/{funded}/rapports/nouveau",
    "/enveloppes/{envelope}/defis/{challenge}/contributions",
    "/rapports/{report}",
    "/api/networks/{network_id}",
    "/api/networks/{network_id}/challenges",
    "/api/challenges/{challenge}",
    "/api/envelopes/{envelope}",
    "/reseaux/{network}/besoins",
    "/reseaux/{network}/donnees/besoins.csv",
    "/besoins/{need}/modifier",
    "/api/networks/{network_id}/needs",
    "/api/lieux/{lieu_id}/needs",
]


def _names(world: World, unknown: bool) -> dict[str, object]:
    if unknown:
        return dict.fromkeys(
            (
                "envelope",
                "settled",
                "challenge",
                "funded",
                "round",
                "report",
                "network_id",
                "need",
                "lieu_id",
            ),
            UNKNOWN,
        ) | {"network": "reseau-inconnu", "lieu": "lieu-inconnu"}
    return {
        "network": world.network_slug,
        "lieu": "le-comptoir",  # a lieu of the network only, not the member's
        "network_id": world.network_id,
        "envelope": world.envelope_id,
        "settled": world.settled_envelope_id,
        "challenge": world.challenge_id,
        "funded": world.funded_challenge_id,
        "round": world.round_id,
        "report": world.report_id,
        "need": world.other_need_id,
        "lieu_id": world.other_lieu_id,
    }


def _said(response) -> str:  # type: ignore[no-untyped-def]
    """What the answer says, without the address it was asked at (the language links)."""
    if response.headers["content-type"].startswith("application/problem+json"):
        return str(response.json()["detail"])
    text = page_text(response)
    return text[text.index('role="alert"') :]


@pytest.mark.parametrize("role", ["visitor", "member"])
async def test_a_private_network_answers_as_an_unknown_one(
    as_role, world: World, role: str
) -> None:  # type: ignore[no-untyped-def]
    await Network.update({Network.is_public: False}).where(Network.id == world.network_id)
    client: AsyncTestClient = await as_role(role)  # type: ignore[type-arg]
    runs_before = computations.STATS["runs"]
    for template in ROUTES:
        hidden = await client.get(template.format(**_names(world, False)))
        unknown = await client.get(template.format(**_names(world, True)))
        assert hidden.status_code == unknown.status_code == 404, (template, hidden.status_code)
        assert _said(hidden) == _said(unknown), template
    assert computations.STATS["runs"] == runs_before  # nothing was computed for them


async def test_the_coordinator_still_reads_the_private_network(as_role, world: World) -> None:  # type: ignore[no-untyped-def]
    await Network.update({Network.is_public: False}).where(Network.id == world.network_id)
    client = await as_role("coordinator")
    for template in ("/reseaux/{network}", "/enveloppes/{settled}/verification"):
        response = await client.get(template.format(**_names(world, False)))
        assert response.status_code == 200, template
