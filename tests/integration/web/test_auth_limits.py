"""The login and reset limits under abuse (issue 14): parallel guesses are reserved before the
password is checked, a guesser cannot lock an owner out for long, a reset link always works,
and a made-up reset link or a flood of reset requests costs no hash and no email."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Callable

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import LoginAttempt, OutboxMessage, PasswordReset, User, WebSession
from cobudget.services import accounts, limits
from cobudget.services.clock import now
from cobudget.services.tokens import new_token
from cobudget.settings import Settings
from tests.conftest import csrf_token
from tests.integration.conftest import World, client_with, log_in, post_form
from tests.support.factories import PASSWORD

GUESSES = 120


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """`clock(seconds)` moves the limits' clock forward, instead of sleeping."""
    offset = [0.0]
    monkeypatch.setattr(limits, "now", lambda: now() + dt.timedelta(seconds=offset[0]))

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


async def _reset_link(email: str) -> str:
    """A valid reset link for that account, as the forgotten-password email carries."""
    token, token_hash = new_token()
    user = await User.select(User.id).where(User.email == email).first()
    assert user is not None
    await PasswordReset.insert(
        PasswordReset(
            token_hash=token_hash,
            user=user["id"],
            created_at=now(),
            expires_at=now() + dt.timedelta(hours=1),
        )
    )
    return token


async def test_parallel_guesses_for_one_account_are_evaluated_no_more_than_the_limit(
    world: World, settings: Settings
) -> None:
    email = world.emails["member"]
    async with client_with(settings, login_max_per_address=1000, login_delay_seconds=60) as client:
        token = await csrf_token(client)
        in_flight = asyncio.Semaphore(40)  # PostgreSQL here opens a connection per query

        async def guess(number: int) -> int:
            password = PASSWORD if number == GUESSES // 2 else f"essai-{number}"
            async with in_flight:
                response = await client.post(
                    "/connexion",
                    data={"email": email, "password": password, "_csrf_token": token},
                    follow_redirects=False,
                )
            return response.status_code

        statuses = Counter(await asyncio.gather(*(guess(n) for n in range(GUESSES))))
    assert set(statuses) <= {303, 422, 429}, statuses
    # At most 3 wrong passwords were checked (the test settings allow 3 failures); a right
    # one, if its turn came, forgets its reservation and may let one more through.
    assert statuses[422] <= 3 and statuses[422] + statuses[303] <= 4, statuses
    assert statuses[429] >= GUESSES - 4
    assert (
        await LoginAttempt.count().where(LoginAttempt.key == f"account:{email}") == (statuses[422])
    )


async def test_a_guesser_slows_down_more_and_more_but_locks_no_owner_out(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    clock: Callable[[float], None],
) -> None:
    email = world.emails["member"]
    for _ in range(3):  # the 3 failures the test settings allow
        wrong = await post_form(client, "/connexion", {"email": email, "password": "x"})
        assert wrong.status_code == 422
    delays = []
    for _ in range(7):  # a guesser who waits just long enough each time
        refused = await post_form(client, "/connexion", {"email": email, "password": "x"})
        assert refused.status_code == 429
        assert "Trop de tentatives de connexion" in refused.text
        delays.append(int(refused.headers["retry-after"]))
        clock(delays[-1])
        assert (
            await post_form(client, "/connexion", {"email": email, "password": "x"})
        ).status_code == 422
    assert delays == [2, 4, 8, 16, 32, 60, 60]  # doubling, up to a minute
    # The owner is held back a minute at most, then the right password gets in.
    owner = await post_form(client, "/connexion", {"email": email, "password": PASSWORD})
    assert owner.status_code == 429 and int(owner.headers["retry-after"]) <= 60
    assert "Réessayez dans 1 minute" in owner.text or "secondes" in owner.text
    clock(60)
    await log_in(client, email)


