"""Invitations under abuse (issue 14): no name a user chose goes into a subject, invitations and
sign-ups are limited, and one invitation accepted twice at once grants one membership."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.tables import Invitation, Lieu, Membership, OutboxMessage, User
from cobudget.domain.errors import Duplicate
from cobudget.services import outbox
from cobudget.services.clock import now
from cobudget.services.tokens import new_token
from cobudget.settings import Settings
from tests.conftest import csrf_token
from tests.integration.conftest import World, client_with, log_in, post_form
from tests.support.mail import Mailbox, body_of
from tests.support.text import plain

PHISHING = "Votre compte expire - confirmez sur http://piege.example"
NEW_ACCOUNT = {
    "name": "Nouvelle Personne",
    "password": "un-secret-solide",
    "password_confirmation": "un-secret-solide",
}


async def invitation(world: World, email: str, kind: str = "member") -> str:
    """An invitation to the test lieu, as a lieu admin's form writes it; returns its token."""
    token, hashed = new_token()
    await Invitation.insert(
        Invitation(
            token_hash=hashed,
            kind=kind,
            email=email,
            network=world.network_id,
            lieu=world.lieu_id,
            created_at=now(),
            expires_at=now() + dt.timedelta(days=14),
        )
    )
    return token


async def test_an_invitation_subject_carries_no_name_a_user_chose(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
    settings: Settings,
    mailbox: Mailbox,
) -> None:
    await Lieu.update({Lieu.name: PHISHING}).where(Lieu.id == world.lieu_id)
    await log_in(client, world.emails["lieu_admin"])
    path = f"/lieux/{world.lieu_slug}/personnes/inviter"
    sent = await post_form(client, path, {"email": "cible@exemple.fr"}, form_page=path)
    assert sent.status_code == 200
    await outbox.send_due(settings)
    message = await mailbox.wait_for("cible@exemple.fr")
    assert plain(message["Subject"]) == "Invitation : rejoindre un lieu sur Cobudget des communs"
    # Names people chose (the lieu's, the inviter's) are quoted, in the body only.
    assert f"« Jules Admin » vous invite à rejoindre le lieu « {PHISHING} »" in body_of(message)


async def test_invitations_are_limited_per_invited_address_and_per_lieu_per_day(
    world: World, settings: Settings
) -> None:
    async with client_with(
        settings, invitations_per_email_per_day=2, invitations_per_lieu_per_day=3
    ) as client:
        await log_in(client, world.emails["lieu_admin"])
        path = f"/lieux/{world.lieu_slug}/personnes/inviter"
        statuses = []
        for email in ("x@exemple.fr", "x@exemple.fr", "x@exemple.fr", "y@exemple.fr", "z@a.fr"):
            response = await post_form(client, path, {"email": email}, form_page=path)
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert "Trop d’invitations envoyées aujourd’hui" in response.text
                assert int(response.headers["retry-after"]) > 3600  # tomorrow, nearly
        assert statuses == [200, 200, 429, 200, 429]
    # x's second invitation refreshed its first (one row, a new link each time), y has one.
    assert await Invitation.count() == 2
    assert await OutboxMessage.count() == 3  # a refusal changed nothing


async def test_sign_ups_are_limited_per_client_address(world: World, settings: Settings) -> None:
    first = await invitation(world, "premiere@exemple.fr")
    second = await invitation(world, "seconde@exemple.fr")
    users = await User.count()
    async with client_with(settings, signups_per_address_per_hour=1) as client:
        path = f"/invitations/{first}"
        assert (await post_form(client, path, NEW_ACCOUNT, form_page=path)).status_code == 303
        client.cookies.clear()
        path = f"/invitations/{second}"
        refused = await post_form(client, path, NEW_ACCOUNT, form_page=path)
        assert refused.status_code == 429
        assert "Trop de comptes créés depuis votre adresse" in refused.text
    assert await User.count() == users + 1


async def _accept_twice_at_once(client: AsyncTestClient, paths: list[str]) -> list[int]:  # type: ignore[type-arg]
    token = await csrf_token(client)
    answers = await asyncio.gather(
        *(client.post(path, data={"_csrf_token": token}, follow_redirects=False) for path in paths)
    )
    return [answer.status_code for answer in answers]


async def test_one_invitation_accepted_twice_at_once_grants_one_membership(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    email = world.emails["cofunder"]  # an account, in no lieu yet
    token = await invitation(world, email)
    await log_in(client, email)
    statuses = await _accept_twice_at_once(client, [f"/invitations/{token}"] * 2)
    assert statuses == [303, 303]  # the second answers as the first did
    user = await User.select(User.id).where(User.email == email).first()
    assert user is not None
    assert (
        await Membership.count()
        .where(Membership.user == user["id"])
        .where(Membership.lieu == world.lieu_id)
    ) == 1


async def test_two_invitations_to_one_lieu_accepted_at_once_grant_one_membership(
    client: AsyncTestClient,  # type: ignore[type-arg]
    world: World,
) -> None:
    email = world.emails["cofunder"]
    tokens = [await invitation(world, email), await invitation(world, email, "lieu_admin")]
    await log_in(client, email)
    statuses = await _accept_twice_at_once(client, [f"/invitations/{t}" for t in tokens])
    assert statuses == [303, 303]
    user = await User.select(User.id).where(User.email == email).first()
    assert user is not None
    rows = (
        await Membership.select()
        .where(Membership.user == user["id"])
        .where(Membership.lieu == world.lieu_id)
    )
    assert len(rows) == 1 and rows[0]["is_admin"]  # the stronger role stays


async def test_the_database_holds_one_membership_per_person_and_lieu(world: World) -> None:
    user = await User.select(User.id).where(User.email == world.emails["member"]).first()
    assert user is not None
    with pytest.raises(Duplicate, match="duplicate"):
        await Membership.insert(Membership(user=user["id"], lieu=world.lieu_id, is_admin=False))
