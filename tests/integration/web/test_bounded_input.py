"""Every request's work is bounded (SPEC §8, issue 14): a form's row numbers stop at the
documented maxima, numbers in paths and fields at what the database holds, a JSON body at a
size and a depth; whatever is posted, the answer is a refusal with a message (4xx), never a
page rendered once per posted number nor a 500."""

from __future__ import annotations

import json

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import BudgetLine, Challenge, Report
from tests.conftest import csrf_token
from tests.integration.conftest import World, log_in, post_form
from tests.integration.conftest import page_text as _t
from tests.integration.web.test_challenges import GOOD

HUGE = "9" * 30  # above any database integer
ENORMOUS = "9" * 5000  # above what Python converts from text by default


@pytest.mark.parametrize("index", ["53", "100000", ENORMOUS, "²"])
async def test_a_budget_line_numbered_beyond_the_maximum_is_refused_with_a_message(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    index: str,
) -> None:
    await log_in(client, world.emails["member"])
    before = await Challenge.count(), await BudgetLine.count()
    response = await post_form(
        client,
        f"/reseaux/{world.network_slug}/defis/nouveau",
        {**GOOD, "lieu": str(world.lieu_id), f"lines.{index}.label": "x", "action": "publish"},
    )
    assert response.status_code == 422, response.status_code
    assert "50 postes de dépense au plus." in _t(response)
    # The form shows as many rows as the maximum allows, not one per posted number.
    assert response.text.count('name="lines.') <= 3 * 53
    assert (await Challenge.count(), await BudgetLine.count()) == before


@pytest.mark.parametrize("index", ["23", "100000", ENORMOUS])
async def test_a_deliverable_numbered_beyond_the_maximum_is_refused_with_a_message(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    index: str,
) -> None:
    await log_in(client, world.emails["member"])
    before = await Report.count()
    path = (
        f"/enveloppes/{world.settled_envelope_id}/defis/{world.funded_challenge_id}"
        "/rapports/nouveau"
    )
    response = await post_form(
        client,
        path,
        {
            "progress": "En route.",
            "delivery": "in_progress",
            f"deliverable.{index}.title": "Un livrable",
            f"deliverable.{index}.url": "https://exemple.fr",
        },
    )
    assert response.status_code == 422, response.status_code
    assert "20 au plus." in _t(response)
    assert response.text.count('name="deliverable.') <= 3 * 23
    assert await Report.count() == before


@pytest.mark.parametrize("number", [HUGE, ENORMOUS, "0"])
@pytest.mark.parametrize(
    "path",
    [
        "/defis/{n}",
        "/defis/{n}/versions/1",
        "/enveloppes/{n}",
        "/enveloppes/{n}/suivi",
        "/rapports/{n}",
        "/enveloppes/{n}/donnees/challenges.csv",
    ],
)
async def test_a_number_in_a_path_beyond_any_id_is_not_found(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    path: str,
    number: str,
) -> None:
    response = await client.get(path.format(n=number))
    assert response.status_code == 404, response.status_code
    assert "Introuvable" in response.text


async def test_a_huge_number_in_a_posted_path_is_not_found(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    response = await post_form(client, f"/defis/{HUGE}/nous-aussi", {"lieu": str(world.lieu_id)})
    assert response.status_code == 404


@pytest.mark.parametrize("number", [HUGE, ENORMOUS, "²"])
async def test_a_huge_number_in_a_field_is_refused_with_a_message(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    number: str,
) -> None:
    await log_in(client, world.emails["member"])
    pledge = await post_form(
        client,
        f"/enveloppes/{world.envelope_id}/contributions",
        {
            "challenge": number,
            "unit": f"lieu:{world.lieu_id}",
            "source": "drawing_rights",
            "amount": "10",
        },
    )
    assert 400 <= pledge.status_code < 500, pledge.status_code
    concern = await post_form(
        client, f"/defis/{world.challenge_id}/nous-aussi", {"lieu": number, "note": "Nous aussi"}
    )
    assert 400 <= concern.status_code < 500, concern.status_code
    proposal = await post_form(
        client,
        f"/reseaux/{world.network_slug}/defis/nouveau",
        {**GOOD, "lieu": number, f"co_proposer.{number}": "on", "action": "publish"},
    )
    assert 400 <= proposal.status_code < 500, proposal.status_code
    assert "Choisissez une des options proposées." in _t(proposal)
    compared = await client.get(f"/defis/{world.challenge_id}/comparer?de={number}&a=1")
    assert 400 <= compared.status_code < 500, compared.status_code


def _nested(depth: int) -> str:
    return '{"challenge_id": 1, "x": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [100_000, 1_000])
async def test_a_deeply_nested_json_body_is_refused_as_a_problem(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    depth: int,
) -> None:
    await log_in(client, world.emails["member"])
    token = await csrf_token(client, "/")
    response = await client.put(
        f"/api/envelopes/{world.envelope_id}/pledges",
        content=_nested(depth),
        headers={"x-csrftoken": token, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.status_code
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 400


async def test_a_body_above_the_size_limit_is_refused(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    token = await csrf_token(client, "/")
    body = json.dumps({"challenge_id": 1, "padding": "x" * 2_000_000})
    response = await client.put(
        f"/api/envelopes/{world.envelope_id}/pledges",
        content=body,
        headers={"x-csrftoken": token, "content-type": "application/json"},
    )
    assert response.status_code == 413, response.status_code
    assert response.headers["content-type"].startswith("application/problem+json")
    form = await post_form(
        client, f"/defis/{world.challenge_id}/nous-aussi", {"note": "x" * 2_000_000}
    )
    assert form.status_code == 413
    assert "trop volumineuse" in _t(form)


@pytest.mark.parametrize("query", [f"page={HUGE}", f"per_page={HUGE}", "per_page=201"])
async def test_an_api_page_beyond_the_bounds_is_refused(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    query: str,
) -> None:
    response = await client.get(f"/api/networks/{world.network_id}/challenges?{query}")
    assert response.status_code == 400, response.status_code


@pytest.mark.parametrize("number", [HUGE, ENORMOUS])
@pytest.mark.parametrize(
    "path", ["/api/envelopes/{n}", "/api/challenges/{n}/versions/{n}", "/api/reports/{n}"]
)
async def test_a_number_in_an_api_path_beyond_any_id_is_a_problem_not_a_failure(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    path: str,
    number: str,
) -> None:
    response = await client.get(path.format(n=number))
    assert response.status_code in (400, 404), response.status_code
    assert response.headers["content-type"].startswith("application/problem+json")
