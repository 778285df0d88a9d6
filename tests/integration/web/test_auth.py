"""Log in and out, server-side sessions, the login rate limit, CSRF, password reset by email."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from cobudget.db.tables import LoginAttempt, User, WebSession
from cobudget.services import outbox
from cobudget.settings import Settings
from cobudget.web.app import create_app
from tests.conftest import csrf_token
from tests.integration.conftest import World, log_in, post_form
from tests.support.factories import PASSWORD
from tests.support.mail import Mailbox, link_in


async def test_member_logs_in_and_sees_their_lieu(client: AsyncTestClient, world: World) -> None:  # type: ignore[type-arg]
    await log_in(client, world.emails["member"])
    page = await client.get("/mon-espace")
    assert page.status_code == 200
    assert "La Fabrique" in page.text
    assert await WebSession.count() == 1


async def test_wrong_password_gets_a_french_message_next_to_the_field(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    response = await post_form(
        client, "/connexion", {"email": world.emails["member"], "password": "pas-le-bon"}
    )
    assert response.status_code == 422
    assert 'id="e-password"' in response.text
    assert "Adresse e-mail ou mot de passe incorrect." in response.text
    # A login records nothing: the summary says what happened, not « formulaire non enregistré ».
    assert "Vous n’êtes pas connecté·e." in response.text
    assert "pas été enregistré" not in response.text
    assert await WebSession.count() == 0


async def test_session_is_not_usable_after_logout(client: AsyncTestClient, world: World) -> None:  # type: ignore[type-arg]
    await log_in(client, world.emails["member"])
    cookie = client.cookies.get("cobudget_session")
    assert cookie
    await post_form(client, "/deconnexion", {}, form_page="/mon-espace")
    assert await WebSession.count() == 0
    client.cookies.set("cobudget_session", cookie)  # replaying the old cookie
    assert (await client.get("/mon-espace")).status_code == 401


async def test_session_survives_a_restart_and_works_in_another_process(
    settings: Settings, world: World
) -> None:
    async with AsyncTestClient(
        app=create_app(settings), base_url="http://testserver.local"
    ) as first:
        await log_in(first, world.emails["coordinator"])
        cookie = first.cookies.get("cobudget_session")
    async with AsyncTestClient(
        app=create_app(settings), base_url="http://testserver.local"
    ) as second:
        second.cookies.set("cobudget_session", str(cookie))
        page = await second.get("/mon-espace")
        assert page.status_code == 200
        assert "Réseau Test" in page.text


async def test_login_is_rate_limited_per_account_with_a_french_message(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    email = world.emails["member"]
    for _ in range(3):  # the test settings allow 3 failures per account
        assert (
            await post_form(client, "/connexion", {"email": email, "password": "x"})
        ).status_code == 422
    blocked = await post_form(client, "/connexion", {"email": email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Trop de tentatives de connexion" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    assert await WebSession.count() == 0  # even the right password does not get in now


async def test_login_is_rate_limited_per_address_across_accounts(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    for index in range(6):  # 6 failures from one address, spread over several accounts
        response = await post_form(
            client,
            "/connexion",
            {"email": f"inconnu{index % 3}-{index}@exemple.fr", "password": "x"},
        )
        assert response.status_code == 422
    blocked = await post_form(
        client, "/connexion", {"email": world.emails["coordinator"], "password": PASSWORD}
    )
    assert blocked.status_code == 429
    assert await LoginAttempt.count() == 12


async def test_a_form_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    await csrf_token(client)
    forged = await client.post(
        "/connexion",
        data={"email": world.emails["member"], "password": PASSWORD, "_csrf_token": "forged"},
    )
    assert forged.status_code == 403
    assert "Le formulaire a expiré ou ne vient pas de ce site." in forged.text
    missing = await client.post(
        "/connexion", data={"email": world.emails["member"], "password": PASSWORD}
    )
    assert missing.status_code == 403
    assert await WebSession.count() == 0


async def test_htmx_requests_carry_the_csrf_token_in_a_header(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    page = await client.get("/connexion")
    assert "x-csrftoken" in page.text
    token = await csrf_token(client)
    response = await client.post(
        "/connexion",
        data={"email": world.emails["member"], "password": PASSWORD},
        headers={"x-csrftoken": token, "hx-request": "true"},
        follow_redirects=False,
    )
    assert response.status_code == 303


async def test_password_reset_goes_by_email_and_closes_old_sessions(
    client: AsyncTestClient,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[type-arg]
) -> None:
    email = world.emails["member"]
    await log_in(client, email)
    old_cookie = client.cookies.get("cobudget_session")
    client.cookies.clear()
    asked = await post_form(client, "/mot-de-passe-oublie", {"email": email})
    assert asked.status_code == 200 and "Si un compte existe" in asked.text
    assert await outbox.send_due(settings) == 1
    message = await mailbox.wait_for(email)
    assert message["Subject"] == "Choisir un nouveau mot de passe"
    path = link_in(message).removeprefix(settings.base_url)
    reset = await post_form(
        client,
        path,
        {"password": "un-nouveau-secret", "password_confirmation": "un-nouveau-secret"},
        form_page=path,
    )
    assert reset.status_code == 303
    client.cookies.clear()
    client.cookies.set("cobudget_session", str(old_cookie))
    assert (await client.get("/mon-espace")).status_code == 401
    client.cookies.clear()
    await log_in(client, email, "un-nouveau-secret")
    again = await post_form(
        client,
        path,
        {"password": "encore-un-autre", "password_confirmation": "encore-un-autre"},
        form_page=path,
    )
    assert again.status_code == 422 and "plus valable" in again.text


async def test_password_reset_for_an_unknown_email_says_the_same_and_sends_nothing(
    client: AsyncTestClient,
    world: World,
    settings: Settings,
    mailbox: Mailbox,  # type: ignore[type-arg]
) -> None:
    response = await post_form(client, "/mot-de-passe-oublie", {"email": "personne@exemple.fr"})
    assert response.status_code == 200 and "Si un compte existe" in response.text
    assert await outbox.send_due(settings) == 0


async def test_password_reset_refuses_a_short_or_mismatched_password(
    client: AsyncTestClient, world: World
) -> None:  # type: ignore[type-arg]
    short = await post_form(
        client, "/mot-de-passe/nimporte", {"password": "court", "password_confirmation": "court"}
    )
    assert short.status_code == 422 and "au moins 10 caractères" in short.text
    mismatch = await post_form(
        client,
        "/mot-de-passe/nimporte",
        {"password": "assez-long-1", "password_confirmation": "assez-long-2"},
    )
    assert mismatch.status_code == 422 and "pas identiques" in mismatch.text
    assert await User.count() == 5
