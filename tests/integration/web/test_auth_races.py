"""Login guesses and invitation acceptances raced across app processes, as issue 14 found them:
two processes on PostgreSQL (one on SQLite, the embedded default), requests from outside over
HTTP. At most the limit of guesses is checked, a made-up X-Forwarded-For counts for nothing
(behind a trusted proxy, the address the proxy saw counts), and one invitation accepted in both processes at once grants one membership, without a 5xx."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections import Counter
from pathlib import Path

import httpx
import pytest

from cobudget.db.tables import Invitation, LoginAttempt, Membership
from cobudget.services.clock import now
from cobudget.services.tokens import new_token
from tests.support import factories
from tests.support.database import backend
from tests.support.mail import Mailbox
from tests.support.processes import app_processes

GUESSES = 120
CSRF_INPUT = re.compile(r'name="_csrf_token" value="([^"]+)"')


def _process_count() -> int:
    return 2 if backend() == "postgresql" else 1


async def _client(url: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(
        base_url=url, timeout=60, limits=httpx.Limits(max_connections=GUESSES)
    )
    token = CSRF_INPUT.search((await client.get("/connexion")).text)
    assert token is not None
    return client, token.group(1)


async def test_parallel_guesses_in_two_processes_are_checked_no_more_than_the_limit(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = "cible@exemple.fr"
    await factories.make_user(email)
    # 5 free failures per account (the default), then a minute: the whole rush falls in it.
    monkeypatch.setenv("COBUDGET_LOGIN_DELAY_SECONDS", "60")
    monkeypatch.setenv("COBUDGET_LOGIN_MAX_PER_ADDRESS", "1000")
    with app_processes(_process_count(), db, smtp[1], tmp_path) as urls:
        clients = [await _client(url) for url in urls]

        async def guess(number: int) -> int:
            client, token = clients[number % len(clients)]
            password = factories.PASSWORD if number == 99 else f"essai-{number}"
            response = await client.post(
                "/connexion", data={"email": email, "password": password, "_csrf_token": token}
            )
            return response.status_code

        statuses = Counter(await asyncio.gather(*(guess(n) for n in range(GUESSES))))
        for client, _token in clients:
            await client.aclose()
    # 200: the right password, redirected to the member's space.
    assert set(statuses) <= {200, 422, 429}, statuses
    assert statuses[422] <= 5 and statuses[422] + statuses[200] <= 6, statuses
    assert (
        await LoginAttempt.count().where(LoginAttempt.key == f"account:{email}") == (statuses[422])
    )


async def test_a_made_up_forwarded_address_does_not_escape_the_address_limit(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COBUDGET_LOGIN_DELAY_SECONDS", "60")
    monkeypatch.setenv("COBUDGET_LOGIN_MAX_PER_ADDRESS", "5")
    with app_processes(1, db, smtp[1], tmp_path) as urls:
        client, token = await _client(urls[0])
        statuses = []
        for index in range(7):
            response = await client.post(
                "/connexion",
                data={"email": f"inconnu{index}@exemple.fr", "password": "x", "_csrf_token": token},
                headers={"x-forwarded-for": f"203.0.113.{index}"},
            )
            statuses.append(response.status_code)
        await client.aclose()
    assert statuses == [422] * 5 + [429] * 2


async def test_one_invitation_accepted_in_two_processes_at_once_grants_one_membership(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    network_id = await factories.make_network("Réseau des Doubles")
    lieux = [await factories.make_lieu(network_id, f"Lieu {n}") for n in range(10)]
    email = "invitee@exemple.fr"
    user_id = await factories.make_user(email)
    tokens = []
    for lieu_id in lieux:
        token, hashed = new_token()
        await Invitation.insert(
            Invitation(
                token_hash=hashed,
                kind="member",
                email=email,
                network=network_id,
                lieu=lieu_id,
                created_at=now(),
                expires_at=now() + dt.timedelta(days=14),
            )
        )
        tokens.append(token)
    processes = _process_count()
    with app_processes(processes, db, smtp[1], tmp_path) as urls:
        # The invited person, logged in once in each process (two tabs, say).
        clients = []
        for index in range(2):
            client, token = await _client(urls[index % processes])
            await client.post(
                "/connexion",
                data={"email": email, "password": factories.PASSWORD, "_csrf_token": token},
            )
            clients.append((client, token))
        statuses = []
        for invitation_token in tokens:
            answers = await asyncio.gather(
                *(
                    client.post(
                        f"/invitations/{invitation_token}",
                        data={"_csrf_token": token},
                        follow_redirects=False,
                    )
                    for client, token in clients
                )
            )
            statuses += [answer.status_code for answer in answers]
        for client, _token in clients:
            await client.aclose()
    assert statuses == [303] * 20  # the second of each pair answers as the first did
    for lieu_id in lieux:
        assert (
            await Membership.count()
            .where(Membership.user == user_id)
            .where(Membership.lieu == lieu_id)
        ) == 1


async def test_behind_a_trusted_proxy_the_address_it_saw_is_counted(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The test stands for a proxy on 127.0.0.1 that appends the address it saw; the client
    # wrote what lies left of it, a new value each time.
    monkeypatch.setenv("COBUDGET_TRUSTED_PROXIES", "127.0.0.1")
    monkeypatch.setenv("COBUDGET_LOGIN_DELAY_SECONDS", "60")
    monkeypatch.setenv("COBUDGET_LOGIN_MAX_PER_ADDRESS", "5")
    with app_processes(1, db, smtp[1], tmp_path) as urls:
        client, token = await _client(urls[0])

        async def fail(index: int, seen_by_proxy: str) -> int:
            response = await client.post(
                "/connexion",
                data={"email": f"inconnu{index}@exemple.fr", "password": "x", "_csrf_token": token},
                headers={"x-forwarded-for": f"198.51.100.{index}, {seen_by_proxy}"},
            )
            return response.status_code

        one_client = [await fail(index, "203.0.113.9") for index in range(6)]
        another_client = await fail(99, "203.0.113.10")
        await client.aclose()
    assert one_client == [422] * 5 + [429]
    assert another_client == 422
    attempts = await LoginAttempt.select(LoginAttempt.key).where(LoginAttempt.key.like("address:%"))
    assert {row["key"] for row in attempts} == {"address:203.0.113.9", "address:203.0.113.10"}
