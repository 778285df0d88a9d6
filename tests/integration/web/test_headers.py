"""Security headers on every response (issue 14): pages, htmx fragments, the API, static files,
error pages and unknown paths; HSTS and Secure `__Host-` cookies exactly when the base URL is
https, derived from it rather than from a second switch to forget."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from cobudget.settings import Settings
from tests.integration.conftest import World, log_in
from tests.support.factories import PASSWORD

PATHS = (
    "/",
    "/connexion",
    "/reseaux/reseau-test",
    "/api/networks/{network}",
    "/api/docs",
    "/static/app/app.css",
    "/static/vendor/htmx/htmx.min.js",
    "/favicon.ico",
    "/pas-une-page",
    "/defis/999999",
    "/api/networks/999999",
)


@pytest.mark.parametrize("path", PATHS)
async def test_every_response_forbids_framing_sniffing_and_foreign_content(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    path: str,
) -> None:
    response = await client.get(path.format(network=world.network_id))
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # plain http: no HSTS


async def test_a_refused_form_and_an_htmx_fragment_carry_them_too(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    refused = await client.post("/connexion", data={"email": "x"})  # no CSRF token: 403
    assert refused.status_code == 403 and refused.headers["x-frame-options"] == "DENY"
    fragment = await client.get(
        f"/enveloppes/{world.envelope_id}/defis/{world.consented_challenge_id}/contributions",
        headers={"hx-request": "true"},
    )
    assert "frame-ancestors 'none'" in fragment.headers["content-security-policy"]


async def test_no_page_has_inline_script_or_style(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    """What the CSP would refuse: a `<script>` with a body, a `<style>`, a `style=` attribute."""
    await log_in(client, world.emails["coordinator"])
    for path in (
        "/",
        f"/reseaux/{world.network_slug}",
        f"/defis/{world.challenge_id}",
        f"/enveloppes/{world.envelope_id}",
        f"/enveloppes/{world.settled_envelope_id}/suivi",
        f"/enveloppes/{world.settled_envelope_id}/comparaison",
        "/api/docs",
    ):
        text = (await client.get(path)).text
        assert "<style" not in text and " style=" not in text, path
        assert "<script>" not in text and "<script " not in text.replace("<script src=", ""), path


@pytest.fixture
async def https_client(session_settings: Settings, db: str) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    from cobudget.web.app import create_app

    app = create_app(dataclasses.replace(session_settings, base_url="https://testserver.local"))
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        yield client


async def test_over_https_cookies_are_secure_host_only_and_hsts_is_sent(
    https_client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    page = await https_client.get("/connexion")
    assert page.headers["strict-transport-security"].startswith("max-age=")
    csrf_cookie = page.headers["set-cookie"]
    assert csrf_cookie.startswith("__Host-csrftoken=") and "Secure" in csrf_cookie
    assert "Path=/" in csrf_cookie and "Domain" not in csrf_cookie
    token = https_client.cookies["__Host-csrftoken"]
    logged_in = await https_client.post(
        "/connexion",
        data={"email": world.emails["member"], "password": PASSWORD, "_csrf_token": token},
        headers={"origin": "https://testserver.local"},
        follow_redirects=False,
    )
    assert logged_in.status_code == 303, logged_in.text
    session_cookie = logged_in.headers["set-cookie"]
    assert "cobudget_session=" in session_cookie and "Secure" in session_cookie
    assert "HttpOnly" in session_cookie
    language = await https_client.get("/langue/en", follow_redirects=False)
    assert "cobudget_lang=en" in language.headers["set-cookie"]
    assert "Secure" in language.headers["set-cookie"]


def test_https_follows_from_the_base_url_alone() -> None:
    base = Settings(database_url="sqlite://", secret_key="k")
    assert not base.https
    assert dataclasses.replace(base, base_url="https://communs.exemple.fr").https
    assert not hasattr(base, "secure_cookies")
