"""A small world with one person in each role of SPEC §2, and a way to log in as them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from cobudget.settings import Settings
from tests.conftest import csrf_token
from tests.support import database, factories
from tests.support.factories import PASSWORD

ROLES = ("visitor", "member", "lieu_admin", "cofunder", "coordinator", "site_admin")


@dataclass(frozen=True)
class World:
    network_id: int
    network_slug: str
    lieu_id: int
    lieu_slug: str
    other_lieu_id: int
    emails: dict[str, str]
    # Proposed by the other lieu, in two versions; the test lieu is invited to co-propose it.
    challenge_id: int = 0
    # Another challenge of the other lieu, with no round yet; the first has an open round with
    # a question from the test lieu and a comment.
    fresh_challenge_id: int = 0
    round_id: int = 0
    question_id: int = 0
    comment_id: int = 0
    # An envelope in funding, and a draft one.
    envelope_id: int = 0
    draft_envelope_id: int = 0
    # A challenge of the other lieu consented by the test lieu; an equal-shares envelope in
    # funding (support by approval); a closed envelope; a settled one.
    consented_challenge_id: int = 0
    es_envelope_id: int = 0
    closed_envelope_id: int = 0
    settled_envelope_id: int = 0
    # The settled envelope funded this challenge of the test lieu (1 500 € from the other
    # lieu), whose report of period 1 was sent back for changes (`draft_report_id`), and a
    # challenge of the other lieu (1 200 € from the test lieu), whose report of period 1 is
    # published and awaits validation (`report_id`): one report per period.
    funded_challenge_id: int = 0
    report_id: int = 0
    draft_report_id: int = 0
    reviewed_challenge_id: int = 0
    # A comment of the test lieu in the discussion of `challenge_id` (issue 16).
    discussion_id: int = 0
    # A need of the test lieu, and one of the other lieu (issue 17).
    need_id: int = 0
    other_need_id: int = 0


# The world is built once per run and copied back before each test that asks for it (SQLite's
# backup API; on PostgreSQL, rows kept in a schema of their own), instead of being built again
# (hundreds of queries): the role table alone asks for it 367 times. Its dates are relative to
# the moment it was built, minutes ago at most.
_SNAPSHOTS: dict[str, tuple[World, Path]] = {}


@pytest.fixture
async def world(db: str, tmp_path_factory: pytest.TempPathFactory) -> World:
    if database.backend() != "sqlite":
        return await _postgresql_world(db)
    snapshot = _SNAPSHOTS.get(db)
    if snapshot is not None:
        database.copy_sqlite(snapshot[1], database.sqlite_path(db))
        return snapshot[0]
    built = await _world()
    path = tmp_path_factory.mktemp("world") / "world.sqlite3"
    database.copy_sqlite(database.sqlite_path(db), path)
    _SNAPSHOTS[db] = (built, path)
    return built


async def _postgresql_world(db: str) -> World:
    """On PostgreSQL the same, with the world's rows kept in a schema of their own."""
    snapshot = _SNAPSHOTS.get(db)
    if snapshot is not None:
        await database.restore_postgresql(db, "world_snapshot")
        return snapshot[0]
    async with database.pooled_setup(db):
        built = await _world()
    await database.snapshot_postgresql(db, "world_snapshot")
    _SNAPSHOTS[db] = (built, Path())
    return built


