"""CSRF (issue 14): the double-submit token is not enough on its own. A write that a browser
says comes from another site (`Origin`, `Sec-Fetch-Site`) is refused even with a cookie and
its matching token, as an attacker who injected the cookie would send; the same write from
the app's own origin, or from a client that sends neither header, goes through."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import ConcernedLieu, Pledge
from cobudget.web.csrf import origin_of
from tests.conftest import csrf_token
from tests.integration.conftest import World, log_in
from tests.integration.conftest import page_text as _t

FOREIGN = (
    {"origin": "http://evil.example"},
    {"origin": "http://testserver.local.evil.example"},
    {"origin": "https://testserver.local"},  # another scheme is another origin
    {"origin": "null"},
    {"sec-fetch-site": "cross-site"},
    {"origin": "http://testserver.local", "sec-fetch-site": "cross-site"},
)


async def _concern(client: AsyncTestClient, world: World, headers: dict[str, str]):  # type: ignore[no-untyped-def,type-arg]
    token = await csrf_token(client)
    return await client.post(
        f"/defis/{world.challenge_id}/nous-aussi",
        data={"lieu": str(world.lieu_id), "note": "Nous aussi", "_csrf_token": token},
        headers=headers,
        follow_redirects=False,
    )


@pytest.mark.parametrize("headers", FOREIGN)
async def test_a_form_posted_from_another_site_is_refused_even_with_a_valid_token(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    headers: dict[str, str],
) -> None:
    await log_in(client, world.emails["member"])
    before = await ConcernedLieu.count()
    response = await _concern(client, world, headers)
    assert response.status_code == 403, response.status_code
    assert "Formulaire refusé" in _t(response)
    assert await ConcernedLieu.count() == before


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "http://testserver.local", "sec-fetch-site": "same-origin"},
        {"origin": "HTTP://TESTSERVER.LOCAL:80"},
        {},  # a client that is not a browser: the token alone decides
    ],
)
async def test_the_same_form_from_the_apps_own_origin_goes_through(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    headers: dict[str, str],
) -> None:
    await log_in(client, world.emails["member"])
    response = await _concern(client, world, headers)
    assert response.status_code == 303, response.text


async def test_an_injected_cookie_with_its_token_is_refused_from_another_origin(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """The attacker's own cookie and token, planted in the victim's browser."""
    attacker = AsyncTestClient(app=client.app, base_url="http://testserver.local")
    async with attacker:
        planted = await csrf_token(attacker)
        cookie = attacker.cookies["csrftoken"]
    await log_in(client, world.emails["member"])
    client.cookies.set("csrftoken", cookie)
    before = await ConcernedLieu.count()
    response = await client.post(
        f"/defis/{world.challenge_id}/nous-aussi",
        data={"lieu": str(world.lieu_id), "note": "x", "_csrf_token": planted},
        headers={"origin": "http://evil.example", "sec-fetch-site": "cross-site"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert await ConcernedLieu.count() == before


async def test_the_api_write_checks_the_origin_too(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    await log_in(client, world.emails["member"])
    token = await csrf_token(client, "/")
    body = {
        "challenge_id": world.consented_challenge_id,
        "unit": f"lieu:{world.lieu_id}",
        "source": "drawing_rights",
        "amount_cents": 10_000,
    }
    path = f"/api/envelopes/{world.envelope_id}/pledges"
    refused = await client.put(
        path, json=body, headers={"x-csrftoken": token, "origin": "http://evil.example"}
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await Pledge.count().where(Pledge.envelope == world.envelope_id) == 0
    accepted = await client.put(
        path, json=body, headers={"x-csrftoken": token, "origin": "http://testserver.local"}
    )
    assert accepted.status_code == 200, accepted.text


def test_an_origin_is_compared_as_a_browser_writes_it() -> None:
    assert origin_of("https://Communs.Exemple.fr/") == "https://communs.exemple.fr"
    assert origin_of("https://communs.exemple.fr:443") == "https://communs.exemple.fr"
    assert origin_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert origin_of("null") != origin_of("http://127.0.0.1:8000")
