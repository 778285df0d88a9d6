"""The product's "one per" rules are held by the database too (issue 14): a second row where the
product allows one is refused by a unique index, and the writers that can meet it at the same
moment answer as the product expects (the same « nous aussi » updated, a position change or a
version refused with a clear 409 or message), never a 500 nor two rows. Concurrent requests on
PostgreSQL run on connections of their own; on SQLite they take turns."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from litestar.testing import AsyncTestClient

from cobudget.db.engine import bind_tables, make_engine
from cobudget.db.tables import (
    ConcernedLieu,
    Coordinator,
    EnvelopeLieu,
    Pledge,
    RoundPosition,
    Support,
)
from cobudget.domain.errors import Duplicate, InvalidInput
from cobudget.domain.permissions import Actor
from cobudget.services import challenges, rounds
from cobudget.services.clock import now
from cobudget.settings import Settings
from tests.integration.conftest import log_in, page_text, post_form
from tests.support import database, factories
from tests.support.database import backend
from tests.support.mail import Mailbox
from tests.support.processes import app_processes

CONSTRAINTS_MIGRATION = "2026-12-06T05:09:30:000000"
BEFORE_CONSTRAINTS = "2026-12-06T05:09:01:584241"


async def _network() -> tuple[int, list[int], list[int]]:
    """A network of three lieux, each with one admin: (network, lieux, users)."""
    network_id = await factories.make_network("Réseau des Règles")
    lieux, users = [], []
    for index in range(3):
        lieu = await factories.make_lieu(network_id, f"Lieu {index}")
        user = await factories.make_user(f"lieu{index}@exemple.fr")
        await factories.add_member(user, lieu, admin=True)
        lieux.append(lieu)
        users.append(user)
    return network_id, lieux, users


def _member(user_id: int, lieu_id: int) -> Actor:
    return Actor(
        user_id=user_id, member_of=frozenset({lieu_id}), lieu_admin_of=frozenset({lieu_id})
    )


async def test_a_second_row_where_the_product_allows_one_is_refused(db: str) -> None:
    network_id, lieux, users = await _network()
    challenge = await factories.make_consented_challenge(network_id, lieux[0], lieux[1])
    envelope = await factories.make_envelope(network_id, lieux)
    org_a = await factories.make_cofunder(network_id, "Fondation A", users[0])
    org_b = await factories.make_cofunder(network_id, "Fondation B", users[1])

    def pledge(**unit: int) -> Pledge:
        return Pledge(
            envelope=envelope, challenge=challenge, source="own_funds", updated_at=now(), **unit
        )

    await Pledge.insert(pledge(lieu=lieux[0]), pledge(org=org_a), pledge(org=org_b))
    await Pledge.insert(
        Pledge(
            envelope=envelope,
            challenge=challenge,
            lieu=lieux[0],
            source="drawing_rights",
            updated_at=now(),
        )
    )  # another source is another pledge
    doubles = [
        lambda: Pledge.insert(pledge(lieu=lieux[0])),
        lambda: Pledge.insert(pledge(org=org_a)),
        lambda: EnvelopeLieu.insert(EnvelopeLieu(envelope=envelope, lieu=lieux[0])),
        lambda: Coordinator.insert(Coordinator(network=network_id, user=users[0])),
        lambda: ConcernedLieu.insert(
            ConcernedLieu(challenge=challenge, lieu=lieux[2], declared_at=now())
        ),
        lambda: Support.insert(
            Support(envelope=envelope, challenge=challenge, lieu=lieux[2], updated_at=now())
        ),
    ]
    await Coordinator.insert(Coordinator(network=network_id, user=users[0]))
    await ConcernedLieu.insert(ConcernedLieu(challenge=challenge, lieu=lieux[2], declared_at=now()))
    await Support.insert(
        Support(envelope=envelope, challenge=challenge, lieu=lieux[2], updated_at=now())
    )
    for insert in doubles:
        with pytest.raises(Duplicate):
            await insert()
    assert await Pledge.count().where(Pledge.envelope == envelope) == 4


async def test_two_nous_aussi_at_once_store_one_row_with_the_last_note(db: str) -> None:
    network_id, lieux, users = await _network()
    challenge = await factories.make_challenge(network_id, lieux[0])
    for lieu, user in zip(lieux[1:], users[1:], strict=True):
        actor = _member(user, lieu)
        await asyncio.gather(
            *(
                challenges.declare_concerned(
                    actor, challenge_id=challenge, lieu_id=lieu, note=f"note {n}"
                )
                for n in range(4)
            )
        )
    rows = await ConcernedLieu.select().where(ConcernedLieu.challenge == challenge)
    assert sorted(r["lieu"] for r in rows) == lieux[1:]


async def test_two_positions_of_one_lieu_at_once_never_stand_side_by_side(
    settings: Settings,
) -> None:
    network_id, lieux, users = await _network()
    challenge = await factories.make_challenge(network_id, lieux[0])
    round_id = await factories.make_round(challenge, 1, days=5)
    actor = _member(users[1], lieux[1])
    outcomes = await asyncio.gather(
        *(
            rounds.take_position(
                settings,
                actor,
                round_id=round_id,
                lieu_id=lieux[1],
                kind=kind,
                text="",
                criterion_id=None,
            )
            for kind in ("consent", "consent", "consent", "consent")
        ),
        return_exceptions=True,
    )
    assert all(o is None or isinstance(o, Duplicate) for o in outcomes), outcomes
    entries = await RoundPosition.select(RoundPosition.number).where(
        RoundPosition.round == round_id
    )
    numbers = sorted(r["number"] for r in entries)
    assert numbers == list(range(1, len(numbers) + 1))
    assert len(numbers) == sum(o is None for o in outcomes) >= 1
    # The next change reads the whole history and is numbered after it.
    await rounds.withdraw_position(actor, round_id=round_id, lieu_id=lieux[1])
    assert await RoundPosition.count().where(RoundPosition.number == len(numbers) + 1) == 1


async def test_a_position_change_that_lost_the_race_is_answered_409_and_writes_nothing(
    client: AsyncTestClient,  # type: ignore[type-arg]
    db: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    network_id, lieux, _users = await _network()
    challenge = await factories.make_challenge(network_id, lieux[0])
    round_id = await factories.make_round(challenge, 1, days=5)
    await log_in(client, "lieu1@exemple.fr")
    page = f"/defis/{challenge}"
    form = {"lieu": str(lieux[1]), "kind": "consent", "text": ""}
    assert (await post_form(client, f"/tours/{round_id}/position", form, page)).status_code == 303
    # Another request read the same history and stored its entry first.
    monkeypatch.setattr(rounds, "_next_number", lambda _known, _lieu: 1)
    lost = await post_form(client, f"/tours/{round_id}/position", form, page)
    assert lost.status_code == 409
    assert "Une autre requête vient de faire la même chose" in page_text(lost)
    assert await RoundPosition.count().where(RoundPosition.round == round_id) == 1


async def test_two_new_versions_at_once_one_is_published_the_other_is_told(db: str) -> None:
    from cobudget.db.tables import ChallengeVersion
    from cobudget.domain.challenges import BudgetLineRow
    from cobudget.services.challenges import ChallengeForm, amend
    from cobudget.settings import Settings

    network_id, lieux, users = await _network()
    challenge = await factories.make_challenge(network_id, lieux[0])
    actor = _member(users[0], lieux[0])
    settings = Settings(database_url=db, secret_key="x")

    def form(title: str) -> ChallengeForm:
        return ChallengeForm(
            title=title,
            problem="Chaque lieu réserve ses salles à sa façon.",
            commons="Un logiciel libre de réservation.",
            users="Les lieux",
            lines=[BudgetLineRow(label="Développement", min_euros="1000", max_euros="2000")],
        )

    outcomes = await asyncio.gather(
        *(
            amend(settings, actor, challenge_id=challenge, form=form(f"Titre {n}"))
            for n in range(3)
        ),
        return_exceptions=True,
    )
    published = [o for o in outcomes if not isinstance(o, BaseException)]
    refused = [o for o in outcomes if isinstance(o, InvalidInput)]
    assert len(published) >= 1 and len(published) + len(refused) == 3, outcomes
    for error in refused:
        assert error.fields == {"title": "version_changed_meanwhile"}
    numbers = [
        r["number"]
        for r in await ChallengeVersion.select(ChallengeVersion.number).where(
            ChallengeVersion.challenge == challenge
        )
    ]
    assert sorted(numbers) == list(range(1, len(numbers) + 1))


@pytest.mark.skipif(backend() != "postgresql", reason="two processes at once on PostgreSQL")
async def test_nous_aussi_sent_to_two_processes_at_once_gives_one_row_and_no_5xx(
    db: str, smtp: tuple[Mailbox, int], tmp_path: Path
) -> None:
    network_id, lieux, _users = await _network()
    challenges_ids = [
        await factories.make_challenge(network_id, lieux[0], f"Défi {n}") for n in range(6)
    ]
    with app_processes(2, db, smtp[1], tmp_path) as urls:
        clients = []
        for url in urls:
            client = httpx.AsyncClient(base_url=url, timeout=30)
            page = await client.get("/connexion")
            token = page.text.split('name="_csrf_token" value="')[1].split('"')[0]
            await client.post(
                "/connexion",
                data={
                    "email": "lieu1@exemple.fr",
                    "password": factories.PASSWORD,
                    "_csrf_token": token,
                },
            )
            page = await client.get("/connexion")
            clients.append((client, client.cookies.get("csrftoken", "")))
        answers = await asyncio.gather(
            *(
                client.post(
                    f"/defis/{challenge}/nous-aussi",
                    data={"lieu": str(lieux[1]), "note": "Nous aussi.", "_csrf_token": token},
                )
                for challenge in challenges_ids
                for client, token in clients
            )
        )
        for client, _token in clients:
            await client.aclose()
    assert [a.status_code for a in answers] == [303] * len(answers), [
        (a.status_code, a.text[:200]) for a in answers
    ]
    for challenge in challenges_ids:
        assert (
            await ConcernedLieu.count()
            .where(ConcernedLieu.challenge == challenge)
            .where(ConcernedLieu.lieu == lieux[1])
        ) == 1


def _migrate_to(url: str, var_dir: Path, migration_id: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "COBUDGET_DATABASE_URL": url,
        "PICCOLO_CONF": "cobudget.db.piccolo_conf",
        "COBUDGET_VAR_DIR": str(var_dir),
    }
    return subprocess.run(
        [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "cobudget", migration_id],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_the_migration_numbers_positions_drops_empty_doubles_and_refuses_doubled_money(
    tmp_path: Path,
) -> None:
    """Rows doubled before the indexes: a lieu's position entries are numbered in order and a
    doubled coordinator is one again; a doubled pledge stops the migration, named."""
    url = await database.create_database(tmp_path)
    try:
        assert _migrate_to(url, tmp_path, BEFORE_CONSTRAINTS).returncode == 0
        # Migrated halfway: no data version yet for its writes to change.
        bind_tables(make_engine(url, versioned=False))
        async with database.pooled_setup(url, versioned=False), database.tables_as_migrated():
            network_id, lieux, users = await _network()
            challenge = await factories.make_consented_challenge(network_id, lieux[0], lieux[1])
            round_id = await factories.make_round(challenge, 1)
            for kind in ("consent", "objection", "consent"):
                await RoundPosition.insert(
                    RoundPosition(round=round_id, lieu=lieux[2], kind=kind, taken_at=now())
                )
            for _copy in range(2):
                await Coordinator.insert(Coordinator(network=network_id, user=users[0]))
            envelope = await factories.make_envelope(network_id, lieux)
            for _copy in range(2):
                await Pledge.insert(
                    Pledge(
                        envelope=envelope,
                        challenge=challenge,
                        lieu=lieux[1],
                        source="own_funds",
                        amount_cents=100,
                        updated_at=now(),
                    )
                )
        refused = _migrate_to(url, tmp_path, CONSTRAINTS_MIGRATION)
        assert (
            "pledge: several rows where the product allows one" in refused.stdout + refused.stderr
        )
        assert await Pledge.count() == 2  # nothing was changed by the refused migration
        await Pledge.delete().where(Pledge.id == (await Pledge.select(Pledge.id).first())["id"])
        done = _migrate_to(url, tmp_path, CONSTRAINTS_MIGRATION)
        assert done.returncode == 0, done.stdout + done.stderr
        entries = (
            await RoundPosition.select(RoundPosition.kind, RoundPosition.number)
            .where(RoundPosition.round == round_id)
            .where(RoundPosition.lieu == lieux[2])
            .order_by(RoundPosition.id)
        )
        assert [(r["kind"], r["number"]) for r in entries] == [
            ("consent", 1),
            ("objection", 2),
            ("consent", 3),
        ]
        assert await Coordinator.count().where(Coordinator.network == network_id) == 1
    finally:
        await database.drop_database(url)