async def _world() -> World:
    network_id = await factories.make_network("Réseau Test")
    lieu_id = await factories.make_lieu(network_id, "La Fabrique")
    other_lieu_id = await factories.make_lieu(network_id, "Le Comptoir", legal_form="scic")
    emails = {role: f"{role.replace('_', '.')}@exemple.fr" for role in ROLES if role != "visitor"}
    member = await factories.make_user(emails["member"], "Awa Membre")
    await factories.add_member(member, lieu_id)
    lieu_admin = await factories.make_user(emails["lieu_admin"], "Jules Admin")
    await factories.add_member(lieu_admin, lieu_id, admin=True)
    cofunder = await factories.make_user(emails["cofunder"], "Paul Cofinanceur")
    await factories.make_cofunder(network_id, "Département Test", cofunder)
    coordinator = await factories.make_user(emails["coordinator"], "Inès Coordination")
    await factories.add_coordinator(coordinator, network_id)
    await factories.make_user(emails["site_admin"], "Camille Site", site_admin=True)
    challenge_id = await factories.make_challenge(
        network_id, other_lieu_id, versions=2, co_proposer=lieu_id
    )
    fresh_challenge_id = await factories.make_challenge(network_id, other_lieu_id, "Un pass")
    round_id = await factories.make_round(challenge_id, 2)
    question_id = await factories.make_question(round_id, lieu_id)
    comment_id = await factories.make_comment(round_id, lieu_id)
    envelope_id = await factories.make_envelope(network_id, [lieu_id, other_lieu_id])
    draft_envelope_id = await factories.make_envelope(
        network_id, [lieu_id, other_lieu_id], phase="draft"
    )
    consented = await factories.make_consented_challenge(network_id, other_lieu_id, lieu_id)
    es_envelope_id = await factories.make_envelope(
        network_id, [lieu_id, other_lieu_id], rule="equal_shares"
    )
    closed_envelope_id = await factories.make_envelope(
        network_id, [lieu_id, other_lieu_id], phase="closed"
    )
    funded = await factories.make_consented_challenge(
        network_id, lieu_id, other_lieu_id, "Un commun financé"
    )
    reviewed = await factories.make_consented_challenge(
        network_id, other_lieu_id, lieu_id, "Un commun en revue"
    )
    settled = await factories.make_settled_envelope(
        network_id,
        [lieu_id, other_lieu_id],
        pledges=((funded, other_lieu_id, 150_000), (reviewed, lieu_id, 120_000)),
    )
    return World(
        network_id,
        "reseau-test",
        lieu_id,
        "la-fabrique",
        other_lieu_id,
        emails,
        challenge_id,
        fresh_challenge_id,
        round_id,
        question_id,
        comment_id,
        envelope_id,
        draft_envelope_id,
        consented,
        es_envelope_id,
        closed_envelope_id,
        settled,
        funded,
        await factories.make_report(settled, reviewed),
        await factories.make_report(
            settled, funded, status="changes_requested", comment="Ajoutez les factures."
        ),
        reviewed,
        await factories.make_discussion_comment(challenge_id, lieu_id),
        need_id=await factories.make_need(network_id, lieu_id, "Un four à pain partagé"),
        other_need_id=await factories.make_need(network_id, other_lieu_id, theme="alimentation"),
    )


def page_text(response) -> str:  # type: ignore[no-untyped-def]
    """The page's text with Babel's narrow and non-breaking spaces read as spaces."""
    return str(response.text).replace("\u202f", " ").replace("\xa0", " ")


async def log_in(client: AsyncTestClient, email: str, password: str = PASSWORD) -> None:  # type: ignore[type-arg]
    token = await csrf_token(client)
    response = await client.post(
        "/connexion",
        data={"email": email, "password": password, "_csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@asynccontextmanager
async def client_with(settings: Settings, **changes: int) -> AsyncIterator[AsyncTestClient]:  # type: ignore[type-arg]
    """A client of an app whose settings differ from the test settings (lower limits, say)."""
    from cobudget.web.app import create_app

    app = create_app(replace(settings, **changes))  # type: ignore[arg-type]
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


async def post_form(
    client: AsyncTestClient,
    path: str,
    data: dict[str, str],  # type: ignore[type-arg]
    form_page: str = "/connexion",
):  # type: ignore[no-untyped-def]
    """Post a form the way a browser does: with the CSRF token of a page just loaded."""
    token = await csrf_token(client, form_page)
    return await client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


async def pledge_by_form(client: AsyncTestClient, world: World, amount: str):  # type: ignore[no-untyped-def,type-arg]
    """The logged-in member of the test lieu pledges `amount` euros from its drawing rights to
    the consented challenge, through the envelope page's form; the 303 it answers."""
    response = await post_form(
        client,
        f"/enveloppes/{world.envelope_id}/contributions",
        {
            "challenge": str(world.consented_challenge_id),
            "unit": f"lieu:{world.lieu_id}",
            "source": "drawing_rights",
            "amount": amount,
        },
        form_page=f"/enveloppes/{world.envelope_id}",
    )
    assert response.status_code == 303, response.text
    return response


@pytest.fixture
async def as_role(client: AsyncTestClient, world: World):  # type: ignore[no-untyped-def,type-arg]
    """`await as_role("coordinator")` logs the test client in as that role's person."""

    async def switch(role: str) -> AsyncTestClient:  # type: ignore[type-arg]
        client.cookies.clear()
        if role != "visitor":
            await log_in(client, world.emails[role])
        return client

    return switch