async def test_guesses_from_made_up_forwarded_addresses_hold_the_owner_back_seconds_only(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    clock: Callable[[float], None],
) -> None:
    email = world.emails["member"]
    statuses = []
    for index in range(5):
        token = await csrf_token(client)
        response = await client.post(
            "/connexion",
            data={"email": email, "password": "x", "_csrf_token": token},
            headers={"x-forwarded-for": f"203.0.113.{index}"},
            follow_redirects=False,
        )
        statuses.append(response.status_code)
    assert statuses == [422, 422, 422, 429, 429]
    owner = await post_form(client, "/connexion", {"email": email, "password": PASSWORD})
    assert owner.status_code == 429
    wait = int(owner.headers["retry-after"])
    assert wait <= 2  # not 15 minutes
    clock(wait)
    await log_in(client, email)


async def test_a_made_up_reset_link_costs_no_hash_and_its_failures_are_limited_per_address(
    world: World, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed = []
    real_hash = accounts.hash_password

    async def counting_hash(password: str) -> str:
        hashed.append(password)
        return await real_hash(password)

    monkeypatch.setattr(accounts, "hash_password", counting_hash)
    token = await _reset_link(world.emails["member"])
    fields = {"password": "un-nouveau-secret", "password_confirmation": "un-nouveau-secret"}
    async with client_with(settings, reset_failures_per_address_per_hour=3) as client:
        answers = [
            await post_form(client, f"/mot-de-passe/invente-{n}", fields, form_page="/connexion")
            for n in range(4)
        ]
        assert [a.status_code for a in answers] == [422, 422, 422, 429]
        assert "plus valable" in answers[0].text
        assert "Trop de liens de mot de passe invalides" in answers[3].text
        assert int(answers[3].headers["retry-after"]) > 0
        assert hashed == []  # no made-up link cost a hash
        # A real link always works, from the same address too.
        real = await post_form(client, f"/mot-de-passe/{token}", fields)
        assert real.status_code == 303
        assert len(hashed) == 1


async def test_reset_requests_are_limited_per_email_and_per_address_and_send_nothing_more(
    world: World, settings: Settings
) -> None:
    email = world.emails["member"]
    async with client_with(settings, reset_requests_per_address_per_hour=4) as client:
        asked = [
            await post_form(client, "/mot-de-passe-oublie", {"email": email}) for _ in range(4)
        ]
        assert [a.status_code for a in asked] == [200, 200, 200, 429]
        assert "Trop de demandes de nouveau mot de passe" in asked[3].text
        assert "valable deux heures" in asked[3].text
        assert await OutboxMessage.count() == 3
        # An unknown email is limited the same way (the limit says nothing of accounts).
        others = [
            await post_form(client, "/mot-de-passe-oublie", {"email": f"x{n}@exemple.fr"})
            for n in range(2)
        ]
        assert [a.status_code for a in others] == [200, 429]  # 4 per address
        assert await OutboxMessage.count() == 3


async def test_a_reset_link_lets_the_owner_in_while_a_guesser_holds_the_account(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    email = world.emails["member"]
    for _ in range(4):
        await post_form(client, "/connexion", {"email": email, "password": "x"})
    token = await _reset_link(email)
    fields = {"password": "un-nouveau-secret", "password_confirmation": "un-nouveau-secret"}
    assert (await post_form(client, f"/mot-de-passe/{token}", fields)).status_code == 303
    assert await WebSession.count() == 1
    client.cookies.clear()
    await log_in(client, email, "un-nouveau-secret")  # the failures were forgotten


async def test_the_owners_browser_gets_in_while_a_guesser_holds_the_account_back(
    world: World, settings: Settings
) -> None:
    email = world.emails["member"]
    async with (
        client_with(settings, login_delay_seconds=60) as owner,
        client_with(settings, login_delay_seconds=60) as guesser,
    ):
        await log_in(owner, email)  # this browser is now known to the account
        assert owner.cookies.get("cobudget_device")
        await post_form(owner, "/deconnexion", {}, form_page="/mon-espace")
        # Elsewhere, with a made-up device cookie: 3 failures, then a minute to wait.
        guesser.cookies.set("cobudget_device", "invente.0123456789abcdef0123456789abcdef")
        for _ in range(4):
            await post_form(guesser, "/connexion", {"email": email, "password": "x"})
        held = await post_form(guesser, "/connexion", {"email": email, "password": PASSWORD})
        assert held.status_code == 429  # any browser the account does not know is held back
        await log_in(owner, email)  # the owner's browser is counted on its own
